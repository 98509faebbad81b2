"""Collect the GAN-phase comparison runs into docs/gan_comparison.json (the model card renders it).

    python scripts/gan_comparison.py "(a) perceptual only=runs/gan-a" "(b) + SRGAN critic=runs/gan-b" ...
    python scripts/gan_comparison.py --choose runs/gan-final      # the checkpoint to export
    python scripts/gan_comparison.py --output docs/real_gan_stage.json "GAN stage=runs/real-gan2"
    python scripts/gan_comparison.py --add "(d) new recipe=runs/gan-d"   # keep the runs already there

`--choose` applies the perception-distortion rule the shipped checkpoint was picked by, on the
held-out validation split only: the lowest NIQE among checkpoints whose PSNR is at most
`--max_psnr_drop` dB (default 1.0) below the starting model's (step 0) on that split (the mean
over the splits for a run validated on several).

Each run's validation history (PSNR and NIQE on the held-out set, every --eval_every steps), its
command, steps, wall time and hardware come from its own train_config.json and newest
checkpoint, so the table in the card is exactly what the runs measured.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hf_srgan.records import best_point, run_summary
from hf_srgan.training import checkpoint_dirs, checkpoint_step

ROOT = Path(__file__).resolve().parents[1]

OUTPUT = ROOT / "docs" / "gan_comparison.json"


def choose(run_dir: Path, max_psnr_drop: float) -> dict:
    """The checkpointed validation point with the lowest NIQE within the PSNR budget."""
    curve = run_summary(run_dir)["curve"]
    saved = {checkpoint_step(p) for p in checkpoint_dirs(run_dir)}
    point = best_point(curve, max_psnr_drop, saved)
    if point is None:
        floor = curve[0]["psnr"] - max_psnr_drop
        raise SystemExit(f"no checkpoint of {run_dir} within {max_psnr_drop} dB of step 0 ({floor:.2f} dB)")
    return point


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runs", nargs="*", help='"label=run_dir" for each run of the comparison')
    parser.add_argument("--choose", type=Path, help="print the checkpoint to export from this run")
    parser.add_argument("--max_psnr_drop", type=float, default=1.0)
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the summary")
    parser.add_argument(
        "--add",
        action="store_true",
        help="add to (or update in) the summary at --output: runs whose folders are gone stay recorded",
    )
    args = parser.parse_args()
    if args.choose:
        print(json.dumps(choose(args.choose, args.max_psnr_drop)))
        return
    if not args.runs:
        parser.error("give runs as label=run_dir, or --choose run_dir")
    summary = json.loads(args.output.read_text()) if args.add and args.output.is_file() else {}
    summary |= {label: run_summary(Path(path)) for label, path in (run.split("=", 1) for run in args.runs)}
    args.output.write_text(json.dumps(summary, indent=2))
    print(f"wrote {args.output} ({len(summary)} runs)")


if __name__ == "__main__":
    main()
