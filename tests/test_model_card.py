"""The published numbers must be what `hf-srgan evaluate` prints for the bundled models."""

import json

import pytest
from huggingface_hub import ModelCard

from hf_srgan.cli import main
from hf_srgan.models import SRGenerator
from hf_srgan.pretrained import BUNDLED_DIR, DEFAULT_MODEL, bundled_models
from scripts.make_model_card import GAN_MODEL, gan_recipe_table, gan_training_text
from tests.conftest import REPO_ROOT


def card_scores(card_path, set_name: str) -> dict:
    results = ModelCard.load(card_path).data.eval_results
    return {r.metric_type: r.metric_value for r in results if r.dataset_name == set_name}


def test_bundled_models_load_offline_by_name(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert DEFAULT_MODEL in bundled_models()
    for name in bundled_models():
        model = SRGenerator.from_pretrained(name)
        assert model.scale == 4 and not model.training
        record = json.loads((BUNDLED_DIR / name / "training.json").read_text())
        stages = record["stages"]
        assert all(stage["command"].startswith("accelerate launch train_accelerate.py") for stage in stages)
        for total in ("steps", "samples_seen", "train_seconds"):
            assert record[total] == sum(stage[total] for stage in stages), (name, total)


def test_cards_carry_consistent_hub_metadata():
    for name in bundled_models():
        data = ModelCard.load(BUNDLED_DIR / name / "README.md").data
        assert data.license == "other" and data.license_link == "WEIGHTS_TERMS.md"
        assert (BUNDLED_DIR / name / data.license_link).is_file()
        assert data.datasets == ["eugenesiow/Div2k"]
        assert {r.dataset_type for r in data.eval_results} == {
            "eugenesiow/Set5",
            "eugenesiow/Set14",
            "eugenesiow/BSD100",
        }
        assert {r.metric_type for r in data.eval_results} == {"psnr", "ssim", "niqe"}
        fine_tunes_of_wdrn = {"wdrn-x4-gan", "wdrn-x4-real"}  # both continue wdrn-x4's weights
        assert data.base_model == ("hf-srgan/wdrn-x4" if name in fine_tunes_of_wdrn else None)
    root = ModelCard.load(REPO_ROOT / "model_card.md")
    assert root.data.to_dict() == ModelCard.load(BUNDLED_DIR / DEFAULT_MODEL / "README.md").data.to_dict()
    assert "](docs/comparison.png)" in root.text


def test_a_card_saved_by_save_pretrained_has_the_same_metadata_keys(tmp_path):
    model = SRGenerator.from_pretrained(DEFAULT_MODEL)
    model.save_pretrained(tmp_path)
    saved = ModelCard.load(tmp_path / "README.md").data
    bundled = ModelCard.load(BUNDLED_DIR / DEFAULT_MODEL / "README.md").data
    for key in ("library_name", "license", "license_name", "license_link", "pipeline_tag", "tags"):
        assert getattr(saved, key) == getattr(bundled, key), key
    assert (tmp_path / "WEIGHTS_TERMS.md").is_file()


@pytest.mark.slow
def test_cards_match_hf_srgan_evaluate_on_set5(data_dir, capsys):
    models = bundled_models()
    assert (
        main(["evaluate", "--model", *models, "--data", str(data_dir / "benchmark" / "Set5"), "--json"]) == 0
    )
    measured = json.loads(capsys.readouterr().out)
    cards = {name: BUNDLED_DIR / name / "README.md" for name in models}
    cards[f"{DEFAULT_MODEL} (model_card.md)"] = REPO_ROOT / "model_card.md"
    for label, path in cards.items():
        name = label.split(" ")[0]
        published = card_scores(path, "Set5")
        assert published["psnr"] == round(measured[name]["Set5"]["psnr"], 2), label
        assert published["ssim"] == round(measured[name]["Set5"]["ssim"], 4), label
    table = (REPO_ROOT / "README.md").read_text()
    assert f"{measured[DEFAULT_MODEL]['Set5']['psnr']:.2f}" in table


def test_gan_card_prose_is_rendered_from_the_recorded_runs():
    """Every figure in the GAN stage's prose comes from docs/*.json, which the runs' scripts write."""
    card = (BUNDLED_DIR / GAN_MODEL / "README.md").read_text()
    assert gan_training_text() in card


def test_a_recipe_rerun_with_the_same_seed_keeps_its_own_cell():
    curve = [{"step": 0, "psnr": 28.0, "niqe": 6.5}, {"step": 250, "psnr": 27.5, "niqe": 5.0}]
    rerun = [{"step": 0, "psnr": 28.0, "niqe": 6.5}, {"step": 250, "psnr": 27.4, "niqe": 5.5}]
    command = (
        "accelerate launch train_accelerate.py --phase gan --output_dir runs/{} --seed 15 --adv_weight 0.005"
    )
    runs = {
        "first": {"command": command.format("a"), "curve": curve},
        "rerun": {"command": command.format("b"), "curve": rerun},
    }
    row = gan_recipe_table(runs).splitlines()[-1]
    assert row == "| first | 2 | 15: 5.00 at 250 (27.50); 15: 5.50 at 250 (27.40) | 5.25 |"
