"""Choose how far to blend a GAN run back toward its PSNR model (ESRGAN's network interpolation).

    python scripts/interpolation_sweep.py runs/gan-x --alphas 0.5 0.6 0.7 0.8 0.9 1.0 --max_psnr_drop 2.0

The GAN weights are the EMA of the run's most natural checkpoint: its lowest validation NIQE,
whatever its PSNR. Each alpha blends them with the PSNR model the run started from
(`interpolate_generators`), and the blend is scored on the run's held-out validation split with
the trainer's own measures (fp32, untiled, Y channel). The choice is the rule
`gan_comparison.py --choose` applies to checkpoints: the lowest NIQE within `--max_psnr_drop` dB
of the PSNR model (alpha 0). The sweep is added to docs/interpolation.json, keyed by run, for
the card; `bundle_model.py --interpolate_with ... --alpha ...` then bundles the chosen blend.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from hf_srgan.evaluation import load_benchmark, score_set  # noqa: E402
from hf_srgan.inference import upscale  # noqa: E402
from hf_srgan.models import SRGenerator, interpolate_generators  # noqa: E402
from hf_srgan.training import checkpoint_dirs, ema_generator_weights  # noqa: E402
from scripts.gan_comparison import best_point, run_summary  # noqa: E402

OUTPUT = ROOT / "docs" / "interpolation.json"


def most_natural_step(run_dir: Path) -> int:
    """The checkpointed validation step with the lowest NIQE, ignoring PSNR."""
    saved = {int(p.name.split("_")[1]) for p in checkpoint_dirs(run_dir)}
    curve = [p for p in run_summary(run_dir)["curve"] if p["step"] in saved and p["step"] > 0]
    if not curve:
        raise SystemExit(f"error: {run_dir} has no validated checkpoint after step 0")
    return min(curve, key=lambda p: p["niqe"])["step"]


def gan_weights(run_dir: Path, step: int) -> SRGenerator:
    """The EMA generator of `step`, in the architecture the run exported."""
    model = SRGenerator.from_pretrained(run_dir / "final")
    model.load_state_dict(ema_generator_weights(run_dir / "checkpoints" / f"step_{step}"), strict=True)
    return model.eval()


def sweep(psnr_model: SRGenerator, gan_model: SRGenerator, pairs: list, alphas: list[float]) -> list[dict]:
    """Validation PSNR and NIQE of each blend; alpha 0 (the PSNR model) is always scored first."""
    curve = []
    for alpha in sorted({0.0, *alphas}):
        blend = interpolate_generators(psnr_model, gan_model, alpha)
        scores = score_set(
            pairs,
            lambda lr, m=blend: upscale(m, lr, tile=None, dtype="float32"),
            shave=blend.scale,
            with_niqe=True,
            desc=f"alpha {alpha:.2f}",
        )
        curve.append({"alpha": alpha, "psnr": round(scores["psnr"], 3), "niqe": round(scores["niqe"], 3)})
        print(f"alpha {alpha:.2f}: {scores['psnr']:.2f} dB, NIQE {scores['niqe']:.2f}", flush=True)
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    parser.add_argument("--step", type=int, help="GAN checkpoint (default: the run's lowest NIQE)")
    parser.add_argument("--max_psnr_drop", type=float, default=2.0)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    config = json.loads((args.run_dir / "train_config.json").read_text())
    step = args.step if args.step is not None else most_natural_step(args.run_dir)
    psnr_model = SRGenerator.from_pretrained(config["init_generator"])
    pairs = load_benchmark(config["val_data"][0], psnr_model.scale)
    curve = sweep(psnr_model, gan_weights(args.run_dir, step), pairs, args.alphas)
    chosen = best_point(curve, args.max_psnr_drop)  # the first point, alpha 0, is the reference
    record = {
        "psnr_model": config["init_generator"],
        "step": step,
        "validation_set": Path(config["val_data"][0]).name,
        "max_psnr_drop": args.max_psnr_drop,
        "curve": curve,
        "chosen_alpha": chosen["alpha"] if chosen else None,
    }
    summary = json.loads(args.output.read_text()) if args.output.is_file() else {}
    summary[str(args.run_dir)] = record
    args.output.write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: v for k, v in record.items() if k != "curve"}))


if __name__ == "__main__":
    main()
