import json

from scripts.bundle_model import earlier_stages


def test_a_run_continues_the_record_of_the_model_it_started_from(tmp_path):
    """A bundled name or a folder with a training.json gives its stages; the run itself is not repeated."""
    stages = [{"run": "runs/a", "steps": 10}, {"run": "runs/b", "steps": 20}]
    (tmp_path / "training.json").write_text(json.dumps({"stages": stages}))

    assert earlier_stages(str(tmp_path), "runs/c") == stages
    assert earlier_stages(str(tmp_path), "runs/b") == stages[:1]
    assert [s["run"] for s in earlier_stages("wdrn-x4", "runs/c")][:1] == ["runs/wdrn-x4"]
    assert earlier_stages("org/some-hub-model", "runs/c") == []
    assert earlier_stages(None, "runs/c") == []
