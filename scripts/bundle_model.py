"""Bundle a trained run into hf_srgan/pretrained/<name>/ (config, weights and a training record).

    python scripts/bundle_model.py runs/wdrn-x4 wdrn-x4 [--log runs/wdrn-x4.log] [--hardware "..."]

The generator is `<run>/final` (the EMA export), loaded strictly and written again with
`save_pretrained`, so the folder is exactly what `from_pretrained` and the Hub expect.
`training.json` records the command (rebuilt from the run's train_config.json), steps, samples
seen, hardware and wall time (from the trainer state, or, for runs whose trainer predates that
record, from the tqdm elapsed time at the end of `--log`). The README card is written afterwards
by scripts/make_model_card.py.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

from hf_srgan.models import SRGenerator
from hf_srgan.pretrained import BUNDLED_DIR

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from train_accelerate import checkpoint_dirs, parse_args  # noqa: E402


def command_line(config: dict) -> str:
    """The training command with every option that differs from the defaults."""
    defaults = vars(parse_args(["--init_generator", "x"] if config.get("phase") == "gan" else []))
    parts = ["accelerate launch train_accelerate.py"]
    for key, value in config.items():
        if key in defaults and value != defaults[key] or key == "init_generator" and value:
            if isinstance(value, bool):
                parts.append(f"--{key}")
            elif isinstance(value, list):
                parts.append(f"--{key} " + " ".join(map(str, value)))
            else:
                parts.append(f"--{key} {value}")
    return " ".join(parts)


def tqdm_elapsed_seconds(log: Path, step: int) -> float:
    """tqdm's elapsed time when the bar reached `step` ("| 1500/100000 [40:12<" or "[1:40:12<")."""
    stamps = re.findall(rf"\| {step}/\d+ \[(\d+:)?(\d+):(\d+)<", log.read_text(errors="replace"))
    if not stamps:
        raise SystemExit(f"error: no tqdm update for step {step} in {log}")
    hours, minutes, seconds = stamps[0]
    return int(hours.rstrip(":") or 0) * 3600 + int(minutes) * 60 + int(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("name", help="bundled name, e.g. wdrn-x4")
    parser.add_argument("--log", type=Path, help="training log, for wall time when the state lacks it")
    parser.add_argument("--hardware", help="hardware description when the state lacks it")
    args = parser.parse_args()

    config = json.loads((args.run_dir / "train_config.json").read_text())
    state = json.loads((checkpoint_dirs(args.run_dir)[-1] / "trainer_state.json").read_text())
    if state.get("train_seconds") is not None:
        seconds, time_source = state["train_seconds"], "recorded by train_accelerate.py"
    else:
        seconds = tqdm_elapsed_seconds(args.log, state["step"])
        time_source = f"tqdm elapsed time at step {state['step']} in {args.log.name}"
    record = {
        "command": command_line(config),
        "steps": state["step"],
        "batch_size": config["batch_size"],
        "patch_size": config["patch_size"],
        "samples_seen": state.get("samples_seen", state["step"] * config["batch_size"]),
        "hardware": state.get("hardware", args.hardware),
        "train_seconds": seconds,
        "time_source": time_source,
        "train_data": " ".join(config["train_data"]),
        "validation": state["history"][-1] if state["history"] else None,
    }
    model = SRGenerator.from_pretrained(args.run_dir / "final")
    target = BUNDLED_DIR / args.name
    shutil.rmtree(target, ignore_errors=True)
    model.save_pretrained(target)
    (target / "training.json").write_text(json.dumps(record, indent=2))
    print(f"bundled {args.run_dir / 'final'} as {target}: {record['steps']} steps, {seconds / 3600:.2f} h")


if __name__ == "__main__":
    main()
