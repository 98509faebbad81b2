"""The training helpers on their own: schedule, EMA, checkpoint rotation and lookup, export swap."""

import json
import os
import signal

import pytest
import torch
from safetensors.torch import save_file
from torch.optim.swa_utils import AveragedModel

from hf_srgan.models import PRESETS, SRGenerator
from hf_srgan.training import (
    EMA_WEIGHTS,
    TRAINER_STATE,
    RunRecord,
    TrainingSignals,
    checkpoint_dirs,
    checkpoint_generator,
    ema_average,
    ema_generator_weights,
    find_checkpoint,
    hub_base_model,
    lr_factor,
    prune_checkpoints,
    replace_folder,
    resolve_mixed_precision,
)


def test_warmup_then_cosine_to_one_percent():
    factor = lr_factor(warmup_steps=10, max_steps=110, schedule="cosine")
    assert factor(0) == pytest.approx(0.1) and factor(9) == pytest.approx(1.0)
    assert factor(60) == pytest.approx(0.01 + 0.99 * 0.5)
    assert factor(110) == pytest.approx(0.01) and factor(500) == pytest.approx(0.01)


def test_multistep_halves_at_milestones_and_constant_stays():
    factor = lr_factor(warmup_steps=0, max_steps=100, schedule="multistep", milestones=(0.5, 0.75))
    assert [factor(s) for s in (10, 50, 80)] == [1.0, 0.5, 0.25]
    assert lr_factor(0, 100, "constant")(99) == 1.0
    with pytest.raises(ValueError, match="schedule"):
        lr_factor(0, 100, "linear")


def test_ema_ramps_up_then_uses_the_decay():
    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    ema = AveragedModel(model, avg_fn=ema_average(0.9))
    model.weight.data.fill_(1.0)
    ema.update_parameters(model)  # first update copies the weights
    model.weight.data.fill_(0.0)
    ema.update_parameters(model)  # n = 1: decay min(0.9, 2 / 11)
    assert ema.module.weight.item() == pytest.approx(2 / 11)
    for _ in range(200):
        ema.update_parameters(model)
    model.weight.data.fill_(1.0)
    before = ema.module.weight.item()
    ema.update_parameters(model)  # long after the ramp: exactly the configured decay
    assert ema.module.weight.item() == pytest.approx(0.9 * before + 0.1)


def test_ema_weights_of_a_checkpoint_load_strictly_into_the_generator(tmp_path):
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.PReLU())
    ema = AveragedModel(model, avg_fn=ema_average(0.9))
    ema.update_parameters(model)
    save_file({k: v.contiguous() for k, v in ema.state_dict().items()}, tmp_path / EMA_WEIGHTS)
    fresh = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.PReLU())
    fresh.load_state_dict(ema_generator_weights(tmp_path), strict=True)  # no n_averaged, no module.
    assert torch.equal(fresh[0].weight, model[0].weight)


def test_a_checkpoint_of_a_run_stopped_before_its_export_is_built_from_its_start(tmp_path):
    torch.manual_seed(0)
    start, trained = SRGenerator(**PRESETS["tiny"]), SRGenerator(**PRESETS["tiny"])
    start.save_pretrained(tmp_path / "start")
    run = tmp_path / "run"
    (run / "checkpoints" / "step_5").mkdir(parents=True)
    ema = {f"module.{k}": v.contiguous() for k, v in trained.state_dict().items()}
    save_file({**ema, "n_averaged": torch.tensor(5)}, run / "checkpoints" / "step_5" / EMA_WEIGHTS)

    (run / "train_config.json").write_text(json.dumps({"init_generator": None}))
    with pytest.raises(FileNotFoundError, match="no final/ export"):
        checkpoint_generator(run, 5)
    (run / "train_config.json").write_text(json.dumps({"init_generator": str(tmp_path / "start")}))
    loaded = checkpoint_generator(run, 5)
    expected = trained.state_dict()
    assert all(torch.equal(v, expected[k]) for k, v in loaded.state_dict().items())


def make_checkpoint(root, step, complete=True):
    folder = root / "checkpoints" / f"step_{step}"
    folder.mkdir(parents=True)
    if complete:
        (folder / TRAINER_STATE).write_text("{}")
    return folder


def test_checkpoints_sort_by_step_ignore_incomplete_and_rotate(tmp_path):
    for step in (5, 100, 20):
        make_checkpoint(tmp_path, step)
    make_checkpoint(tmp_path, 200, complete=False)  # killed while writing
    assert [p.name for p in checkpoint_dirs(tmp_path)] == ["step_5", "step_20", "step_100"]
    assert find_checkpoint(tmp_path, "latest").name == "step_100"
    prune_checkpoints(tmp_path, keep=2)
    assert [p.name for p in checkpoint_dirs(tmp_path)] == ["step_20", "step_100"]
    assert find_checkpoint(tmp_path, None) is None
    with pytest.raises(SystemExit, match="not a complete checkpoint"):
        find_checkpoint(tmp_path, str(tmp_path / "checkpoints" / "step_200"))


def test_replace_folder_swaps_whole_folders(tmp_path):
    (tmp_path / "final").mkdir()
    (tmp_path / "final" / "old.txt").write_text("old")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "config.json").write_text("{}")
    replace_folder(tmp_path / "new", tmp_path / "final")
    assert [p.name for p in (tmp_path / "final").iterdir()] == ["config.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final"]


def test_base_model_of_a_fine_tune(tmp_path):
    assert hub_base_model("wdrn-x4") == "hf-srgan/wdrn-x4"
    assert hub_base_model("someone/model") == "someone/model"
    assert hub_base_model(str(tmp_path)) is None and hub_base_model(None) is None


def test_the_run_record_counts_samples_and_time_across_launches():
    run = RunRecord(step=10, seconds_before=100.0, first_step=10)
    run.step = 14
    state = run.state(samples_per_step=32)
    assert state["samples_seen"] == 14 * 32 and state["steps_per_s"] > 0
    assert 100.0 <= state["train_seconds"] < 110.0
    assert RunRecord(seconds_before=None).state(1)["train_seconds"] is None  # unknown stays unknown


def test_non_finite_losses_stop_the_run_only_in_a_row():
    run = RunRecord(step=7)
    for _ in range(2):
        run.count_non_finite(max_in_a_row=3)
    run.nan_streak = 0  # a finite loss in between
    run.count_non_finite(max_in_a_row=3)
    run.count_non_finite(max_in_a_row=3)
    with pytest.raises(SystemExit, match="3 non-finite losses in a row at step 7"):
        run.count_non_finite(max_in_a_row=3)
    assert run.nan_total == 5


def test_signals_only_set_flags_and_an_export_request_is_taken_once():
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)}
    try:
        signals = TrainingSignals()
        os.kill(os.getpid(), signal.SIGUSR1)
        assert signals.take_export_request() and not signals.take_export_request()
        assert not signals.stop_requested
        os.kill(os.getpid(), signal.SIGTERM)  # the process lives on: the loop decides when to stop
        assert signals.stop_requested
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def test_auto_mixed_precision_is_bf16_only_where_the_cpu_has_it(monkeypatch):
    assert resolve_mixed_precision("fp16", on_cpu=True) == "fp16"  # an explicit choice is kept
    monkeypatch.setattr("hf_srgan.training.cpu_supports_bf16", lambda: True)
    assert resolve_mixed_precision("auto", on_cpu=True) == "bf16"
    monkeypatch.setattr("hf_srgan.training.cpu_supports_bf16", lambda: False)
    assert resolve_mixed_precision("auto", on_cpu=True) == "no"
