"""Bundle a trained run into hf_srgan/pretrained/<name>/ (config, weights and a training record).

    python scripts/bundle_model.py runs/wdrn-x4 wdrn-x4 [--log runs/wdrn-x4.log] [--hardware "..."]

The generator is `<run>/final` (the EMA export; for a run stopped before it, the EMA of its last
checkpoint, or of `--step`), loaded strictly and written again with
`save_pretrained`, so the folder is exactly what `from_pretrained` and the Hub expect.
`training.json` records, per training stage, the command (rebuilt from the run's
train_config.json), steps, samples seen, hardware and wall time (from the trainer state, or, for
runs whose trainer predates that record, from the tqdm elapsed time at the end of `--log`), and
the totals over all stages. A run started with `--init_generator <bundled name>` (or a folder
holding a training.json) continues that model's record, so a model trained in several sessions
(or fine-tuned with `--phase gan`) reports everything it cost.
`--interpolate_with wdrn-x4 --alpha 0.8` bundles ESRGAN's blend of the checkpoint with that
PSNR model instead (the alpha chosen by scripts/interpolation_sweep.py), and records both in
`training.json`; the source may then also be a bundled model (`bundle_model.py wdrn-x4-gan
wdrn-x4-gan --interpolate_with wdrn-x4 --alpha 0.9`), whose record it keeps. `--add_task_vector
wdrn-x4-gan wdrn-x4 0.5` then adds half of what the GAN stage changed in wdrn-x4 (task arithmetic,
strength chosen by `interpolation_sweep.py --onto`). The README card is written afterwards by
scripts/make_model_card.py.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

from hf_srgan.models import SRGenerator, add_task_vector, interpolate_generators
from hf_srgan.pretrained import BUNDLED_DIR, bundled_models
from hf_srgan.recipe import command_line
from hf_srgan.training import checkpoint_dirs, checkpoint_generator, checkpoint_step

ROOT = Path(__file__).resolve().parents[1]


def tqdm_elapsed_seconds(log: Path, step: int) -> float:
    """tqdm's elapsed time when the bar reached `step` ("| 1500/100000 [40:12<" or "[1:40:12<")."""
    stamps = re.findall(rf"\| {step}/\d+ \[(\d+:)?(\d+):(\d+)<", log.read_text(errors="replace"))
    if not stamps:
        raise SystemExit(f"error: no tqdm update for step {step} in {log}")
    hours, minutes, seconds = stamps[0]
    return int(hours.rstrip(":") or 0) * 3600 + int(minutes) * 60 + int(seconds)


def stage_record(run_dir: Path, checkpoint: Path, log: Path | None, hardware: str | None) -> dict:
    """What one `train_accelerate.py` run did up to `checkpoint`, from its config and trainer state."""
    config = json.loads((run_dir / "train_config.json").read_text())
    state = json.loads((checkpoint / "trainer_state.json").read_text())
    if state.get("train_seconds") is not None:
        seconds, time_source = state["train_seconds"], "recorded by train_accelerate.py"
    else:
        seconds = tqdm_elapsed_seconds(log, state["step"])
        time_source = f"tqdm elapsed time at step {state['step']} in {log.name}"
    return {
        "run": str(run_dir),
        "command": command_line(config),
        "init_generator": config.get("init_generator"),
        "steps": state["step"],
        "batch_size": config["batch_size"],
        "patch_size": config["patch_size"],
        "samples_seen": state.get("samples_seen", state["step"] * config["batch_size"]),
        "hardware": state.get("hardware", hardware),
        "train_seconds": seconds,
        "time_source": time_source,
        "train_data": " ".join(config["train_data"]),
        "validation": state["history"][-1] if state["history"] else None,
        "validation_history": state["history"],
    }


def earlier_stages(init_generator: str | None, run: str) -> list[dict]:
    """The stages of the model this run started from: a bundled name, a folder with a training.json,
    or another run's export (`runs/x/final`), whose own stages are read the same way.

    A folder covers a bundled model's earlier weights taken out of git (a GAN checkpoint before
    its blend, trained further); a run's export covers a model built stage by stage from the tree,
    none of it bundled. A Hub id or a training from scratch has no earlier stages here.
    Stages of `run` itself are dropped, so bundling the same run twice does not count it twice.
    """
    if init_generator in bundled_models():
        record_file = BUNDLED_DIR / init_generator / "training.json"
    elif init_generator and (Path(init_generator) / "training.json").is_file():
        record_file = Path(init_generator) / "training.json"
    elif init_generator and (Path(init_generator).parent / "train_config.json").is_file():
        run_dir = Path(init_generator).parent
        stage = stage_record(run_dir, checkpoint_dirs(run_dir)[-1], None, None)
        return earlier_stages(stage["init_generator"], stage["run"]) + [stage]
    else:
        return []
    record = json.loads(record_file.read_text())
    return [stage for stage in record["stages"] if stage["run"] != run]


