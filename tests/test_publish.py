"""scripts/publish_models.py: every bundled model staged and checked offline, bad settings refused first."""

import pytest
from huggingface_hub import ModelCard

from hf_srgan.pretrained import bundled_models
from scripts.publish_models import check_staged, main, stage_model


def test_dry_run_stages_and_checks_every_bundled_model(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["--org", "my-org", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert all(f"{name}: ok (my-org/{name})" in out for name in bundled_models())


def test_staged_fine_tune_points_at_its_base_in_the_same_org(tmp_path):
    folder = stage_model("wdrn-x4-gan", "my-org", tmp_path)
    assert ModelCard.load(folder / "README.md").data.base_model == "my-org/wdrn-x4"


def test_a_broken_link_or_missing_terms_file_fails_the_check(tmp_path):
    folder = stage_model("wdrn-x4", "my-org", tmp_path)
    (folder / "comparison.png").unlink()
    (folder / "WEIGHTS_TERMS.md").unlink()
    problems = " ".join(check_staged(folder))
    assert "comparison.png" in problems and "WEIGHTS_TERMS.md" in problems


@pytest.mark.parametrize(
    ("argv", "offline", "message"),
    [
        (["--org", "bad org!"], "0", "--org"),
        (["--org", "my-org"], "1", "HF_HUB_OFFLINE=1"),
        (["--org", "my-org", "--models", "nope-x4"], "0", "not bundled: nope-x4"),
    ],
)
def test_bad_settings_are_refused_before_any_work(monkeypatch, capsys, argv, offline, message):
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", offline == "1")
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
