"""How long the Space spends writing a result: PNG compression levels on a 4x output.

    python benchmarks/png_write.py [--size 1000] [--levels 1 6]

A `--size` px photo (Set14 baboon, resized) is upscaled 4x with bicubic, so the output has the
size and texture of a real result, then written as PNG at each level (Pillow's default is 6).
Printed per level: seconds (best of `--repeats`), megabytes, and both as ratios to the first
level. Run it on an idle machine: one core does the work.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

from PIL import Image

PHOTO = Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmark" / "Set14" / "HR" / "baboon.png"


def write_seconds(image: Image.Image, level: int, repeats: int) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(repeats):
        buffer = io.BytesIO()
        start = time.perf_counter()
        image.save(buffer, format="png", compress_level=level)
        best = min(best, time.perf_counter() - start)
        size = buffer.tell()
    return best, size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1000, help="input side in px (the output is 4x)")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 6])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    small = Image.open(PHOTO).convert("RGB").resize((args.size, args.size), Image.Resampling.BICUBIC)
    output = small.resize((4 * args.size, 4 * args.size), Image.Resampling.BICUBIC)
    print(f"PNG of a {output.width}x{output.height} result ({output.width * output.height / 1e6:.0f} MP)")
    print("| level | seconds | MB | x time | x bytes |")
    print("|---|---|---|---|---|")
    baseline = None
    for level in args.levels:
        seconds, size = write_seconds(output, level, args.repeats)
        baseline = baseline or (seconds, size)
        ratios = f"{seconds / baseline[0]:.2f} | {size / baseline[1]:.2f}"
        print(f"| {level} | {seconds:.2f} | {size / 1e6:.1f} | {ratios} |")


if __name__ == "__main__":
    main()
