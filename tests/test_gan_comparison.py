import json

import pytest

from hf_srgan.recipe import command_line
from hf_srgan.records import best_point
from scripts.gan_comparison import choose, main


def write_run(run, history, saved_steps):
    """A GAN-phase run folder as train_accelerate.py leaves it: config plus checkpoint states."""
    config = {"phase": "gan", "init_generator": "wdrn-x4", "batch_size": 4, "val_data": ["val-a", "val-b"]}
    (run / "train_config.json").parent.mkdir(parents=True, exist_ok=True)
    (run / "train_config.json").write_text(json.dumps(config))
    for step in saved_steps:
        folder = run / "checkpoints" / f"step_{step}"
        folder.mkdir(parents=True)
        state = {"step": step, "train_seconds": 1.0, "hardware": "cpu", "history": history}
        (folder / "trainer_state.json").write_text(json.dumps(state))


def entry(step, a, b):
    """A validation entry on two sets, each given as (psnr, niqe)."""
    return {
        "step": step,
        "val-a": {"psnr": a[0], "niqe": a[1]},
        "val-b": {"psnr": b[0], "niqe": b[1]},
    }


def test_choose_takes_lowest_mean_niqe_within_the_psnr_budget_of_saved_checkpoints(tmp_path):
    history = [
        entry(0, (28.0, 7.0), (26.0, 7.0)),  # mean 27.0 dB
        entry(250, (27.5, 6.0), (25.5, 6.2)),  # mean 26.5: within 1 dB
        entry(500, (27.0, 4.0), (25.0, 9.0)),  # mean NIQE 6.5 is worse, though one set is best
        entry(750, (26.0, 4.0), (24.0, 4.0)),  # mean 25.0: beyond 1 dB
        entry(1000, (27.8, 5.0), (25.8, 5.0)),  # best, but its checkpoint was not kept
    ]
    write_run(tmp_path / "run", history, saved_steps=[250, 500, 750])
    chosen = choose(tmp_path / "run", max_psnr_drop=1.0)
    assert (chosen["step"], chosen["psnr"], chosen["niqe"]) == (250, 26.5, 6.1)
    assert chosen["sets"]["val-b"] == {"psnr": 25.5, "niqe": 6.2}
    assert choose(tmp_path / "run", max_psnr_drop=2.5)["step"] == 750
    with pytest.raises(SystemExit, match="no checkpoint"):
        choose(tmp_path / "run", max_psnr_drop=0.1)


def test_best_point_keeps_to_the_psnr_budget_and_saved_steps():
    curve = [
        {"step": 0, "psnr": 28.0, "niqe": 6.5},
        {"step": 250, "psnr": 27.0, "niqe": 5.0},
        {"step": 500, "psnr": 25.5, "niqe": 3.0},  # outside a 2 dB budget
        {"step": 750, "psnr": 26.5, "niqe": 4.5},
    ]
    assert best_point(curve, 2.0)["step"] == 750
    assert best_point(curve, 2.0, steps={0, 250})["step"] == 250
    assert best_point(curve, 3.0)["step"] == 500
    assert best_point(curve[1:], 0.1, steps={500}) is None


def test_a_gan_run_made_before_the_drift_term_existed_is_repeated_without_it():
    before = {"phase": "gan", "init_generator": "wdrn-x4", "adv_weight": 0.005}
    assert command_line(before).endswith("--adv_weight 0.005 --drift_weight 0.0")
    assert "--drift_weight" not in command_line({**before, "drift_weight": 1e-3})  # the default


def test_add_keeps_recorded_runs_whose_folders_are_gone(tmp_path, monkeypatch):
    write_run(tmp_path / "new", [entry(0, (28.0, 7.0), (26.0, 7.0))], saved_steps=[0])
    output = tmp_path / "summary.json"
    output.write_text(json.dumps({"old": {"curve": []}, "new": {"curve": ["stale"]}}))

    run = f"new={tmp_path / 'new'}"
    monkeypatch.setattr("sys.argv", ["gan_comparison.py", "--add", "--output", str(output), run])
    main()
    summary = json.loads(output.read_text())
    assert list(summary) == ["old", "new"] and summary["new"]["curve"][0]["psnr"] == 27.0

    monkeypatch.setattr("sys.argv", ["gan_comparison.py", "--output", str(output), run])
    main()
    assert list(json.loads(output.read_text())) == ["new"]
