"""Choose how far to blend a GAN run back toward its PSNR model (ESRGAN's network interpolation).

    python scripts/interpolation_sweep.py runs/gan-x --alphas 0.5 0.6 0.7 0.8 0.9 1.0 --max_psnr_drop 2.0
    python scripts/interpolation_sweep.py wdrn-x4-gan --psnr_model wdrn-x4 --val_data runs/data/val-bsd200
    python scripts/interpolation_sweep.py runs/gan-x --onto wdrn-x4-real --psnr_reference wdrn-x4 \
        --val_data runs/data/val-bsd200-jpeg75 runs/data/val-bsd200-noise runs/data/val-bsd200-blur+jpeg
    python scripts/interpolation_sweep.py wdrn-x4-real --psnr_model wdrn-x4 --alphas 0.25 0.5 0.75 1 \
        --val_data runs/data/val-bsd200-noise runs/data/val-bsd200-jpeg75 runs/data/val-bsd200-blur+jpeg \
        --output docs/denoise_strength.json        # what wdrn-x4-real's denoise control does
    python scripts/interpolation_sweep.py runs/s16 runs/s17 runs/s21 --step 3000  # seeds averaged (a soup)

The GAN weights are a GAN model's, or for a run the EMA of its most natural checkpoint: its
lowest validation NIQE, whatever its PSNR. Each alpha blends them with the PSNR model (for a
run, the one it started from): ``psnr + alpha * (gan - psnr)``. The blend is scored on the held-out
validation split(s) (a run's own) with the trainer's measures (fp32, untiled, Y channel), and
the choice is the rule `gan_comparison.py --choose` applies to checkpoints: the lowest NIQE
within `--max_psnr_drop` dB of the PSNR model (alpha 0), means over the sets.

Several runs of one PSNR model (seeds of a recipe) are averaged weight by weight before the blend
(`hf_srgan.models.average_generators`, a model soup), each at its most natural checkpoint or at
`--step`.

`--onto` moves the GAN's change onto a sibling of the PSNR model instead (task arithmetic,
``onto + alpha * (gan - psnr)``): one GAN stage's texture for a sibling that has none of its own.
`--psnr_reference` then keeps only blends at least as sharp as that model on every set (less
`--psnr_margin` dB), the degraded benchmark's condition. The sweep is added to
docs/interpolation.json for the card; `bundle_model.py SOURCE NAME --interpolate_with ... --alpha ...`
bundles the blend.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hf_srgan.evaluation import load_benchmark, score_set
from hf_srgan.inference import upscale
from hf_srgan.models import SRGenerator, add_task_vector, average_generators
from hf_srgan.records import best_point, run_summary
from hf_srgan.training import checkpoint_dirs, checkpoint_generator, checkpoint_step

ROOT = Path(__file__).resolve().parents[1]

OUTPUT = ROOT / "docs" / "interpolation.json"


def most_natural_step(run_dir: Path) -> int:
    """The checkpointed validation step with the lowest NIQE, ignoring PSNR."""
    saved = {checkpoint_step(p) for p in checkpoint_dirs(run_dir)}
    curve = [p for p in run_summary(run_dir)["curve"] if p["step"] in saved and p["step"] > 0]
    if not curve:
        raise SystemExit(f"error: {run_dir} has no validated checkpoint after step 0")
    return min(curve, key=lambda p: p["niqe"])["step"]


def score(model: SRGenerator, sets: dict[str, list], label: str) -> dict:
    """Validation PSNR and NIQE per set, and their means over the sets; per set also the artefact
    measures (JPEG blockiness, flat-area noise) that tell a denoised blend from a sharpened one."""
    per_set = {}
    for name, pairs in sets.items():
        scores = score_set(
            pairs,
            lambda lr: upscale(model, lr, tile=None, dtype="float32"),
            shave=model.scale,
            with_niqe=True,
            desc=f"{label} {name}",
            with_artefacts=True,
        )
        per_set[name] = {k: round(scores[k], 3) for k in ("psnr", "niqe", "blockiness", "flat_noise")}
    means = {key: round(sum(s[key] for s in per_set.values()) / len(per_set), 3) for key in ("psnr", "niqe")}
    return {**means, "sets": per_set}


def sweep(
    psnr_model: SRGenerator,
    gan_model: SRGenerator,
    onto: SRGenerator,
    sets: dict[str, list],
    alphas: list[float],
) -> list[dict]:
    """Scores of ``onto + alpha * (gan - psnr)`` for each alpha; alpha 0 (`onto` itself) comes first."""
    curve = []
    for alpha in sorted({0.0, *alphas}):
        point = {
            "alpha": alpha,
            **score(add_task_vector(onto, psnr_model, gan_model, alpha), sets, f"alpha {alpha:.2f}"),
        }
        curve.append(point)
        print(
            f"alpha {alpha:.2f}: {point['psnr']:.2f} dB, NIQE {point['niqe']:.2f} {point['sets']}", flush=True
        )
    return curve


def above_reference(curve: list[dict], reference: dict, margin: float = 0.0) -> dict | None:
    """The lowest mean NIQE among blends at most `margin` dB under the reference's PSNR on every set."""
    floors = {name: scores["psnr"] - margin for name, scores in reference["sets"].items()}
    fits = [p for p in curve if all(p["sets"][name]["psnr"] >= floor for name, floor in floors.items())]
    return min(fits, key=lambda p: p["niqe"], default=None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "gan",
        nargs="+",
        help="a GAN run folder, or a GAN model (bundled name or saved folder); several runs are averaged",
    )
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    parser.add_argument("--step", type=int, help="runs' checkpoint (default: each run's lowest NIQE)")
    parser.add_argument("--psnr_model", help="default: the model the run started from")
    parser.add_argument(
        "--val_data", nargs="+", help="held-out benchmark folder(s) (default: the run's first)"
    )
    parser.add_argument("--max_psnr_drop", type=float, default=2.0)
    parser.add_argument(
        "--onto", help="a sibling fine-tuned from the PSNR model: sweep onto + alpha * (GAN - PSNR model)"
    )
    parser.add_argument(
        "--psnr_reference",
        help="choose among blends whose PSNR is at least this model's on every set (not --max_psnr_drop)",
    )
    parser.add_argument(
        "--psnr_margin",
        type=float,
        default=0.0,
        help="with --psnr_reference: dB a blend may fall under it per set (the photos bar allows 0.3)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    configs = [
        json.loads((Path(gan) / "train_config.json").read_text())
        if (Path(gan) / "train_config.json").is_file()
        else {}
        for gan in args.gan
    ]
    if len(args.gan) > 1 and not all(configs):
        parser.error("only runs (folders with a train_config.json) are averaged")
    if len({config.get("init_generator") for config in configs}) > 1:
        parser.error("averaged runs must start from the same PSNR model")
    config = configs[0]
    psnr_name = args.psnr_model or config.get("init_generator")
    val_data = args.val_data or (config.get("val_data") or [])[:1]
    if psnr_name is None or not val_data:
        parser.error("a GAN model (not a run) needs --psnr_model and --val_data")
    psnr_model = SRGenerator.from_pretrained(psnr_name)
    step = None
    if config:
        steps = [args.step if args.step is not None else most_natural_step(Path(gan)) for gan in args.gan]
        gan_model = average_generators(
            [checkpoint_generator(Path(gan), s) for gan, s in zip(args.gan, steps, strict=True)]
        )
        step = steps[0] if len(steps) == 1 else steps
    else:
        gan_model = SRGenerator.from_pretrained(args.gan[0])
    onto = SRGenerator.from_pretrained(args.onto) if args.onto else psnr_model
    sets = {Path(folder).name: load_benchmark(folder, psnr_model.scale) for folder in val_data}
    curve = sweep(psnr_model, gan_model, onto, sets, args.alphas)
    record = {
        "psnr_model": psnr_name,
        "onto": args.onto,
        "step": step,
        "validation_set": ", ".join(sets),
        "curve": curve,
    }
    if args.psnr_reference:
        reference = score(SRGenerator.from_pretrained(args.psnr_reference), sets, args.psnr_reference)
        record["psnr_reference"] = {"model": args.psnr_reference, "margin": args.psnr_margin, **reference}
        chosen = above_reference(curve, reference, args.psnr_margin)
    else:
        record["max_psnr_drop"] = args.max_psnr_drop
        chosen = best_point(curve, args.max_psnr_drop)  # the first point, alpha 0, is the reference
    record["chosen_alpha"] = chosen["alpha"] if chosen else None
    summary = json.loads(args.output.read_text()) if args.output.is_file() else {}
    name = " + ".join(args.gan)
    summary[name if not args.onto else f"{name} onto {args.onto}"] = record
    args.output.write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: v for k, v in record.items() if k != "curve"}))


if __name__ == "__main__":
    main()
