"""Training patches per second per CPU core, to size DataLoader workers per GPU.

    python benchmarks/data_loader.py [--patch 96] [--batches 30] [--gpu_tflops 312 --gpu_utilisation 0.4]

One process, no workers (so the figure is per core), on the 2K-pixel images of DIV2K and
Flickr2K in ../shared/data/train (the size of full DIV2K images): `SRPatchDataset` with decoded
images cached in memory, decoding the image again for every patch (`--no_cache`), the
realistic degradation pipeline on cached images, and `--streaming` (`StreamingPatchDataset`:
each image decoded once per 16 patches, nothing cached). A GPU's demand is estimated from the
SRResNet training step's FLOPs (counted by PyTorch) and the GPU's dense bf16 TFLOP/s at the
given utilisation (default: an A100 at 40%), so the loader cores one GPU needs is demand / rate.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import torch

from hf_srgan.data import Degradation, SRPatchDataset, StreamingPatchDataset, load_image_sources
from hf_srgan.degradations import RealisticDegradation

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HF_SRGAN_DATA", ROOT.parent / "shared" / "data"))


def patches_per_second(dataset: SRPatchDataset | StreamingPatchDataset, batch: int, batches: int) -> float:
    shuffle = isinstance(dataset, SRPatchDataset)  # a stream shuffles itself
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=shuffle, num_workers=0)
    iterator = iter(loader)
    next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patch", type=int, default=96)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--gpu_tflops", type=float, default=312, help="dense bf16 peak (A100: 312)")
    parser.add_argument("--gpu_utilisation", type=float, default=0.4)
    args = parser.parse_args()
    torch.set_num_threads(1)
    sources = [str(DATA / "train" / "DIV2K"), str(DATA / "train" / "Flickr2K")]
    images = load_image_sources(sources)
    stream = load_image_sources(sources, streaming=True).repeat(None)
    configs = {
        "cached, bicubic": SRPatchDataset(images, args.patch, Degradation(4), cache=True),
        "decoded per patch, bicubic": SRPatchDataset(images, args.patch, Degradation(4), cache=False),
        "cached, realistic": SRPatchDataset(images, args.patch, RealisticDegradation(4), cache=True),
        "streaming, 16 patches per decoded image, bicubic": StreamingPatchDataset(
            stream, args.patch, Degradation(4), patches_per_image=16, buffer_size=64
        ),
    }
    flops = training_flops_per_patch(args.patch)
    demand = args.gpu_tflops * 1e12 * args.gpu_utilisation / flops
    print(f"# {len(images)} images of ~2K px, {args.patch} px HR patches, 1 core, torch {torch.__version__}")
    print(
        f"# SRResNet training step: {flops / 1e9:.2f} GFLOP per patch; a GPU at {args.gpu_tflops:g} TFLOP/s "
        f"x {args.gpu_utilisation:.0%} consumes {demand:,.0f} patches/s"
    )
    print("| loader | patches/s per core | cores per GPU |")
    print("|---|---|---|")
    for name, dataset in configs.items():
        rate = patches_per_second(dataset, args.batch, args.batches)
        print(f"| {name} | {rate:.0f} | {demand / rate:.0f} |", flush=True)


def training_flops_per_patch(patch: int) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    from hf_srgan.models import PRESETS, SRGenerator

    model = SRGenerator(**PRESETS["srresnet"])
    with FlopCounterMode(display=False) as counter:
        model(torch.rand(1, 3, patch // 4, patch // 4)).mean().backward()
    return counter.get_total_flops()


if __name__ == "__main__":
    main()
