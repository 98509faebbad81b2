"""Scoring generators on benchmark folders (``HR/`` + ``LR_bicubic/X4/``) by the published protocol."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from hf_srgan.imageio import open_image
from hf_srgan.inference import upscale
from hf_srgan.metrics import blockiness, flat_noise, niqe, psnr, ssim
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


def set_mean(measure: str, values: list[float]) -> float:
    """A set's mean of a per-image measure. `flat_noise` is undefined (NaN) on an image with no flat
    region (a BSD100 photo of foliage throughout), so its mean is over the images that have one."""
    return float(
        np.nanmean(values) if measure == "flat_noise" and not np.isnan(values).all() else np.mean(values)
    )


def score_set(
    pairs: list[BenchmarkPair],
    upscaler: Callable[[Image.Image], Image.Image],
    shave: int,
    with_niqe: bool = False,
    desc: str = "",
    with_artefacts: bool = False,
) -> dict:
    """Mean PSNR/SSIM (and NIQE, on the same shaved Y channel) of `upscaler` over a benchmark set.

    ``with_artefacts`` adds what NIQE rewards wrongly on degraded inputs: ``blockiness`` (JPEG
    blocks of the LR input, on a 32-px grid in a 4x output) and ``flat_noise`` (fine-band energy
    where the HR is smooth); see `hf_srgan.metrics`.
    """
    scores: dict[str, list[float]] = {"psnr": [], "ssim": [], **({"niqe": []} if with_niqe else {})}
    if with_artefacts:
        scores |= {"blockiness": [], "flat_noise": []}
    jpeg_grid = 8 * shave  # `shave` is the scale here: an 8-px JPEG block of the LR covers 8 x scale px
    for pair in tqdm(pairs, desc=desc, unit="img", leave=False, disable=not desc):
        sr = upscaler(pair.lr)
        scores["psnr"].append(psnr(sr, pair.hr, shave=shave))
        scores["ssim"].append(ssim(sr, pair.hr, shave=shave))
        if with_niqe:
            scores["niqe"].append(niqe(sr, shave=shave))
        if with_artefacts:
            scores["blockiness"].append(blockiness(sr, period=jpeg_grid, shave=shave))
            scores["flat_noise"].append(flat_noise(sr, pair.hr, shave=shave))
    return {**{k: set_mean(k, v) for k, v in scores.items()}, "images": len(pairs)}


def score_hr_niqe(pairs: list[BenchmarkPair], shave: int, with_artefacts: bool = False) -> dict:
    """NIQE of the ground truth: the floor a perceptual model is measured against (and its artefacts)."""
    scores = {"niqe": float(np.mean([niqe(pair.hr, shave=shave) for pair in pairs])), "images": len(pairs)}
    if with_artefacts:
        scores["blockiness"] = float(
            np.mean([blockiness(p.hr, period=8 * shave, shave=shave) for p in pairs])
        )
        scores["flat_noise"] = set_mean("flat_noise", [flat_noise(p.hr, p.hr, shave=shave) for p in pairs])
    return scores


def evaluate(
    upscalers: dict[str, Callable[[Image.Image], Image.Image]],
    folders: list[str | Path],
    scale: int = 4,
    with_niqe: bool = False,
    with_artefacts: bool = False,
) -> dict[str, dict[str, dict]]:
    """``{row: {set: {"psnr", "ssim", ["niqe"], "images"}}}`` per upscaler and benchmark folder.

    With NIQE an ``HR`` row (NIQE only) comes first, so every table shows how natural the ground
    truth itself scores.
    """
    results: dict[str, dict[str, dict]] = {**({"HR": {}} if with_niqe else {}), **{n: {} for n in upscalers}}
    for folder in folders:
        set_name = Path(folder).name
        pairs = load_benchmark(folder, scale)
        if with_niqe:
            results["HR"][set_name] = score_hr_niqe(pairs, shave=scale, with_artefacts=with_artefacts)
        for name, upscaler in upscalers.items():
            results[name][set_name] = score_set(
                pairs,
                upscaler,
                shave=scale,
                with_niqe=with_niqe,
                desc=f"{set_name} {name}",
                with_artefacts=with_artefacts,
            )
    return results


def evaluate_generators(
    models: list[str],
    folders: list[str | Path],
    with_niqe: bool = False,
    with_artefacts: bool = False,
    **upscale_kwargs,
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
    return evaluate(upscalers, folders, scale=scale, with_niqe=with_niqe, with_artefacts=with_artefacts)


def format_table(results: dict[str, dict[str, dict]]) -> str:
    """A Markdown table: one row per upscaler, PSNR (dB) / SSIM per set, then NIQE per set if scored."""
    sets = list(next(iter(results.values())))
    niqe_sets = [s for s in sets if any("niqe" in row.get(s, {}) for row in results.values())]
    header = sets + [f"{s} NIQE" for s in niqe_sets]
    lines = ["| model | " + " | ".join(header) + " |", "|---|" + "---|" * len(header)]
    for name, per_set in results.items():
        cells = [
            f"{per_set[s]['psnr']:.2f} / {per_set[s]['ssim']:.4f}" if "psnr" in per_set[s] else "-"
            for s in sets
        ]
        cells += [f"{per_set[s]['niqe']:.2f}" if "niqe" in per_set[s] else "-" for s in niqe_sets]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
