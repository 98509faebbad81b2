"""Training recipes: every option of `train_accelerate.py`, and recipe files that set them.

A released model is a recipe, not a paragraph (BasicSR's options files): each stage of a bundled
model has a YAML file under ``configs/recipes/<model>/`` whose keys are this parser's options,

    accelerate launch train_accelerate.py --config configs/recipes/wdrn-x4-gan/gan.yaml

and options given on the command line after it override the file. `command_line` turns a run's
recorded options back into the command that repeats it. Kept in the package, not the training
script, so the scripts that bundle and document runs share one definition of the options.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import yaml
from huggingface_hub import constants as hf_constants
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from hf_srgan.augment import parse_augmentations
from hf_srgan.data import DEFAULT_HUB_DATA_FILES, DEFAULT_HUB_DATASET
from hf_srgan.losses import AdversarialLoss
from hf_srgan.models import BACKBONE_LAYERS, PRESETS
from hf_srgan.models.vgg import DEFAULT_VGG_WEIGHTS

DESCRIPTION = """Train an hf_srgan generator: PSNR pretraining, then GAN fine-tuning. Resumable.

    accelerate launch train_accelerate.py --config configs/recipes/wdrn-x4-gan/gan.yaml [--seed 16 ...]
"""

# Defaults per backbone. VGG19: SRGAN's VGG54; critic on mid and deep layers. EfficientNet-Lite0:
# Projected GAN's four stages (strides 4, 8, 16, 32) for both.
PERCEPTUAL_LAYERS = {"vgg19": "relu5_4", "efficientnet_lite0": "stage2,stage3,stage5,stage7"}
CRITIC_LAYERS = {"vgg19": "relu3_4,relu4_4,relu5_4", "efficientnet_lite0": "stage2,stage3,stage5,stage7"}
# EnhanceNet's texture layers (VGG19 conv1_1, conv2_1, conv3_1) and the nearest EfficientNet stages.
TEXTURE_LAYERS = {"vgg19": "conv1_1,conv2_1,conv3_1", "efficientnet_lite0": "stage1,stage2,stage3"}


def per_backbone(defaults: dict[str, str]) -> str:
    """A per-backbone default for --help: "vgg19: relu5_4; efficientnet_lite0: stage2,..."."""
    return "; ".join(f"{backbone}: {layers}" for backbone, layers in defaults.items())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=DESCRIPTION, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument(
        "--config",
        default=None,
        help="a recipe file (YAML, keys are these options); options on the command line override it",
    )
    g = p.add_argument_group("run")
    g.add_argument("--phase", choices=["pretrain", "gan"], default="pretrain")
    g.add_argument(
        "--output_dir", default="runs/wdrn-x4", help="checkpoints, samples, logs and the exported model"
    )
    g.add_argument("--max_steps", type=int, default=100_000, help="generator optimisation steps")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument(
        "--mixed_precision",
        choices=["no", "bf16", "fp16", "auto"],
        default="no",
        help="auto: bf16 where it is fast (~2.5x slower than fp32 on CPUs without it), else fp16 or fp32",
    )
    g.add_argument("--cpu", action="store_true", help="train on CPU even if a GPU is present")
    g.add_argument(
        "--num_threads", type=int, default=None, help="CPU threads per process (default: cores / processes)"
    )
    g.add_argument(
        "--report_to",
        default="auto",
        help="Accelerate trackers: tensorboard, wandb, all, none; auto = tensorboard when installed",
    )
    g.add_argument("--resume_from_checkpoint", default=None, help="'latest' or a checkpoint folder")
    g.add_argument("--checkpoint_every", type=int, default=500)
    g.add_argument("--keep_checkpoints", type=int, default=3)
    g.add_argument(
        "--max_nan_steps", type=int, default=20, help="stop after this many non-finite losses in a row"
    )
    g = p.add_argument_group("model")
    g.add_argument("--model_preset", choices=sorted(PRESETS), default=None, help="default: wdrn")
    g.add_argument("--scale", type=int, default=None, help="default: 4, or the --init_generator's")
    g.add_argument("--init_generator", default=None, help="Hub id or folder to start from (required for gan)")
    g = p.add_argument_group("data")
    g.add_argument(
        "--train_data", nargs="+", default=[DEFAULT_HUB_DATASET], help="Hub dataset ids and/or folders"
    )
    g.add_argument(
        "--hub_data_files",
        default=None,
        help=f"data_files for Hub sources (default: {DEFAULT_HUB_DATA_FILES} for {DEFAULT_HUB_DATASET}, "
        "all files for any other dataset)",
    )
    g.add_argument("--image_column", default=None, help="detected when omitted")
    g.add_argument("--patch_size", type=int, default=96, help="HR patch size in pixels")
    g.add_argument(
        "--degradation",
        choices=["bicubic", "realistic", "realistic-light"],
        default="bicubic",
        help="how LR patches are made: antialiased bicubic (the benchmarks' model), Real-ESRGAN's "
        "second-order blur/resize/noise/JPEG/sinc pipeline (hf_srgan/degradations.py), or its milder "
        "ranges for everyday photos with 1 patch in 5 left clean",
    )
    g.add_argument(
        "--first_order_probability",
        type=float,
        default=0.0,
        help="with a realistic degradation: share of patches made by the classical one-pass model "
        "(blur, bicubic, noise, JPEG once), as web images resized and saved once are",
    )
    g.add_argument(
        "--first_order_noise_probability",
        type=float,
        default=0.5,
        help="chance that the one-pass model adds noise (the first stage's range, at the LR size)",
    )
    g.add_argument(
        "--first_order_jpeg_probability",
        type=float,
        default=1.0,
        help="chance that the one-pass model saves as JPEG; below 1 some noise reaches the LR uncompressed",
    )
    g.add_argument("--blur_sigma", type=float, default=0.0, help="Gaussian blur before bicubic downscaling")
    g.add_argument("--batch_size", type=int, default=16, help="per process and per accumulation step")
    g.add_argument(
        "--gradient_accumulation_steps",
        type=int,
        default=1,
        help="batches per optimiser step: the effective batch is batch_size x processes x this",
    )
    g.add_argument("--samples_per_epoch", type=int, default=16_000)
    g.add_argument(
        "--image_sampling",
        choices=["uniform", "area"],
        default="uniform",
        help="pick each patch's image uniformly, or in proportion to its area (every crop equally likely)",
    )
    g.add_argument("--num_workers", type=int, default=1)
    g.add_argument(
        "--no_cache", action="store_true", help="decode images on every access instead of caching them"
    )
    g.add_argument(
        "--cache_file",
        default=None,
        help="decode the training images once into this uint8 file, memory-mapped by every process and "
        "loader worker (one copy in RAM however many processes), reused by later runs on the same images",
    )
    g.add_argument(
        "--streaming",
        action="store_true",
        help="read --train_data as a stream, sharded per process: nothing is downloaded or decoded up "
        "front and no process holds the dataset in memory (for full DIV2K and bigger Hub datasets)",
    )
    g.add_argument("--patches_per_image", type=int, default=16, help="streaming: patches per decoded image")
    g.add_argument(
        "--shuffle_buffer", type=int, default=32, help="streaming: images held to shuffle the stream's order"
    )
    g.add_argument("--val_data", nargs="*", default=[], help="benchmark folders (HR/ + LR_bicubic/X4/)")
    g.add_argument("--val_niqe", action="store_true", help="also score validation images with NIQE")
    g.add_argument("--eval_every", type=int, default=1000)
    g.add_argument("--sample_every", type=int, default=1000, help="save LR|bicubic|SR|HR strips")
    g = p.add_argument_group("optimisation")
    g.add_argument("--learning_rate", type=float, default=2e-4)
    g.add_argument("--lr_schedule", choices=["cosine", "multistep", "constant"], default="cosine")
    g.add_argument("--lr_milestones", type=float, nargs="*", default=[0.5, 0.75], help="multistep, fractions")
    g.add_argument("--warmup_steps", type=int, default=500)
    g.add_argument(
        "--channels_last", action="store_true", help="NHWC memory format: faster oneDNN convs on CPU"
    )
    g.add_argument("--max_grad_norm", type=float, default=1.0)
    g.add_argument("--ema_decay", type=float, default=0.999)
    g.add_argument("--pixel_loss", choices=["l1", "mse"], default="l1")
    g.add_argument(
        "--teacher",
        default=None,
        help="pretrain phase: a generator (bundled name, folder or Hub id) whose outputs the student "
        "also matches (knowledge distillation, as efficient-SR winners train small models)",
    )
    g.add_argument(
        "--distill_weight", type=float, default=1.0, help="weight of the pixel loss to the --teacher's output"
    )
    g = p.add_argument_group("gan phase")
    g.add_argument("--content_loss", choices=["perceptual", "l1", "mse"], default="perceptual")
    g.add_argument(
        "--feature_backbone",
        choices=sorted(BACKBONE_LAYERS),
        default="vgg19",
        help="frozen ImageNet network of the perceptual loss and the 'features' critic",
    )
    g.add_argument(
        "--perceptual_layers",
        default=None,
        help=f"layer[:weight],... (default: {per_backbone(PERCEPTUAL_LAYERS)})",
    )
    g.add_argument("--perceptual_criterion", choices=["l1", "mse"], default="l1")
    g.add_argument(
        "--feature_upsample",
        type=int,
        default=1,
        help="enlarge SR/HR this many times for the perceptual loss",
    )
    g.add_argument(
        "--critic_upsample",
        type=int,
        default=2,
        help="the 'features' critic sees its input enlarged this many times: its stride-2 stem would "
        "otherwise alias away the generator's period-4 grid",
    )
    g.add_argument(
        "--feature_shift",
        type=int,
        default=16,
        help="perceptual, texture loss and feature critic see SR/HR at a random offset below this (0 = off)",
    )
    g.add_argument(
        "--critic_shift",
        type=int,
        default=0,
        help="a from-scratch critic (srgan, unet) sees its input at a random offset below this "
        "(0 = off; 8 = its stride grid)",
    )
    g.add_argument(
        "--critic_highpass",
        type=float,
        default=0.0,
        help="a from-scratch critic sees only the image minus its Gaussian blur of this sigma (px) (0 = off)",
    )
    g.add_argument("--vgg_weights", default=DEFAULT_VGG_WEIGHTS, help="safetensors path or Hub id")
    g.add_argument("--content_weight", type=float, default=1.0)
    g.add_argument("--pixel_weight", type=float, default=0.0, help="extra pixel term with a perceptual loss")
    g.add_argument(
        "--pixel_lowpass",
        type=float,
        default=0.0,
        help="the pixel term compares Gaussian blurs of this sigma (px) of SR and HR, leaving the finer "
        "band to the adversarial and perceptual terms (FSSR's frequency separation; 0 = off)",
    )
    g.add_argument(
        "--texture_weight",
        type=float,
        default=0.0,
        help="EnhanceNet texture loss: L1 between patch-wise Gram matrices of --texture_layers",
    )
    g.add_argument(
        "--texture_layers",
        default=None,
        help=f"layer[:weight],... on --feature_backbone (default: {per_backbone(TEXTURE_LAYERS)})",
    )
    g.add_argument("--texture_patch", type=int, default=16, help="texture loss window, in image pixels")
    g.add_argument(
        "--grid_weight",
        type=float,
        default=0.0,
        help="penalty on the part of the error that repeats with the scale (checkerboard/grid artefacts)",
    )
    g.add_argument(
        "--grid_period",
        type=int,
        default=0,
        help="period the grid penalty looks for (0 = the scale; 8 also catches the SRGAN critic's blotches)",
    )
    g.add_argument(
        "--artefact_weight",
        type=float,
        default=0.0,
        help="LDL (Liang et al. 2022): L1 where the output's error is locally busy and larger than the "
        "EMA generator's, i.e. on the artefacts that come and go during GAN training (0 = off)",
    )
    g.add_argument("--adv_weight", type=float, default=1e-3)
    g.add_argument(
        "--adversarial_loss", choices=AdversarialLoss.KINDS, default="wgan-gp", help="bce = SRGAN paper"
    )
    g.add_argument("--gp_weight", type=float, default=10.0)
    g.add_argument(
        "--drift_weight",
        type=float,
        default=1e-3,
        help="wgan-gp: weight of E[D(real)^2], which keeps critic scores near zero (ProGAN)",
    )
    g.add_argument(
        "--gp_every",
        type=int,
        default=1,
        help="lazy gradient penalty: every N critic steps, N times the weight",
    )
    g.add_argument(
        "--discriminator",
        choices=["srgan", "unet", "features", "none"],
        default="srgan",
        help="srgan: conv critic from scratch; unet: Real-ESRGAN's per-pixel critic from scratch (with "
        "--spectral_norm --adversarial_loss bce as there); features: heads on the frozen --feature_backbone",
    )
    g.add_argument(
        "--critic_layers",
        default=None,
        help=f"features the 'features' critic reads (default: {per_backbone(CRITIC_LAYERS)})",
    )
    g.add_argument(
        "--projection_channels", type=int, default=64, help="fixed random 1x1 projection per scale (0 = none)"
    )
    g.add_argument(
        "--feature_critic",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="a second, transfer-learning critic on the frozen --feature_backbone beside --discriminator "
        "srgan (Vision-aided GAN): projected features, per-scale heads, its own loss and weight",
    )
    g.add_argument(
        "--feature_critic_loss",
        choices=AdversarialLoss.KINDS,
        default="hinge",
        help="the feature critic's objective: hinge (Projected GAN) needs no gradient penalty through "
        "the deep frozen network",
    )
    g.add_argument(
        "--feature_adv_weight", type=float, default=1e-3, help="the feature critic's adversarial weight"
    )
    g.add_argument(
        "--critic_augment",
        default="",
        help="DiffAugment ops for the feature critic's inputs, real and fake alike: color,translation,cutout",
    )
    g.add_argument(
        "--feature_critic_highpass",
        type=float,
        default=0.0,
        help="the features critic reads only the image minus its Gaussian blur of this sigma (px), "
        "on mid-grey (0 = off)",
    )
    g.add_argument(
        "--cross_scale",
        action="store_true",
        help="feature critic: Projected GAN's cross-scale mixing (deeper projected maps added to finer ones)",
    )
    g.add_argument(
        "--adaptive_adv_weight",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="VQGAN's adaptive weight: each critic's gradient at the generator's output conv is scaled "
        "to its adversarial weight times the content gradient's norm there, so the adversarial push "
        "keeps one size relative to the content loss whatever the seed and the critic's score scale",
    )
    g.add_argument(
        "--adv_kickstart_steps",
        type=int,
        default=0,
        help="for the first N GAN steps, set each critic's push at the generator's output conv to "
        "--adv_kickstart_share x the content gradient's norm (the adaptive weight), then use the fixed "
        "weights: a from-scratch critic only starts to separate once the generator moves, and without "
        "this kick whether it does is the seed's luck (docs/experiments.md)",
    )
    g.add_argument("--adv_kickstart_share", type=float, default=0.05, help="the push share of the kick-start")
    g.add_argument(
        "--adv_gap_gate",
        type=float,
        default=0.0,
        help="after the kick-start, scale each critic's fixed weight by its recent real-fake gap over this "
        "(capped at 1): a critic that no longer separates stops pushing until it does again (0 = off)",
    )
    g.add_argument(
        "--diagnostics_every",
        type=int,
        default=10,
        help="every N steps, append loss terms, the critics' real-fake gaps and the gradient norms of "
        "each term at the generator's output conv to <output_dir>/diagnostics.jsonl (0 = off)",
    )
    g.add_argument("--spectral_norm", action="store_true")
    g.add_argument("--n_critic", type=int, default=1, help="critic steps per generator step")
    g.add_argument("--critic_learning_rate", type=float, default=1e-4)
    g.add_argument(
        "--critic_warmup_steps",
        type=int,
        default=0,
        help="critic-only updates against the initial generator before the first generator step",
    )
    g = p.add_argument_group("export")
    g.add_argument("--push_to_hub", action="store_true")
    g.add_argument("--hub_model_id", default=None)
    argv = list(sys.argv[1:] if argv is None else argv)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config", default=None)
    config_path = pre.parse_known_args(argv)[0].config
    if config_path:
        try:
            # The file's options go first, so the same options on the command line win.
            argv = recipe_argv(config_path, {action.dest for action in p._actions}) + argv
        except (OSError, ValueError, yaml.YAMLError) as err:
            p.error(f"--config {config_path}: {err}")
    args = p.parse_args(argv)
    if args.init_generator is not None and (args.model_preset is not None or args.scale is not None):
        p.error("--init_generator fixes the architecture and scale: drop --model_preset/--scale")
    if args.phase == "gan" and args.init_generator is None:
        p.error("--phase gan needs --init_generator (a pretrained generator folder or Hub id)")
    if (
        args.critic_warmup_steps < 0
        or args.critic_warmup_steps
        and (args.phase != "gan" or args.discriminator == "none")
    ):
        p.error("--critic_warmup_steps needs --phase gan with a --discriminator, and a count >= 0")
    if args.teacher and args.phase != "pretrain":
        p.error("--teacher distils in the pretrain phase only")
    if args.phase == "gan" and args.content_weight <= 0 and args.pixel_weight <= 0:
        p.error("the GAN phase needs a content loss: --content_weight or --pixel_weight must be > 0")
    if args.critic_highpass > 0 and args.discriminator not in ("srgan", "unet"):
        p.error("--critic_highpass applies to --discriminator srgan or unet")
    if args.feature_critic_highpass > 0 and not (args.feature_critic or args.discriminator == "features"):
        p.error(
            "--feature_critic_highpass needs a features critic (--feature_critic or --discriminator features)"
        )
    if args.feature_critic and args.discriminator not in ("srgan", "unet"):
        p.error(
            "--feature_critic goes beside --discriminator srgan or unet (or use --discriminator features)"
        )
    try:
        parse_augmentations(args.critic_augment)
    except ValueError as err:
        p.error(f"--critic_augment: {err}")
    if args.push_to_hub:
        # Checked before training, not hours later at upload time.
        if not args.hub_model_id:
            p.error("--push_to_hub needs --hub_model_id")
        try:
            validate_repo_id(args.hub_model_id)
        except HFValidationError as err:
            p.error(f"--hub_model_id: {err}")
        if hf_constants.HF_HUB_OFFLINE:
            p.error("--push_to_hub cannot upload with HF_HUB_OFFLINE=1")
    return args


def load_recipe(path: str | Path, _inside: tuple[Path, ...] = ()) -> dict:
    """A recipe file's options, over those of the recipe its `base:` names (a path relative to the file).

    An experiment then states only what it changes from the recipe it varies, as BasicSR's options
    files do, instead of copying it and drifting from it.
    """
    path = Path(path).resolve()
    if path in _inside:
        raise ValueError(f"recipe {path} is its own base")
    recipe = yaml.safe_load(path.read_text())
    if not isinstance(recipe, dict):
        raise ValueError(f"{path}: a recipe is a mapping of option: value")
    base = recipe.pop("base", None)
    if base is None:
        return recipe
    return {**load_recipe(path.parent / str(base), (*_inside, path)), **recipe}


def recipe_argv(path: str | Path, known: set[str]) -> list[str]:
    """A recipe file's options as command-line tokens: `--key value`, `--flag` for true, lists spread."""
    recipe = load_recipe(path)
    unknown = sorted(key for key in recipe if key.replace("-", "_") not in known or key == "config")
    if unknown:
        raise ValueError(f"unknown option(s) {unknown}; see train_accelerate.py --help")
    tokens: list[str] = []
    for key, value in recipe.items():
        flag = f"--{key.replace('-', '_')}"
        if value is True:
            tokens.append(flag)
        elif isinstance(value, list):
            tokens += [flag, *map(str, value)]
        elif value is not None and value is not False:
            tokens += [flag, str(value)]
    return tokens


