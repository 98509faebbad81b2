"""Inference speed, memory and a roofline: output MP/s, GFLOP/s and share of peak per configuration.

    python benchmarks/inference.py                      # wdrn and srresnet, 64-2048 px, torch fp32/bf16, ORT
    python benchmarks/inference.py --sizes 256 --models wdrn rrdbnet23 --runtimes "torch bf16"
    python benchmarks/inference.py --sizes 1024 --runtimes "torch bf16" --tilings none auto 192 256 384

Each configuration runs in a fresh subprocess so its peak RSS is its own. Models have random
weights (speed does not depend on them). RRDBNet-23 is ESRGAN's generator, for scale only. Each
configuration is timed after one warm-up call on the same image (oneDNN kernel set-up per shape).
"x untiled" compares the default path (`tile="auto"`), and any fixed tile sizes given with
`--tilings`, with one untiled forward of the same runtime (untiled runs that would need over
12 GB are skipped). FLOPs per output pixel are
counted by PyTorch's FlopCounterMode; the peak is the best large matmul of this run in the same
precision (ORT rows use the fp32 peak), so "% of peak" says how far each runtime is from what
this CPU's GEMM kernels reach.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

import torch
from torch import nn

from hf_srgan.inference import cpu_supports_bf16
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


RUNTIMES = ["torch fp32", "torch bf16", "ort fp32"]


def build(name: str) -> nn.Module:
    """A model with random weights; a re-parameterizable one folded, as save_pretrained ships it."""
    return RRDBNet() if name == "rrdbnet23" else SRGenerator(**PRESETS[name]).fold()


def flops_per_output_pixel(name: str) -> float:
    """FLOPs of one forward per output pixel, counted by PyTorch's FlopCounterMode (convs, matmuls)."""
    from torch.utils.flop_counter import FlopCounterMode

    model = build(name).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.rand(1, 3, 32, 32))
    return counter.get_total_flops() / (32 * 4) ** 2


def gemm_peak_gflops(dtype: torch.dtype, size: int = 2048, repeats: int = 5) -> float:
    """The machine's practical peak: the best of a few large square matmuls (oneDNN/MKL) in `dtype`."""
    import time

    a, b = torch.rand(size, size).to(dtype), torch.rand(size, size).to(dtype)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def untiled_fits(size: int, dtype: str) -> bool:
    """Whether an untiled forward fits in ~12 GB (from the measured bytes per input pixel)."""
    from hf_srgan.inference import BYTES_PER_INPUT_PIXEL, DTYPES

    return size * size * BYTES_PER_INPUT_PIXEL[DTYPES[dtype]] < 12e9


def measure(name: str, size: int, runtime: str, tile: int | str | None, repeats: int) -> dict:
    """Runs in the child process: time `upscale` on a random image and report peak RSS."""
    import resource
    import tempfile
    import time

    import numpy as np

    from hf_srgan.inference import upscale

    torch.manual_seed(0)
    model = build(name).eval()
    dtype = "bfloat16" if runtime == "torch bf16" else "float32"
    if runtime == "ort fp32":
        from hf_srgan.onnx import OnnxGenerator, export_onnx

        path = Path(tempfile.mkdtemp()) / f"{name}.onnx"
        model = OnnxGenerator(export_onnx(model, path), threads=torch.get_num_threads())
    image = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
    # Warm-up on the same image: oneDNN builds kernels per input shape, once per process.
    upscale(model, image, tile=tile, dtype=dtype)
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
    parser.add_argument("--models", nargs="+", default=["wdrn", "srresnet"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[64, 256, 1024, 2048])
    parser.add_argument(
        "--runtimes", nargs="+", default=["torch fp32", "torch bf16", "ort fp32"], choices=RUNTIMES
    )
    parser.add_argument(
        "--tilings",
        nargs="+",
        default=[None, "auto"],
        type=lambda v: None if v == "none" else v if v == "auto" else int(v),
        help="none (one forward), auto (the default path) and/or largest tile sides in input px",
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, size, runtime, tile = json.loads(args.child)
        print(json.dumps(measure(name, size, runtime, tile, args.repeats)))
        return

    cpu = platform.processor() or platform.machine()
    print(
        f"# {cpu}, {torch.get_num_threads()} threads, torch {torch.__version__}, "
        f"fast bf16 (AVX-512 BF16 or AMX): {cpu_supports_bf16()}"
    )
    peaks = {"torch fp32": gemm_peak_gflops(torch.float32), "torch bf16": gemm_peak_gflops(torch.bfloat16)}
    peaks["ort fp32"] = peaks["torch fp32"]
    print(
        "peak = best 2048^3 matmul in this run: "
        + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in peaks.items() if k != "ort fp32")
    )
    flops = {m: flops_per_output_pixel(m) for m in args.models}
    print(
        "per model: "
        + ", ".join(
            f"{m} {count_parameters(build(m)) / 1e6:.2f} M params, {flops[m] / 1e3:.0f} kFLOP/output px"
            for m in args.models
        )
    )
    print(
        "| model | input | runtime | tiling | output MP/s | x untiled | GFLOP/s | % of peak | peak RSS GB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.models:
        for size in args.sizes:
            for runtime in args.runtimes:
                dtype = "bfloat16" if runtime == "torch bf16" else "float32"
                untiled = None
                for tile in args.tilings:
                    if tile is None and not untiled_fits(size, dtype):
                        print(f"| {name} | {size}x{size} | {runtime} | none | over 12 GB, not run | | | | |")
                        continue
                    child = json.dumps([name, size, runtime, tile])
                    out = subprocess.run(
                        [sys.executable, __file__, "--child", child, "--repeats", str(args.repeats)],
                        capture_output=True,
                        text=True,
                    )
                    if out.returncode:  # e.g. killed for memory: say so and go on with the grid
                        print(
                            f"| {name} | {size}x{size} | {runtime} | {tile or 'none'} | "
                            f"failed (exit {out.returncode}) | | | | |",
                            flush=True,
                        )
                        continue
                    result = json.loads(out.stdout.strip().splitlines()[-1])
                    rate = result["mpix_per_s"]
                    untiled = untiled or (rate if tile is None else None)
                    gflops = rate * 1e6 * flops[name] / 1e9
                    ratio = f"{rate / untiled:.2f}" if untiled else "-"
                    print(
                        f"| {name} | {size}x{size} | {runtime} | {tile or 'none'} | {rate:.3f} | {ratio} | "
                        f"{gflops:.0f} | {gflops / peaks[runtime]:.0%} | {result['peak_rss_gb']:.2f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
