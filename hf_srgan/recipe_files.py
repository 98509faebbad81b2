"""Which recipe files (configs/recipes/<model>/*.yaml) reproduce each bundled model, stage by stage.

A bundled model's ``training.json`` records every stage that made it, including the stages of
the model it started from (``wdrn-x4-gan`` lists ``wdrn-x4``'s eight). Each stage's file lives
with the model that first had it, so ``wdrn-x4-gan`` is reproduced by ``wdrn-x4``'s files, then
its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from hf_srgan.pretrained import BUNDLED_DIR, bundled_models
from hf_srgan.recipe import command_options

RECIPES_DIR = Path(__file__).resolve().parents[1] / "configs" / "recipes"


def stages(model: str) -> list[dict]:
    return json.loads((BUNDLED_DIR / model / "training.json").read_text())["stages"]


def stage_owners(model: str) -> list[str]:
    """For each stage of `model`, the bundled model whose recipe folder holds it."""
    runs = [stage["run"] for stage in stages(model)]
    owners = [model] * len(runs)
    for other in bundled_models():
        other_runs = [stage["run"] for stage in stages(other)]
        if other != model and len(other_runs) < len(runs) and runs[: len(other_runs)] == other_runs:
            owners[: len(other_runs)] = stage_owners(other)
    return owners


def recipe_paths(model: str) -> list[Path]:
    """Each stage's file (in order): ``configs/recipes/<owner>/<nn>-<run>.yaml``, owner per `stage_owners`."""
    owners = stage_owners(model)
    return [
        RECIPES_DIR / owner / f"{index + 1:02d}-{Path(stage['run']).name}.yaml"
        for index, (stage, owner) in enumerate(zip(stages(model), owners, strict=True))
    ]


def write_recipe(path: Path, command: str, comment: str) -> None:
    """A recorded command as a recipe file: the options it sets, in its order, under a comment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(command_options(command), sort_keys=False, width=200)
    path.write_text("".join(f"# {line}\n" for line in comment.splitlines()) + body)
