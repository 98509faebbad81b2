"""Scoring generators on benchmark folders (``HR/`` + ``LR_bicubic/X4/``) by the published protocol."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from hf_srgan.imageio import open_image
from hf_srgan.inference import upscale
from hf_srgan.metrics import psnr, ssim
from hf_srgan.models import SRGenerator


@dataclass
class BenchmarkPair:
    name: str
    lr: Image.Image
    hr: Image.Image


def load_benchmark(folder: str | Path, scale: int = 4) -> list[BenchmarkPair]:
    """The set's own LR inputs with their HR images, HR cropped to scale x LR size ("modcrop")."""
    folder = Path(folder)
    lr_dir = folder / "LR_bicubic" / f"X{scale}"
    if not (folder / "HR").is_dir() or not lr_dir.is_dir():
        raise FileNotFoundError(f"{folder} is not a benchmark folder: expected HR/ and LR_bicubic/X{scale}/")
    pairs = []
    for hr_path in sorted((folder / "HR").glob("*.png")):
        lr = open_image(lr_dir / hr_path.name).convert("RGB")
        hr = open_image(hr_path).convert("RGB").crop((0, 0, lr.width * scale, lr.height * scale))
        pairs.append(BenchmarkPair(hr_path.stem, lr, hr))
    if not pairs:
        raise FileNotFoundError(f"no PNG images in {folder / 'HR'}")
    return pairs


def bicubic_upscale(lr: Image.Image, scale: int) -> Image.Image:
    return lr.resize((lr.width * scale, lr.height * scale), Image.Resampling.BICUBIC)


def score_set(pairs: list[BenchmarkPair], upscaler: Callable[[Image.Image], Image.Image], shave: int) -> dict:
    """Mean PSNR/SSIM of `upscaler` over a benchmark set."""
    psnrs, ssims = [], []
    for pair in pairs:
        sr = upscaler(pair.lr)
        psnrs.append(psnr(sr, pair.hr, shave=shave))
        ssims.append(ssim(sr, pair.hr, shave=shave))
    return {"psnr": float(np.mean(psnrs)), "ssim": float(np.mean(ssims)), "images": len(pairs)}


def evaluate(
    upscalers: dict[str, Callable[[Image.Image], Image.Image]], folders: list[str | Path], scale: int = 4
) -> dict[str, dict[str, dict]]:
    """``{row: {set: {"psnr", "ssim", "images"}}}`` for each named upscaler and benchmark folder."""
    results: dict[str, dict[str, dict]] = {name: {} for name in upscalers}
    for folder in folders:
        pairs = load_benchmark(folder, scale)
        for name, upscaler in upscalers.items():
            results[name][Path(folder).name] = score_set(pairs, upscaler, shave=scale)
    return results


def evaluate_generators(
    models: list[str], folders: list[str | Path], **upscale_kwargs
) -> dict[str, dict[str, dict]]:
    """Bicubic plus each generator (bundled name, folder or Hub id) on benchmark folders.

    This is what `hf-srgan evaluate` prints and what the model card is generated from, so the
    published figures and the command users rerun cannot disagree.
    """
    generators = {name: SRGenerator.from_pretrained(name) for name in models}
    scales = {g.scale for g in generators.values()}
    if len(scales) != 1:
        raise ValueError(f"all models must have the same scale, got {sorted(scales)}")
    scale = scales.pop()
    upscalers = {"bicubic": lambda lr: bicubic_upscale(lr, scale)}
    for name, generator in generators.items():
        upscalers[name] = lambda lr, g=generator: upscale(g, lr, **upscale_kwargs)
    return evaluate(upscalers, folders, scale=scale)


def format_table(results: dict[str, dict[str, dict]]) -> str:
    """A Markdown table: one row per upscaler, PSNR (dB) / SSIM per set."""
    sets = list(next(iter(results.values())))
    lines = ["| model | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets)]
    for name, per_set in results.items():
        cells = [f"{per_set[s]['psnr']:.2f} / {per_set[s]['ssim']:.4f}" for s in sets]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
