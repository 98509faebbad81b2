"""The Space as scripts/deploy_space.py uploads it: runnable from its own files, bundled models included."""

import os
import re
import subprocess
import sys
from importlib.metadata import requires

import pytest

from scripts.deploy_space import stage_space
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.space, pytest.mark.slow]

# Run inside the staged folder, as the Space runs app.py: the package must come from there.
CHECK_STAGED = """
import pathlib, app, hf_srgan
assert pathlib.Path(hf_srgan.__file__).parent == pathlib.Path.cwd() / "hf_srgan", hf_srgan.__file__
model = app.load_model(app.configured_models()[0])
print(app.configured_models(), model.scale)
"""


def requirement_names(lines: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", line.strip())[0].lower() for line in lines if line.strip()[:1].isalpha()}


def test_staged_space_runs_from_its_own_files(tmp_path):
    staged = stage_space(tmp_path / "space")
    assert (staged / "app.py").exists() and (staged / "README.md").exists()
    assert (staged / "hf_srgan" / "pretrained" / "wdrn-x4" / "model.safetensors").exists()
    assert not list(staged.rglob("__pycache__"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": "", "GRADIO_ANALYTICS_ENABLED": "False"}
    result = subprocess.run(
        [sys.executable, "-c", CHECK_STAGED], cwd=staged, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("['wdrn-x4', ") and result.stdout.strip().endswith(" 4")


def test_space_requirements_cover_the_package_dependencies():
    runtime = [r for r in requires("hf_srgan") if "extra ==" not in r]
    space_requirements = (REPO_ROOT / "space" / "requirements.txt").read_text().splitlines()
    assert requirement_names(runtime) <= requirement_names(space_requirements)


def space_pins() -> dict[str, str]:
    lines = (REPO_ROOT / "space" / "requirements.txt").read_text().splitlines()
    return dict(line.strip().split("==") for line in lines if "==" in line and not line.startswith("#"))


def test_space_pins_are_the_versions_the_tests_run():
    from importlib.metadata import version

    for name, pinned in space_pins().items():
        assert version(name) == pinned, name


def test_space_requirements_resolve_to_cpu_only_wheels(tmp_path):
    """What the Space builder would install, resolved by pip without installing anything."""
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
        + ["--retries", "0", "--timeout", "10", "--report", str(report)]
        + ["-r", str(REPO_ROOT / "space" / "requirements.txt")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    resolved = {
        item["metadata"]["name"].lower(): item["metadata"]["version"]
        for item in json.load(report.open())["install"]
    }
    assert resolved["torch"] == "2.13.0+cpu"
    assert not [name for name in resolved if name.startswith(("nvidia-", "triton", "cuda"))]
    for name, pinned in space_pins().items():
        assert resolved[name.lower()] == pinned
