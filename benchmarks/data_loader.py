"""Training patches per second per CPU core, to size DataLoader workers per GPU.

    python benchmarks/data_loader.py [--patch 96] [--batches 30]

One process, no workers (so the figure is per core), on the 2K-pixel images of DIV2K and
Flickr2K in ../shared/data/train (the size of full DIV2K images): `SRPatchDataset` with decoded
images cached in memory, decoding the image again for every patch (`--no_cache`), and the
realistic degradation pipeline on cached images. A GPU's demand is estimated from FLOPs (see
the printed line), so the number of loader cores one GPU needs is demand / rate.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import torch

from hf_srgan.data import Degradation, SRPatchDataset, load_image_sources
from hf_srgan.degradations import RealisticDegradation

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HF_SRGAN_DATA", ROOT.parent / "shared" / "data"))


def patches_per_second(dataset: SRPatchDataset, batch: int, batches: int) -> float:
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=0)
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
    args = parser.parse_args()
    torch.set_num_threads(1)
    images = load_image_sources([str(DATA / "train" / "DIV2K"), str(DATA / "train" / "Flickr2K")])
    configs = {
        "cached, bicubic": SRPatchDataset(images, args.patch, Degradation(4), cache=True),
        "decoded per patch, bicubic": SRPatchDataset(images, args.patch, Degradation(4), cache=False),
        "cached, realistic": SRPatchDataset(images, args.patch, RealisticDegradation(4), cache=True),
    }
    print(f"# {len(images)} images of ~2K px, {args.patch} px HR patches, 1 core, torch {torch.__version__}")
    print("| loader | patches/s per core |")
    print("|---|---|")
    for name, dataset in configs.items():
        print(f"| {name} | {patches_per_second(dataset, args.batch, args.batches):.0f} |", flush=True)
    print(f"SRResNet training step: {training_flops_per_patch(args.patch) / 1e9:.2f} GFLOP per patch")


def training_flops_per_patch(patch: int) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    from hf_srgan.models import PRESETS, SRGenerator

    model = SRGenerator(**PRESETS["srresnet"])
    with FlopCounterMode(display=False) as counter:
        model(torch.rand(1, 3, patch // 4, patch // 4)).mean().backward()
    return counter.get_total_flops()


if __name__ == "__main__":
    main()
