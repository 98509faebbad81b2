"""Training runs as the JSON records under docs/ keep them: validation curves, diagnostics, choices.

`runs/` is scratch (it may not survive to the next session); these summaries are what the model
cards and the experiments report are rendered from.
"""

from __future__ import annotations

import json
from pathlib import Path

from hf_srgan.recipe import command_line
from hf_srgan.training import checkpoint_dirs

DIAGNOSTICS = "diagnostics.jsonl"  # written by train_accelerate.py every --diagnostics_every steps
DIAGNOSTICS_KEPT_EVERY = 20  # steps between the diagnostics rows a record keeps


def curve_point(entry: dict) -> dict:
    """One validation entry as step, PSNR and (when measured) NIQE; the mean over the sets when several.

    A run validated on several held-out sets (clean and degraded, for `wdrn-x4-real`) is judged
    on all of them at once, each set counting the same.
    """
    per_set = {key: value for key, value in entry.items() if key != "step"}
    metrics = [m for m in ("psnr", "niqe") if all(m in s for s in per_set.values())]  # NIQE: GAN runs
    point = {"step": entry["step"]}
    point |= {m: round(sum(s[m] for s in per_set.values()) / len(per_set), 3) for m in metrics}
    if len(per_set) > 1:
        point["sets"] = {name: {m: round(s[m], 3) for m in metrics} for name, s in per_set.items()}
    return point


def diagnostics_summary(run_dir: Path) -> list[dict]:
    """The run's per-step diagnostics (critics' real-fake gap, gradient norms), one row per 20 steps."""
    path = Path(run_dir) / DIAGNOSTICS
    if not path.is_file():
        return []
    rows = {}
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if row["step"] % DIAGNOSTICS_KEPT_EVERY == 0:
            rows[row["step"]] = {k: round(v, 5) if isinstance(v, float) else v for k, v in row.items()}
    return [rows[step] for step in sorted(rows)]  # a resumed run's repeated steps: the last one


def run_summary(run_dir: Path) -> dict:
    """Command, steps, time, hardware, validation curve and (when logged) diagnostics of one run."""
    run_dir = Path(run_dir)
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
        **({"diagnostics": diagnostics} if (diagnostics := diagnostics_summary(run_dir)) else {}),
    }


def best_point(curve: list[dict], max_psnr_drop: float, steps: set[int] | None = None) -> dict | None:
    """The perception-distortion rule: the lowest-NIQE point within `max_psnr_drop` dB of step 0.

    `steps` limits it to points that have a checkpoint; None when no point is within the budget.
    """
    floor = curve[0]["psnr"] - max_psnr_drop
    candidates = [p for p in curve if (steps is None or p["step"] in steps) and p["psnr"] >= floor]
    return min(candidates, key=lambda p: p["niqe"], default=None)