# GAN-phase options whose default changed behaviour for runs made before the option existed:
# the value that repeats such a run (its config lacks the key).
GAN_BEFORE_THE_OPTION = {"drift_weight": 0.0}


def recipe_options(config: dict) -> dict:
    """The options of a run's recorded config (train_config.json) that differ from the defaults."""
    if config.get("phase") == "gan":
        config = {**config, **{k: v for k, v in GAN_BEFORE_THE_OPTION.items() if k not in config}}
    defaults = vars(parse_args(["--init_generator", "x"] if config.get("phase") == "gan" else []))
    return {
        key: value
        for key, value in config.items()
        if key != "config"
        and (key in defaults and value != defaults[key] or key == "init_generator" and value)
    }


def command_line(config: dict) -> str:
    """The training command with every option that differs from the defaults."""
    parts = ["accelerate launch train_accelerate.py"]
    for key, value in recipe_options(config).items():
        if isinstance(value, bool):
            parts.append(f"--{key}")
        elif isinstance(value, list):
            parts.append(f"--{key} " + " ".join(map(str, value)))
        else:
            parts.append(f"--{key} {value}")
    return " ".join(parts)


def command_options(command: str) -> dict:
    """The options a recorded `accelerate launch train_accelerate.py ...` command sets (vs defaults)."""
    tokens = shlex.split(command)
    return recipe_options(vars(parse_args(tokens[tokens.index("train_accelerate.py") + 1 :])))
