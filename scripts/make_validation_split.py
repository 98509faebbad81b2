"""Hold out training images as a validation set that is not a reported benchmark.

    python scripts/make_validation_split.py [--data ../shared/data] [--out runs/data] [--every 20]

Every `--every`-th BSD200 image (sorted by name) goes to ``<out>/val-bsd200/`` in the benchmark
layout (``HR/`` + ``LR_bicubic/X4/``, LR made with MATLAB's bicubic imresize like the benchmarks'
own); the rest of BSD200 is linked into ``<out>/train-bsd200/``. Train on T91, DIV2K, Flickr2K and
``train-bsd200``; choose checkpoints on ``val-bsd200``. The images are linked, never copied.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from PIL import Image

from hf_srgan.metrics import matlab_downscale

SCALE = 4


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=Path(os.environ.get("HF_SRGAN_DATA", "../shared/data")))
    p.add_argument("--out", type=Path, default=Path("runs/data"))
    p.add_argument("--every", type=int, default=20)
    args = p.parse_args()
    images = sorted((args.data / "train" / "BSD200").glob("*.png"))
    train_dir, val_dir = args.out / "train-bsd200", args.out / "val-bsd200"
    for folder in (train_dir, val_dir / "HR", val_dir / "LR_bicubic" / f"X{SCALE}"):
        folder.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(images):
        if i % args.every:
            link = train_dir / path.name
            if not link.exists():
                link.symlink_to(path.resolve())
            continue
        hr = np.asarray(Image.open(path).convert("RGB"))
        hr = hr[: hr.shape[0] // SCALE * SCALE, : hr.shape[1] // SCALE * SCALE]
        lr = np.clip(np.round(matlab_downscale(hr / 255.0, 1 / SCALE) * 255), 0, 255).astype(np.uint8)
        Image.fromarray(hr).save(val_dir / "HR" / path.name)
        Image.fromarray(lr).save(val_dir / "LR_bicubic" / f"X{SCALE}" / path.name)
    held_out = len(list((val_dir / "HR").glob("*.png")))
    print(
        f"{held_out} validation images in {val_dir}, {len(images) - held_out} training links in {train_dir}"
    )


if __name__ == "__main__":
    main()
