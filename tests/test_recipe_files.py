"""Each bundled model is reproduced by its recipe files: they set exactly what its record says was run."""

import pytest

from hf_srgan.pretrained import bundled_models
from hf_srgan.recipe import command_options, parse_args, recipe_options
from hf_srgan.recipe_files import RECIPES_DIR, recipe_paths, stages


@pytest.mark.parametrize("model", bundled_models())
def test_recipe_files_set_what_each_recorded_stage_ran(model):
    for stage, path in zip(stages(model), recipe_paths(model), strict=True):
        assert path.is_file(), f"{model}: no recipe file {path} for stage {stage['run']}"
        from_file = recipe_options(vars(parse_args(["--config", str(path)])))
        assert from_file == command_options(stage["command"]), f"{path} disagrees with {model}'s record"


EXPERIMENTS = sorted((RECIPES_DIR / "experiments").glob("*.yaml"))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda path: path.stem)
def test_every_experiment_recipe_is_a_valid_command(path):
    """The report and the docs give these as commands to run: a typo or a dropped base must fail here."""
    args = parse_args(["--config", str(path)])
    assert args.output_dir.startswith("runs/")


def test_the_command_line_overrides_a_recipe_file(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("phase: gan\ninit_generator: wdrn-x4\nseed: 15\nfeature_critic: true\nval_niqe: true\n")
    args = parse_args(["--config", str(recipe), "--seed", "16", "--no-feature_critic"])
    assert (args.phase, args.seed, args.feature_critic, args.val_niqe) == ("gan", 16, False, True)


@pytest.mark.parametrize(
    ("text", "message"),
    [("seeed: 3\n", "unknown option"), ("- a\n", "mapping"), ("phase: [\n", "while parsing")],
)
def test_a_bad_recipe_file_is_refused_with_its_name(tmp_path, capsys, text, message):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text(text)
    with pytest.raises(SystemExit):
        parse_args(["--config", str(recipe)])
    err = capsys.readouterr().err
    assert str(recipe) in err and message in err


def test_a_recipe_states_only_what_it_changes_from_its_base(tmp_path):
    (tmp_path / "shipped").mkdir()
    shipped = "phase: gan\ninit_generator: wdrn-x4\nseed: 15\nmax_steps: 2500\n"
    (tmp_path / "shipped" / "gan.yaml").write_text(shipped)
    (tmp_path / "kick.yaml").write_text("base: shipped/gan.yaml\nadv_kickstart_steps: 200\nseed: 16\n")
    (tmp_path / "kick_features.yaml").write_text("base: kick.yaml\nfeature_critic: true\n")
    args = parse_args(["--config", str(tmp_path / "kick_features.yaml")])
    assert (args.phase, args.max_steps, args.seed) == ("gan", 2500, 16)
    assert (args.adv_kickstart_steps, args.feature_critic) == (200, True)


def test_a_recipe_that_is_its_own_base_is_refused(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("base: b.yaml\nseed: 1\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nseed: 2\n")
    with pytest.raises(SystemExit):
        parse_args(["--config", str(tmp_path / "a.yaml")])
    assert "its own base" in capsys.readouterr().err