def run_bundle(
    run_dir: Path, step: int | None, log: Path | None, hardware: str | None
) -> tuple[SRGenerator, dict]:
    """A run's generator (its final export, or the EMA of checkpoint `step` or of the last one
    when a stopped run has no export) and its training record."""
    checkpoints = checkpoint_dirs(run_dir)
    if step is not None:
        checkpoints = [c for c in checkpoints if c.name == f"step_{step}"]
        if not checkpoints:
            raise SystemExit(f"error: no checkpoint step_{step} in {run_dir / 'checkpoints'}")
    checkpoint = checkpoints[-1]
    stage = stage_record(run_dir, checkpoint, log, hardware)
    stages = earlier_stages(stage["init_generator"], stage["run"]) + [stage]  # read before overwriting
    record = {
        "steps": sum(s["steps"] for s in stages),
        "samples_seen": sum(s["samples_seen"] for s in stages),
        "train_seconds": sum(s["train_seconds"] for s in stages),
        "stages": stages,
    }
    if step is None and (run_dir / "final").is_dir():
        return SRGenerator.from_pretrained(run_dir / "final"), record
    return checkpoint_generator(run_dir, checkpoint_step(checkpoint)), record


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", help="run folder, or a bundled model to blend (with --interpolate_with)")
    parser.add_argument("name", help="bundled name, e.g. wdrn-x4")
    parser.add_argument("--log", type=Path, help="training log, for wall time when the state lacks it")
    parser.add_argument("--hardware", help="hardware description when the state lacks it")
    parser.add_argument(
        "--step", type=int, help="bundle the EMA weights of this checkpoint (chosen on validation data)"
    )
    parser.add_argument("--interpolate_with", help="PSNR model to blend the weights with (ESRGAN)")
    parser.add_argument("--alpha", type=float, help="weight of the source in the blend")
    parser.add_argument(
        "--add_task_vector",
        nargs=3,
        metavar=("FINETUNED", "BASE", "STRENGTH"),
        help="then add STRENGTH x (FINETUNED - BASE), e.g. wdrn-x4-gan wdrn-x4 0.5 (GAN texture)",
    )
    args = parser.parse_args()
    if (args.interpolate_with is None) != (args.alpha is None):
        parser.error("--interpolate_with and --alpha go together")

    if Path(args.source).is_dir():
        model, record = run_bundle(Path(args.source), args.step, args.log, args.hardware)
    elif args.source in bundled_models() and (args.interpolate_with or args.add_task_vector):
        model = SRGenerator.from_pretrained(args.source)
        record = json.loads((BUNDLED_DIR / args.source / "training.json").read_text())
        repeated = (args.interpolate_with and "interpolation" in record) or (
            args.add_task_vector and "task_vector" in record
        )
        if repeated:
            raise SystemExit(f"error: {args.source} already had that done; bundle its run or its GAN again")
    else:
        parser.error(f"{args.source} is neither a run folder nor, with a blend, a bundled model")
    if args.interpolate_with:
        model = interpolate_generators(SRGenerator.from_pretrained(args.interpolate_with), model, args.alpha)
        record["interpolation"] = {"psnr_model": args.interpolate_with, "alpha": args.alpha}
    if args.add_task_vector:
        finetuned, base, strength = args.add_task_vector
        model = add_task_vector(
            model, SRGenerator.from_pretrained(base), SRGenerator.from_pretrained(finetuned), float(strength)
        )
        record["task_vector"] = {"finetuned": finetuned, "base": base, "strength": float(strength)}
    target = BUNDLED_DIR / args.name
    shutil.rmtree(target, ignore_errors=True)
    model.save_pretrained(target)
    (target / "training.json").write_text(json.dumps(record, indent=2))
    print(
        f"bundled {args.source} as {target}: {len(record['stages'])} stage(s), "
        f"{record['steps']} steps, {record['train_seconds'] / 3600:.2f} h"
        + (f", blended {args.alpha} with {args.interpolate_with}" if args.interpolate_with else "")
        + (f", plus {args.add_task_vector}" if args.add_task_vector else "")
    )


if __name__ == "__main__":
    main()
