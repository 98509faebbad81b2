"""The parts of `train_accelerate.py` that are not the loop: schedule, EMA, checkpoints, run record, signals.

Plain arguments only (no argparse namespace), so they are unit-tested here and reused by the
scripts that read runs (`scripts/bundle_model.py`, `scripts/gan_comparison.py`).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from accelerate import Accelerator, PartialState
from safetensors.torch import load_file, save_file
from torch.optim.swa_utils import AveragedModel

from hf_srgan.inference import cpu_supports_bf16
from hf_srgan.model_card import PUBLISHED_ORG
from hf_srgan.models import SRGenerator
from hf_srgan.pretrained import bundled_models

EMA_WEIGHTS = "ema.safetensors"
TRAINER_STATE = "trainer_state.json"


def lr_factor(
    warmup_steps: int, max_steps: int, schedule: str = "cosine", milestones: tuple[float, ...] = (0.5, 0.75)
) -> Callable[[int], float]:
    """Linear warm-up, then cosine decay to 1%, step decay by 0.5 at `milestones`, or constant."""
    if schedule not in ("cosine", "multistep", "constant"):
        raise ValueError(f"schedule must be cosine, multistep or constant, got {schedule!r}")

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
        if schedule == "cosine":
            return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress))
        if schedule == "multistep":
            return 0.5 ** sum(progress >= m for m in milestones)
        return 1.0

    return factor


def ema_average(decay: float) -> Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]:
    """`AveragedModel` avg_fn: EMA whose decay ramps up as (1 + n) / (10 + n) to `decay`.

    The ramp keeps short runs from being dominated by the initial weights. Everything stays a
    tensor on the device: no `.item()`, so no host sync per parameter on a GPU.
    """

    def average(averaged: torch.Tensor, current: torch.Tensor, num_averaged: torch.Tensor) -> torch.Tensor:
        d = ((1 + num_averaged) / (10 + num_averaged)).clamp(max=decay).to(averaged.dtype)
        return averaged + (1 - d) * (current - averaged)

    return average


# --- checkpoints: written to a temporary folder, then renamed, so a killed run never leaves half of one
def checkpoint_step(checkpoint: Path) -> int:
    """The step a checkpoint folder (`step_<n>`) was saved at."""
    return int(Path(checkpoint).name.split("_")[1])


def checkpoint_dirs(output_dir: Path) -> list[Path]:
    """Complete checkpoints (with a trainer state) of a run, oldest first."""
    found = [p for p in (Path(output_dir) / "checkpoints").glob("step_*") if (p / TRAINER_STATE).is_file()]
    return sorted(found, key=checkpoint_step)


def prune_checkpoints(output_dir: Path, keep: int) -> None:
    """Delete all but the newest `keep` complete checkpoints."""
    for old in checkpoint_dirs(output_dir)[:-keep] if keep > 0 else []:
        shutil.rmtree(old)


def save_checkpoint(
    accelerator: Accelerator, output_dir: Path, state: dict, ema: AveragedModel, keep: int
) -> None:
    """Accelerate's state plus the EMA (safetensors) and trainer state, made visible by one rename."""
    root = Path(output_dir) / "checkpoints"
    final, tmp = root / f"step_{state['step']}", root / f"tmp_step_{state['step']}"
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        # The EMA goes to safetensors: Accelerate's custom-object checkpoints unpickle on load.
        save_file({k: v.contiguous() for k, v in ema.state_dict().items()}, tmp / EMA_WEIGHTS)
        (tmp / TRAINER_STATE).write_text(json.dumps(state))
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        prune_checkpoints(output_dir, keep)
    accelerator.wait_for_everyone()


def find_checkpoint(output_dir: Path, resume_from: str | None) -> Path | None:
    """`resume_from` as a checkpoint folder: None, "latest" (None when there is none yet) or a path."""
    if resume_from in (None, ""):
        return None
    if resume_from == "latest":
        found = checkpoint_dirs(output_dir)
        return found[-1] if found else None
    path = Path(resume_from)
    if not (path / TRAINER_STATE).is_file():
        raise SystemExit(f"error: {path} is not a complete checkpoint (no {TRAINER_STATE})")
    return path


