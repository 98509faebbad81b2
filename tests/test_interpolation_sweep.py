import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from hf_srgan.evaluation import load_benchmark, score_set
from hf_srgan.inference import upscale
from hf_srgan.models import PRESETS, SRGenerator, average_generators
from hf_srgan.training import EMA_WEIGHTS
from scripts.interpolation_sweep import main


def write_gan_run(run, psnr_folder, val_folder, ema_by_step, niqe_by_step):
    """A GAN run as train_accelerate.py leaves it when stopped early: config and EMA checkpoints."""
    config = {
        "phase": "gan",
        "init_generator": str(psnr_folder),
        "batch_size": 4,
        "val_data": [str(val_folder)],
    }
    run.mkdir()
    (run / "train_config.json").write_text(json.dumps(config))
    history = [{"step": 0, "Set5": {"psnr": 30.0, "niqe": 7.0}}] + [
        {"step": step, "Set5": {"psnr": 29.0, "niqe": niqe}} for step, niqe in niqe_by_step.items()
    ]
    for step, model in ema_by_step.items():
        folder = run / "checkpoints" / f"step_{step}"
        folder.mkdir(parents=True)
        weights = {f"module.{k}": v.contiguous() for k, v in model.state_dict().items()}
        save_file({**weights, "n_averaged": torch.tensor(step)}, folder / EMA_WEIGHTS)
        state = {"step": step, "train_seconds": 1.0, "hardware": "cpu", "history": history}
        (folder / "trainer_state.json").write_text(json.dumps(state))


def test_sweep_blends_the_most_natural_checkpoint_and_chooses_within_the_budget(
    tmp_path, data_dir, monkeypatch
):
    torch.manual_seed(0)
    psnr_model, early, natural = (SRGenerator(**PRESETS["tiny"]).eval() for _ in range(3))
    psnr_model.save_pretrained(tmp_path / "psnr")
    val = data_dir / "benchmark" / "Set5"
    write_gan_run(tmp_path / "run", tmp_path / "psnr", val, {250: early, 500: natural}, {250: 6.0, 500: 5.0})
    output = tmp_path / "interpolation.json"
    run = str(tmp_path / "run")
    argv = ["interpolation_sweep.py", run, "--alphas", "1.0", "--output", str(output)]
    monkeypatch.setattr("sys.argv", [*argv, "--max_psnr_drop", "100"])
    main()

    record = json.loads(output.read_text())[run]
    assert record["step"] == 500 and [p["alpha"] for p in record["curve"]] == [0.0, 1.0]
    pairs = load_benchmark(val)
    for point, model in zip(record["curve"], (psnr_model, natural), strict=True):
        scores = score_set(pairs, lambda lr, m=model: upscale(m, lr, tile=None, dtype="float32"), 4, True)
        # alpha 1 is p + (g - p): the GAN's weights up to float rounding, so its scores up to 0.01
        assert point["psnr"] == pytest.approx(scores["psnr"], abs=0.01)
        assert point["niqe"] == pytest.approx(scores["niqe"], abs=0.01)
    best = min(record["curve"], key=lambda p: p["niqe"])["alpha"]
    assert record["chosen_alpha"] == best  # a 100 dB budget admits every blend

    monkeypatch.setattr("sys.argv", [*argv, "--max_psnr_drop", "0"])
    main()
    curve = json.loads(output.read_text())[run]["curve"]
    within = [p for p in curve if p["psnr"] >= curve[0]["psnr"]]
    assert (
        json.loads(output.read_text())[run]["chosen_alpha"] == min(within, key=lambda p: p["niqe"])["alpha"]
    )


def test_a_saved_gan_model_is_swept_against_the_named_psnr_model(tmp_path, data_dir, monkeypatch):
    torch.manual_seed(0)
    for name in ("psnr", "gan"):
        SRGenerator(**PRESETS["tiny"]).save_pretrained(tmp_path / name)
    output, val = tmp_path / "interpolation.json", data_dir / "benchmark" / "Set5"
    gan = str(tmp_path / "gan")
    argv = ["interpolation_sweep.py", gan, "--alphas", "0.5", "1.0", "--output", str(output)]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit):  # no run config to take them from
        main()
    monkeypatch.setattr("sys.argv", [*argv, "--psnr_model", str(tmp_path / "psnr"), "--val_data", str(val)])
    main()
    record = json.loads(output.read_text())[gan]
    assert record["step"] is None and [p["alpha"] for p in record["curve"]] == [0.0, 0.5, 1.0]
    assert record["curve"][0] != record["curve"][2]  # two different models at the ends


