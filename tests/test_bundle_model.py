import json

import pytest
import torch

from hf_srgan.models import PRESETS, SRGenerator, add_task_vector
from scripts.bundle_model import earlier_stages, main


def test_a_run_continues_the_record_of_the_model_it_started_from(tmp_path):
    """A bundled name or a folder with a training.json gives its stages; the run itself is not repeated."""
    stages = [{"run": "runs/a", "steps": 10}, {"run": "runs/b", "steps": 20}]
    (tmp_path / "training.json").write_text(json.dumps({"stages": stages}))

    assert earlier_stages(str(tmp_path), "runs/c") == stages
    assert earlier_stages(str(tmp_path), "runs/b") == stages[:1]
    assert [s["run"] for s in earlier_stages("wdrn-x4", "runs/c")][:1] == ["runs/wdrn-x4"]
    assert earlier_stages("org/some-hub-model", "runs/c") == []
    assert earlier_stages(None, "runs/c") == []


def test_a_bundled_model_gets_a_task_vector_once_and_records_it(tmp_path, monkeypatch):
    torch.manual_seed(0)
    bundled = tmp_path / "pretrained"
    monkeypatch.setattr("hf_srgan.pretrained.BUNDLED_DIR", bundled)
    monkeypatch.setattr("scripts.bundle_model.BUNDLED_DIR", bundled)
    real, base, gan = (SRGenerator(**PRESETS["tiny"]) for _ in range(3))
    real.save_pretrained(bundled / "real")
    record = {"steps": 1, "train_seconds": 1.0, "stages": []}
    (bundled / "real" / "training.json").write_text(json.dumps(record))
    base.save_pretrained(tmp_path / "base")
    gan.save_pretrained(tmp_path / "gan")
    argv = [
        "bundle_model.py",
        "real",
        "real",
        "--add_task_vector",
        str(tmp_path / "gan"),
        str(tmp_path / "base"),
    ]
    monkeypatch.setattr("sys.argv", [*argv, "0.5"])
    main()

    bundled_real = SRGenerator.from_pretrained(bundled / "real").state_dict()
    expected = add_task_vector(real, base, gan, 0.5).state_dict()
    assert all(torch.allclose(bundled_real[k], v) for k, v in expected.items())
    record = json.loads((bundled / "real" / "training.json").read_text())
    assert record["task_vector"] == {
        "finetuned": str(tmp_path / "gan"),
        "base": str(tmp_path / "base"),
        "strength": 0.5,
    }
    with pytest.raises(SystemExit, match="already had that done"):
        main()
