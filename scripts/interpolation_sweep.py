"""Choose how far to blend a GAN run back toward its PSNR model (ESRGAN's network interpolation).

    python scripts/interpolation_sweep.py runs/gan-x --alphas 0.5 0.6 0.7 0.8 0.9 1.0 --max_psnr_drop 2.0
    python scripts/interpolation_sweep.py wdrn-x4-gan --psnr_model wdrn-x4 --val_data runs/data/val-bsd200

The GAN weights are a GAN model's, or for a run the EMA of its most natural checkpoint: its
lowest validation NIQE, whatever its PSNR. Each alpha blends them with the PSNR model (for a
run, the one it started from; `interpolate_generators`), and the blend is scored on the held-out
validation split (a run's own) with the trainer's measures (fp32, untiled, Y channel). The choice is the rule
`gan_comparison.py --choose` applies to checkpoints: the lowest NIQE within `--max_psnr_drop` dB
of the PSNR model (alpha 0). The sweep is added to docs/interpolation.json, keyed by source, for
the card; `bundle_model.py SOURCE NAME --interpolate_with ... --alpha ...` bundles the blend.
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
from hf_srgan.training import checkpoint_dirs, checkpoint_generator  # noqa: E402
from scripts.gan_comparison import best_point, run_summary  # noqa: E402

OUTPUT = ROOT / "docs" / "interpolation.json"


def most_natural_step(run_dir: Path) -> int:
    """The checkpointed validation step with the lowest NIQE, ignoring PSNR."""
    saved = {int(p.name.split("_")[1]) for p in checkpoint_dirs(run_dir)}
    curve = [p for p in run_summary(run_dir)["curve"] if p["step"] in saved and p["step"] > 0]
    if not curve:
        raise SystemExit(f"error: {run_dir} has no validated checkpoint after step 0")
    return min(curve, key=lambda p: p["niqe"])["step"]


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
    parser.add_argument("gan", help="a GAN run folder, or a GAN model (bundled name or saved folder)")
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    parser.add_argument("--step", type=int, help="run's checkpoint (default: its lowest NIQE)")
    parser.add_argument("--psnr_model", help="default: the model the run started from")
    parser.add_argument("--val_data", help="held-out benchmark folder (default: the run's first)")
    parser.add_argument("--max_psnr_drop", type=float, default=2.0)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    run_config = Path(args.gan) / "train_config.json"
    config = json.loads(run_config.read_text()) if run_config.is_file() else {}
    psnr_name = args.psnr_model or config.get("init_generator")
    val_data = args.val_data or (config.get("val_data") or [None])[0]
    if psnr_name is None or val_data is None:
        parser.error("a GAN model (not a run) needs --psnr_model and --val_data")
    psnr_model = SRGenerator.from_pretrained(psnr_name)
    step = None
    if config:
        step = args.step if args.step is not None else most_natural_step(Path(args.gan))
        gan_model = checkpoint_generator(Path(args.gan), step)
    else:
        gan_model = SRGenerator.from_pretrained(args.gan)
    pairs = load_benchmark(val_data, psnr_model.scale)
    curve = sweep(psnr_model, gan_model, pairs, args.alphas)
    chosen = best_point(curve, args.max_psnr_drop)  # the first point, alpha 0, is the reference
    record = {
        "psnr_model": psnr_name,
        "step": step,
        "validation_set": Path(val_data).name,
        "max_psnr_drop": args.max_psnr_drop,
        "curve": curve,
        "chosen_alpha": chosen["alpha"] if chosen else None,
    }
    summary = json.loads(args.output.read_text()) if args.output.is_file() else {}
    summary[args.gan] = record
    args.output.write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: v for k, v in record.items() if k != "curve"}))


if __name__ == "__main__":
    main()