@dataclass
class RunRecord:
    """Where a run is and what it has cost: the trainer state every checkpoint carries."""

    step: int = 0
    history: list = field(default_factory=list)
    seconds_before: float | None = 0.0  # earlier launches; None when an old checkpoint did not say
    last_loss: float = float("nan")
    nan_streak: int = 0
    nan_total: int = 0
    first_step: int = 0
    resumed: bool = False
    started: float = field(default_factory=time.perf_counter)

    def count_non_finite(self, max_in_a_row: int) -> None:
        """One more non-finite loss (that batch is skipped); too many in a row end the run."""
        self.nan_streak, self.nan_total = self.nan_streak + 1, self.nan_total + 1
        if self.nan_streak >= max_in_a_row:
            raise SystemExit(
                f"error: {self.nan_streak} non-finite losses in a row at step {self.step}; stopping"
            )

    def state(self, samples_per_step: int) -> dict:
        seconds = time.perf_counter() - self.started
        return {
            "step": self.step,
            "history": self.history,
            "last_loss": self.last_loss,
            "nan_steps": self.nan_total,
            "steps_per_s": (self.step - self.first_step) / seconds,  # this launch, start-up excluded
            "train_seconds": None if self.seconds_before is None else self.seconds_before + seconds,
            "samples_seen": self.step * samples_per_step,
            "hardware": f"{PartialState().num_processes} x {PartialState().device.type} process(es), "
            f"{torch.get_num_threads()} threads each, {os.cpu_count()} cores",
        }


def ema_generator_weights(checkpoint: Path) -> dict[str, torch.Tensor]:
    """The generator state dict inside a checkpoint's EMA file, ready for a strict load.

    `AveragedModel` saves the generator's tensors as `module.*` next to its `n_averaged` counter.
    """
    ema = load_file(Path(checkpoint) / EMA_WEIGHTS)
    return {k.removeprefix("module."): v for k, v in ema.items() if k.startswith("module.")}


def checkpoint_generator(run_dir: Path, step: int) -> SRGenerator:
    """The EMA generator of a run's checkpoint `step`, built with the run's architecture.

    The architecture comes from the run's export (`final/`) or, for a run stopped before it, from
    the model it started from: a fine-tuning or GAN phase never changes the architecture.
    """
    run_dir = Path(run_dir)
    source = run_dir / "final"
    if not source.is_dir():
        source = json.loads((run_dir / "train_config.json").read_text()).get("init_generator")
        if source is None:
            raise FileNotFoundError(f"{run_dir} has no final/ export and no init_generator to build it from")
    model = SRGenerator.from_pretrained(source)
    model.load_state_dict(ema_generator_weights(run_dir / "checkpoints" / f"step_{step}"), strict=True)
    return model.eval()


def resume(
    accelerator: Accelerator, output_dir: Path, resume_from: str | None, ema: AveragedModel
) -> RunRecord:
    """Load the checkpoint `resume_from` names (Accelerate's state, the EMA, the record), if any."""
    checkpoint = find_checkpoint(output_dir, resume_from)
    if checkpoint is None:
        return RunRecord()
    accelerator.load_state(str(checkpoint))
    ema.load_state_dict(load_file(checkpoint / EMA_WEIGHTS))  # copied onto the EMA's device
    state = json.loads((checkpoint / TRAINER_STATE).read_text())
    accelerator.print(f"resumed from {checkpoint} at step {state['step']}")
    return RunRecord(
        step=state["step"],
        history=state["history"],
        seconds_before=state.get("train_seconds"),
        nan_total=state.get("nan_steps", 0),
        first_step=state["step"],
        resumed=True,
    )


class TrainingSignals:
    """SIGTERM/SIGINT ask for a checkpoint and a clean stop; SIGUSR1 for an export of the EMA model.

    The handlers only set flags: the loop acts on them between steps, where the state is whole.
    """

    STOP = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.stop_requested = False
        self._export_requested = False
        for sig in self.STOP:
            signal.signal(sig, self._stop)
        signal.signal(signal.SIGUSR1, self._export)

    def _stop(self, signum: int, frame: object) -> None:
        self.stop_requested = True

    def _export(self, signum: int, frame: object) -> None:
        self._export_requested = True

    def take_export_request(self) -> bool:
        requested, self._export_requested = self._export_requested, False
        return requested


# --- export
def replace_folder(new: Path, target: Path) -> None:
    """Put `new` at `target`: the old folder is moved aside first and removed last."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def hub_base_model(init_generator: str | None) -> str | None:
    """The card's base_model: a bundled name as its published id, a Hub id as given, a folder none."""
    if init_generator is None:
        return None
    if init_generator in bundled_models() and not os.path.exists(init_generator):
        return f"{PUBLISHED_ORG}/{init_generator}"
    return None if os.path.exists(init_generator) else init_generator


def trackers(report_to: str) -> str | None:
    """`--report_to` as Accelerate's `log_with`; "auto" is TensorBoard when it is installed."""
    if report_to == "none":
        return None
    if report_to != "auto":
        return report_to
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return None
    return "tensorboard"


def resolve_mixed_precision(choice: str, on_cpu: bool) -> str:
    """`--mixed_precision` as Accelerate's: "auto" is bf16 where it is fast, else fp16 on GPUs, else fp32.

    On a CPU without native bf16 (no AVX-512 BF16 or AMX) bf16 is emulated: a GAN step took 5.7 s
    against 2.2 s in fp32 there, so a recipe written on a machine with bf16 must not force it on one
    without.
    """
    if choice != "auto":
        return choice
    if on_cpu:
        return "bf16" if cpu_supports_bf16() else "no"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
