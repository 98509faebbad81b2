"""Collect the GAN-phase comparison runs into docs/gan_comparison.json (the model card renders it).

    python scripts/gan_comparison.py "(a) perceptual only=runs/gan-a" "(b) + SRGAN critic=runs/gan-b" ...

Each run's validation history (PSNR and NIQE on the held-out set, every --eval_every steps), its
command, steps, wall time and hardware come from its own train_config.json and newest
checkpoint, so the table in the card is exactly what the runs measured.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from hf_srgan.training import checkpoint_dirs  # noqa: E402
from scripts.bundle_model import command_line  # noqa: E402

OUTPUT = ROOT / "docs" / "gan_comparison.json"


def curve_point(entry: dict) -> dict:
    """One validation entry of a run with a single validation set, as step, PSNR and NIQE."""
    (scores,) = [value for key, value in entry.items() if key != "step"]
    return {"step": entry["step"], "psnr": round(scores["psnr"], 3), "niqe": round(scores["niqe"], 3)}


def run_summary(run_dir: Path) -> dict:
    config = json.loads((run_dir / "train_config.json").read_text())
    state = json.loads((checkpoint_dirs(run_dir)[-1] / "trainer_state.json").read_text())
    curve = [curve_point(entry) for entry in state["history"]]
    return {
        "command": command_line(config),
        "steps": state["step"],
        "batch_size": config["batch_size"],
        "train_seconds": state["train_seconds"],
        "hardware": state["hardware"],
        "validation_set": Path(config["val_data"][0]).name,
        "curve": curve,
    }


def main() -> None:
    runs = dict(arg.split("=", 1) for arg in sys.argv[1:])
    if not runs:
        raise SystemExit(__doc__)
    summary = {label: run_summary(Path(path)) for label, path in runs.items()}
    OUTPUT.write_text(json.dumps(summary, indent=2))
    print(f"wrote {OUTPUT} ({len(summary)} runs)")


if __name__ == "__main__":
    main()
