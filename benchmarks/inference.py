"""Inference speed and memory: output megapixels/s and peak RSS per model, size, precision and tiling.

    python benchmarks/inference.py                      # the full table (slow on 2 cores)
    python benchmarks/inference.py --sizes 256 --models wdrn srresnet

Each configuration runs in a fresh subprocess so its peak RSS is its own. Models have random
weights (speed does not depend on them). RRDBNet-23 is ESRGAN's generator, for scale only.
Ratios are against SRResNet with the same size, precision and tiling, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys

import torch
from torch import nn

from hf_srgan.models.generator import PRESETS, SRGenerator, count_parameters, pixel_shuffle_upsampler


class ResidualDenseBlock(nn.Module):
    """ESRGAN's RDB: 5 densely connected convs, residual scaled by 0.2."""

    def __init__(self, channels: int = 64, growth: int = 32) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(channels + i * growth, growth if i < 4 else channels, 3, padding=1) for i in range(5)
        )
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for i, conv in enumerate(self.convs):
            out = conv(torch.cat(features, 1))
            features.append(self.act(out) if i < 4 else out)
        return x + 0.2 * features[-1]


class RRDBNet(nn.Module):
    """ESRGAN's generator (Wang et al. 2018): 23 RRDBs of 3 RDBs each, ~16.7 M parameters."""

    def __init__(self, num_blocks: int = 23, channels: int = 64) -> None:
        super().__init__()
        self.scale = 4
        self.head = nn.Conv2d(3, channels, 3, padding=1)
        self.blocks = nn.Sequential(
            *(nn.Sequential(*(ResidualDenseBlock(channels) for _ in range(3))) for _ in range(num_blocks))
        )
        self.trunk = nn.Conv2d(channels, channels, 3, padding=1)
        self.upsample = pixel_shuffle_upsampler(channels, 4)
        self.tail = nn.Conv2d(channels, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.head(x)
        return self.tail(self.upsample(f + self.trunk(self.blocks(f))))


def build(name: str) -> nn.Module:
    return RRDBNet() if name == "rrdbnet23" else SRGenerator(**PRESETS[name])


def measure(name: str, size: int, dtype: str, tile: int | None, repeats: int) -> dict:
    """Runs in the child process: time `upscale` on a random image and report peak RSS."""
    import resource
    import time

    import numpy as np

    from hf_srgan.inference import upscale

    torch.manual_seed(0)
    model = build(name).eval()
    image = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
    upscale(model, image[:64, :64], tile=tile, dtype=dtype)  # warm-up (kernels, allocator)
    start = time.perf_counter()
    for _ in range(repeats):
        upscale(model, image, tile=tile, dtype=dtype)
    seconds = (time.perf_counter() - start) / repeats
    out_mpix = (size * 4) ** 2 / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB
    return {"mpix_per_s": out_mpix / seconds, "seconds": seconds, "peak_rss_gb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", default=["wdrn", "srresnet", "rrdbnet23"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[256, 1024])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "bfloat16"])
    parser.add_argument("--tile", type=int, default=192, help="tile size for the tiled rows")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, size, dtype, tile = json.loads(args.child)
        print(json.dumps(measure(name, size, dtype, tile, args.repeats)))
        return

    cpu = platform.processor() or platform.machine()
    print(f"# {cpu}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print("params: " + ", ".join(f"{m} {count_parameters(build(m)) / 1e6:.2f} M" for m in args.models))
    print("| model | input | dtype | tiled | output MP/s | x SRResNet | peak RSS GB |")
    print("|---|---|---|---|---|---|---|")
    baseline = {}
    for size in args.sizes:
        for dtype in args.dtypes:
            for tile in (None, args.tile):
                for name in sorted(args.models, key=lambda m: m != "srresnet"):  # baseline first
                    child = json.dumps([name, size, dtype, tile])
                    out = subprocess.run(
                        [sys.executable, __file__, "--child", child, "--repeats", str(args.repeats)],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    result = json.loads(out.stdout.strip().splitlines()[-1])
                    key = (size, dtype, tile)
                    if name == "srresnet":
                        baseline[key] = result["mpix_per_s"]
                    ratio = f"{result['mpix_per_s'] / baseline[key]:.2f}" if key in baseline else "-"
                    print(
                        f"| {name} | {size}x{size} | {dtype} | {'yes' if tile else 'no'} | "
                        f"{result['mpix_per_s']:.3f} | {ratio} | {result['peak_rss_gb']:.2f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
