"""The published numbers must be what `hf-srgan evaluate` prints for the bundled models."""

import json
import re

import pytest
from huggingface_hub import ModelCard

from hf_srgan.cli import main
from hf_srgan.models import SRGenerator
from hf_srgan.pretrained import BUNDLED_DIR, DEFAULT_MODEL, bundled_models
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


def test_cards_are_short_and_every_relative_link_resolves_beside_them():
    """A card is published as its folder's README.md: links may only point inside the folder."""
    for name in bundled_models():
        card = BUNDLED_DIR / name / "README.md"
        text = card.read_text()
        assert len(text.splitlines()) <= 200 and len(text.encode()) <= 20_000, name
        for target in re.findall(r"\]\(([^)]+)\)", text):
            if not target.startswith(("http://", "https://", "#")):
                assert (card.parent / target).is_file(), f"{name}: {target} does not resolve"
        assert "## Intended uses and limitations" in text and "## Training procedure" in text


def test_a_card_saved_by_save_pretrained_has_the_same_metadata_keys(tmp_path):
    model = SRGenerator.from_pretrained(DEFAULT_MODEL)
    model.save_pretrained(tmp_path)
    saved = ModelCard.load(tmp_path / "README.md").data
    bundled = ModelCard.load(BUNDLED_DIR / DEFAULT_MODEL / "README.md").data
    for key in ("library_name", "license", "license_name", "license_link", "pipeline_tag", "tags"):
        assert getattr(saved, key) == getattr(bundled, key), key
    assert (tmp_path / "WEIGHTS_TERMS.md").is_file()


@pytest.mark.parametrize("name", bundled_models())
def test_a_bundled_card_is_tagged_with_its_own_architecture(name):
    arch = json.loads((BUNDLED_DIR / name / "config.json").read_text()).get("arch", "wdrn")
    tags = ModelCard.load(BUNDLED_DIR / name / "README.md").data.tags
    assert arch in tags and not {"wdrn", "srresnet", "span"} - {arch} & set(tags), (name, tags)


@pytest.mark.parametrize("name", bundled_models())
def test_a_card_says_how_to_make_the_data_its_stages_read(name):
    """Following a card's recipe from a fresh clone must not stop at a missing runs/data folder."""
    card = (BUNDLED_DIR / name / "README.md").read_text()
    commands = " ".join(
        stage["command"] for stage in json.loads((BUNDLED_DIR / name / "training.json").read_text())["stages"]
    )
    if "runs/data/" in commands:
        assert "python scripts/make_validation_split.py" in card, name
    if "runs/data/val-bsd200-" in commands:
        assert (
            "python scripts/make_degraded_benchmark.py --sets runs/data/val-bsd200 --out runs/data" in card
        ), name


@pytest.mark.slow
def test_cards_match_hf_srgan_evaluate_on_set5(data_dir, capsys):
    models = bundled_models()
    assert (
        main(["evaluate", "--model", *models, "--data", str(data_dir / "benchmark" / "Set5"), "--json"]) == 0
    )
    measured = json.loads(capsys.readouterr().out)
    cards = {name: BUNDLED_DIR / name / "README.md" for name in models}
    for label, path in cards.items():
        name = label.split(" ")[0]
        published = card_scores(path, "Set5")
        assert published["psnr"] == round(measured[name]["Set5"]["psnr"], 2), label
        assert published["ssim"] == round(measured[name]["Set5"]["ssim"], 4), label
    table = (REPO_ROOT / "README.md").read_text()
    assert f"{measured[DEFAULT_MODEL]['Set5']['psnr']:.2f}" in table
