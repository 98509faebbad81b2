"""Degraded x4 benchmark sets for models meant for real photos (JPEGs, noise, blur), fixed and seeded.

    python scripts/make_degraded_benchmark.py [--sets Set5 Set14 BSD100] [--out runs/degraded]
    hf-srgan evaluate --model wdrn-x4 --niqe --data runs/degraded/BSD100-jpeg75 runs/degraded/BSD100-noise ...

Each level starts from the benchmark's own LR images (MATLAB bicubic of the HR) and degrades
them the same way every time (numpy seed per image), keeping the benchmark layout
(`HR/` + `LR_bicubic/X4/`) so `hf-srgan evaluate` and `load_benchmark` read them unchanged:

- `jpeg75`: JPEG at quality 75, as web and phone images are saved
- `noise`: Gaussian noise, sigma 10 of 255, per colour channel (a dim indoor phone shot)
- `blur+jpeg`: the HR blurred (Gaussian sigma 1.2) before the MATLAB-bicubic x4 downscale, then
  JPEG at quality 60 (a soft, heavily compressed upload)
"""

from __future__ import annotations

import argparse
import io
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from hf_srgan.evaluation import load_benchmark
from hf_srgan.metrics import matlab_downscale
from hf_srgan.reports import DATA

ROOT = Path(__file__).resolve().parents[1]


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def add_noise(image: Image.Image, sigma: float, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    noisy = np.asarray(image, np.float64) + rng.normal(0, sigma, (image.height, image.width, 3))
    return Image.fromarray(np.clip(np.round(noisy), 0, 255).astype(np.uint8))


def blurred_lr(hr: Image.Image, sigma: float) -> Image.Image:
    soft = np.asarray(hr.filter(ImageFilter.GaussianBlur(sigma)), np.float64) / 255
    return Image.fromarray(np.clip(np.round(matlab_downscale(soft, 0.25) * 255), 0, 255).astype(np.uint8))


LEVELS = {
    "jpeg75": lambda pair, seed: jpeg(pair.lr, 75),
    "noise": lambda pair, seed: add_noise(pair.lr, 10.0, seed),
    "blur+jpeg": lambda pair, seed: jpeg(blurred_lr(pair.hr, 1.2), 60),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sets", nargs="+", default=["Set5", "Set14", "BSD100"], help="benchmark names or folders"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "degraded")
    args = parser.parse_args()
    for set_name in args.sets:
        source = Path(set_name) if Path(set_name).is_dir() else DATA / "benchmark" / set_name
        set_name = source.name
        pairs = load_benchmark(source)
        for level, degrade in LEVELS.items():
            folder = args.out / f"{set_name}-{level}"
            (folder / "HR").mkdir(parents=True, exist_ok=True)
            (folder / "LR_bicubic" / "X4").mkdir(parents=True, exist_ok=True)
            for pair in pairs:
                seed = zlib.crc32(f"{set_name}/{pair.name}/{level}".encode())
                pair.hr.save(folder / "HR" / f"{pair.name}.png")
                degrade(pair, seed).save(folder / "LR_bicubic" / "X4" / f"{pair.name}.png")
            print(f"{folder}: {len(pairs)} images")


if __name__ == "__main__":
    main()
