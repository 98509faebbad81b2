"""Does a fine-tuned generator shift colours or grow a lattice? Measured on a held-out set.

    python scripts/artefact_check.py wdrn-x4 runs/gan-b-shift-l1-drift:2750 [--data runs/data/val-bsd200]
        [--output docs/artefact_check.json]

Two artefacts that the validation PSNR (Y only) and NIQE can miss. Colour: a model can lose
saturation or tint everything and keep its Y PSNR. Lattice: a GAN generator's cheapest fake
texture repeats with its 4x4 PixelShuffle blocks, or every 8 px after the SRGAN critic's three
stride-2 convs, and NIQE can even score it as detail. For each model (a bundled name, a folder,
or `RUN:STEP` for the EMA weights of a training checkpoint) this upscales the set's own LR images
(bf16, default tiling) and prints, against the HR images: the mean absolute Cb/Cr error in 8-bit
levels (BT.601 full range), the chroma ratio (mean sqrt(Cb^2 + Cr^2) of SR over HR: below 1 =
desaturated), the mean Cb and Cr bias, and `hf_srgan.losses.grid_loss` at periods 4 and 8 (the
part of the RGB error that is phase-locked to that period, in 8-bit levels; compare with the
starting model's row). `--output` merges the rows into a JSON file keyed by model, which the
GAN model card quotes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from hf_srgan.evaluation import load_benchmark
from hf_srgan.inference import upscale
from hf_srgan.losses import grid_loss
from hf_srgan.models import SRGenerator
from hf_srgan.training import ema_generator_weights


def chroma(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cb and Cr (BT.601 full range), centred on zero."""
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    return -0.168736 * r - 0.331264 * g + 0.5 * b, 0.5 * r - 0.418688 * g - 0.081312 * b


def lattice(sr: np.ndarray, hr: np.ndarray, period: int) -> float:
    """`grid_loss` of uint8 HxWx3 images, in 8-bit levels."""
    sr_t, hr_t = (torch.from_numpy(a.copy()).permute(2, 0, 1)[None].float() for a in (sr, hr))
    return grid_loss(sr_t, hr_t, period=period).item()


def load_model(spec: str) -> SRGenerator:
    """A bundled name or folder, or RUN:STEP = the EMA weights of that run's checkpoint (strict)."""
    if ":" not in spec:
        return SRGenerator.from_pretrained(spec)
    run, step = spec.rsplit(":", 1)
    # A GAN-phase run starts from --init_generator: same architecture, so its config builds the model.
    model = SRGenerator.from_pretrained(
        json.loads((Path(run) / "train_config.json").read_text())["init_generator"]
    )
    model.load_state_dict(ema_generator_weights(Path(run) / "checkpoints" / f"step_{step}"))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="+")
    parser.add_argument("--data", default="runs/data/val-bsd200", help="a folder with HR/ and LR_bicubic/X4/")
    parser.add_argument("--output", type=Path, help="a JSON file to merge the rows into")
    args = parser.parse_args()
    rows = json.loads(args.output.read_text()) if args.output and args.output.is_file() else {}
    pairs = load_benchmark(args.data)
    print("| model | chroma MAE (levels) | chroma ratio SR/HR | mean Cb, Cr bias | lattice 4 px | 8 px |")
    print("|---|---|---|---|---|---|")
    for spec in args.models:
        model = load_model(spec)
        errors, ratios, biases, lattices = [], [], [], []
        for pair in pairs:
            sr, hr = np.asarray(upscale(model, pair.lr)), np.asarray(pair.hr)
            (sr_cb, sr_cr), (hr_cb, hr_cr) = chroma(sr), chroma(hr)
            errors.append((np.abs(sr_cb - hr_cb).mean() + np.abs(sr_cr - hr_cr).mean()) / 2)
            ratios.append(np.hypot(sr_cb, sr_cr).mean() / np.hypot(hr_cb, hr_cr).mean())
            biases.append(((sr_cb - hr_cb).mean(), (sr_cr - hr_cr).mean()))
            lattices.append((lattice(sr, hr, 4), lattice(sr, hr, 8)))
        cb, cr = np.mean(biases, axis=0)
        grid4, grid8 = np.mean(lattices, axis=0)
        rows[spec] = {
            "data": args.data,
            "chroma_mae": float(np.mean(errors)),
            "chroma_ratio": float(np.mean(ratios)),
            "cb_bias": float(cb),
            "cr_bias": float(cr),
            "lattice_4px": float(grid4),
            "lattice_8px": float(grid8),
        }
        print(
            f"| {spec} | {np.mean(errors):.2f} | {np.mean(ratios):.3f} | {cb:+.2f}, {cr:+.2f} "
            f"| {grid4:.3f} | {grid8:.3f} |",
            flush=True,
        )
    if args.output:
        args.output.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