def test_onto_a_sibling_keeps_blends_within_the_margin_of_the_reference_on_every_set(
    tmp_path, data_dir, monkeypatch
):
    torch.manual_seed(0)
    for name in ("psnr", "gan", "sibling"):
        SRGenerator(**PRESETS["tiny"]).save_pretrained(tmp_path / name)
    output, gan = tmp_path / "interpolation.json", str(tmp_path / "gan")
    sets = [str(data_dir / "benchmark" / name) for name in ("Set5", "Set14")]
    argv = ["interpolation_sweep.py", gan, "--alphas", "0.5", "1.0", "--output", str(output)]
    options = ["--psnr_model", str(tmp_path / "psnr"), "--onto", str(tmp_path / "sibling")]
    reference = ["--psnr_reference", str(tmp_path / "psnr"), "--psnr_margin", "0.3"]
    monkeypatch.setattr("sys.argv", [*argv, *options, *reference, "--val_data", *sets])
    main()

    record = json.loads(output.read_text())[f"{gan} onto {tmp_path / 'sibling'}"]
    sibling = SRGenerator.from_pretrained(tmp_path / "sibling")
    pairs = load_benchmark(sets[1])
    scores = score_set(pairs, lambda lr: upscale(sibling, lr, tile=None, dtype="float32"), 4, True)
    assert record["curve"][0]["sets"]["Set14"]["psnr"] == round(scores["psnr"], 3)  # alpha 0 is the sibling
    assert record["psnr_reference"]["margin"] == 0.3
    floors = {name: s["psnr"] - 0.3 for name, s in record["psnr_reference"]["sets"].items()}
    fits = [p for p in record["curve"] if all(p["sets"][n]["psnr"] >= f for n, f in floors.items())]
    expected = min(fits, key=lambda p: p["niqe"])["alpha"] if fits else None
    assert record["chosen_alpha"] == expected


def test_several_runs_are_averaged_at_the_step_before_the_blend(tmp_path, data_dir, monkeypatch):
    torch.manual_seed(0)
    psnr_model, *seeds = (SRGenerator(**PRESETS["tiny"]).eval() for _ in range(3))
    psnr_model.save_pretrained(tmp_path / "psnr")
    val = data_dir / "benchmark" / "Set5"
    runs = [str(tmp_path / f"run-{i}") for i in range(2)]
    for run, model in zip(runs, seeds, strict=True):
        write_gan_run(Path(run), tmp_path / "psnr", val, {250: model}, {250: 5.0})
    output = tmp_path / "interpolation.json"
    monkeypatch.setattr(
        "sys.argv",
        ["interpolation_sweep.py", *runs, "--step", "250", "--alphas", "1.0", "--output", str(output)],
    )
    main()

    record = json.loads(output.read_text())[" + ".join(runs)]
    assert record["step"] == [250, 250]
    soup = average_generators(seeds)
    scores = score_set(load_benchmark(val), lambda lr: upscale(soup, lr, tile=None, dtype="float32"), 4, True)
    assert record["curve"][1]["psnr"] == pytest.approx(scores["psnr"], abs=0.01)
    for single in seeds:  # the soup is neither seed
        alone = score_set(
            load_benchmark(val), lambda lr, m=single: upscale(m, lr, tile=None, dtype="float32"), 4
        )
        assert record["curve"][1]["psnr"] != pytest.approx(alone["psnr"], abs=0.001)

    other = tmp_path / "other-psnr"
    SRGenerator(**PRESETS["tiny"]).save_pretrained(other)
    write_gan_run(tmp_path / "run-x", other, val, {250: seeds[0]}, {250: 5.0})
    monkeypatch.setattr(
        "sys.argv", ["interpolation_sweep.py", runs[0], str(tmp_path / "run-x"), "--output", str(output)]
    )
    with pytest.raises(SystemExit):  # seeds of different PSNR models do not average
        main()
