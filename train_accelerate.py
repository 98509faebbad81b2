"""Train an hf_srgan generator: PSNR pretraining, then WGAN-GP fine-tuning. Resumable, multi-process.

    accelerate launch train_accelerate.py --phase pretrain --train_data ../shared/data/train ...
    accelerate launch train_accelerate.py --phase gan --init_generator runs/pretrain/final ...

Runs the same on one CPU, on many GPUs, or on many machines: everything distributed goes through
Accelerate. `python train_accelerate.py` works for one process. See `--help` for every option.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import datasets
import numpy as np
import torch
from accelerate import Accelerator
from accelerate.utils import DataLoaderConfiguration, ProjectConfiguration, set_seed
from datasets.distributed import split_dataset_by_node
from PIL import Image, ImageDraw
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from hf_srgan.augment import parse_augmentations
from hf_srgan.data import (
    Degradation,
    SRPatchDataset,
    StreamingPatchDataset,
    ignore_stop_signals,
    load_image_sources,
)
from hf_srgan.degradations import RealisticDegradation, gaussian_lowpass
from hf_srgan.evaluation import bicubic_upscale, format_table, load_benchmark
from hf_srgan.inference import upscale_array
from hf_srgan.losses import (
    AdversarialLoss,
    PerceptualLoss,
    TextureLoss,
    artefact_loss,
    grid_loss,
    pixel_loss,
)
from hf_srgan.metrics import niqe, psnr, ssim
from hf_srgan.model_card import eval_results
from hf_srgan.models import (
    PRESETS,
    FeatureDiscriminator,
    SRGANDiscriminator,
    SRGenerator,
    UNetDiscriminator,
    build_feature_extractor,
)
from hf_srgan.models.features import parse_layer_weights
from hf_srgan.recipe import CRITIC_LAYERS, PERCEPTUAL_LAYERS, TEXTURE_LAYERS, parse_args
from hf_srgan.training import (
    RunRecord,
    TrainingSignals,
    checkpoint_dirs,
    ema_average,
    hub_base_model,
    lr_factor,
    replace_folder,
    resolve_mixed_precision,
    resume,
    save_checkpoint,
    trackers,
)


def use_cpu(args: argparse.Namespace) -> bool:
    """CPU-only multi-process runs need ``cpu=True`` for Accelerate to pick gloo.

    `accelerate launch --multi_gpu --num_processes N` starts N processes on a machine without GPUs,
    but each would train alone unless the script asks for CPU distribution itself.
    """
    multi_process = int(os.environ.get("WORLD_SIZE", "1")) > 1
    return args.cpu or (multi_process and not torch.cuda.is_available())


# --- validation
def validate(
    accelerator: Accelerator, generator: torch.nn.Module, benchmarks: dict, scale: int, with_niqe: bool
) -> dict:
    """Y-channel PSNR/SSIM (and NIQE) per benchmark set; images are split across processes and gathered."""
    results = {}
    for set_name, pairs in benchmarks.items():
        scores = []
        with accelerator.split_between_processes(list(range(len(pairs)))) as mine:
            for i in mine:
                rgb = np.asarray(pairs[i].lr, dtype=np.float32) / 255.0
                sr = upscale_array(generator, rgb, scale=scale, tile=None, device=accelerator.device)
                scores.append(
                    (
                        psnr(sr, pairs[i].hr, shave=scale),
                        ssim(sr, pairs[i].hr, shave=scale),
                        niqe(sr, shave=scale) if with_niqe else float("nan"),
                    )
                )
        # Processes hold different numbers of images, so gather Python objects rather than tensors.
        gathered = np.array(accelerator.gather_for_metrics(scores, use_gather_object=True))
        results[set_name] = {
            "psnr": float(gathered[:, 0].mean()),
            "ssim": float(gathered[:, 1].mean()),
            **({"niqe": float(gathered[:, 2].mean())} if with_niqe else {}),
            "images": len(gathered),
        }
    return results


def save_sample(
    path: Path, generator: torch.nn.Module, pair, scale: int, device: torch.device
) -> Image.Image:
    """One strip: LR (nearest) | bicubic | SR | HR, on a 128-px HR crop from the image centre."""
    lr_crop = 32
    top, left = (pair.lr.height - lr_crop) // 2, (pair.lr.width - lr_crop) // 2
    lr = pair.lr.crop((left, top, left + lr_crop, top + lr_crop))
    hr = pair.hr.crop((left * scale, top * scale, (left + lr_crop) * scale, (top + lr_crop) * scale))
    sr = upscale_array(generator, np.asarray(lr, np.float32) / 255.0, scale=scale, tile=None, device=device)
    size = (lr_crop * scale, lr_crop * scale)
    panels = {
        "LR": lr.resize(size, Image.Resampling.NEAREST),
        "bicubic": bicubic_upscale(lr, scale),
        "SR": Image.fromarray(sr),
        "HR": hr,
    }
    strip = Image.new("RGB", (size[0] * 4, size[1] + 14), "white")
    draw = ImageDraw.Draw(strip)
    for i, (label, panel) in enumerate(panels.items()):
        strip.paste(panel, (i * size[0], 14))
        draw.text((i * size[0] + 3, 1), label, fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    strip.save(path)
    return strip


def log_sample(accelerator: Accelerator, strip: Image.Image, step: int) -> None:
    """The sample strip as an image, for the trackers that take images."""
    for tracker in accelerator.trackers:
        if tracker.name == "tensorboard":
            tracker.log_images({"samples": np.asarray(strip)[None]}, step=step, dataformats="NHWC")
        elif hasattr(tracker, "log_images"):
            tracker.log_images({"samples": [strip]}, step=step)


def build_content_loss(args: argparse.Namespace) -> torch.nn.Module:
    """Perceptual (fails loudly without the backbone's weights) or a pixel loss."""
    if args.content_loss == "perceptual":
        layers = parse_layer_weights(args.perceptual_layers or PERCEPTUAL_LAYERS[args.feature_backbone])
        features = build_feature_extractor(
            args.feature_backbone, tuple(layers), args.vgg_weights, upsample=args.feature_upsample
        )
        return PerceptualLoss(
            features, layers, criterion=args.perceptual_criterion, max_shift=args.feature_shift
        )
    return pixel_loss(args.content_loss)


def build_texture_loss(args: argparse.Namespace) -> TextureLoss:
    """The texture term's own extractor: it stops at the shallow layers it reads, so it costs little."""
    layers = parse_layer_weights(args.texture_layers or TEXTURE_LAYERS[args.feature_backbone])
    features = build_feature_extractor(args.feature_backbone, tuple(layers), args.vgg_weights)
    return TextureLoss(features, layers, patch_px=args.texture_patch, max_shift=args.feature_shift)


def build_feature_critic(args: argparse.Namespace) -> FeatureDiscriminator:
    """Heads on the frozen --feature_backbone (transfer learning), with projection and augmentation."""
    layers = tuple(parse_layer_weights(args.critic_layers or CRITIC_LAYERS[args.feature_backbone]))
    features = build_feature_extractor(
        args.feature_backbone, layers, args.vgg_weights, upsample=args.critic_upsample
    )
    return FeatureDiscriminator(
        features,
        projection_channels=args.projection_channels,
        spectral_norm=args.spectral_norm,
        max_shift=args.feature_shift,
        augment=parse_augmentations(args.critic_augment),
        cross_scale=args.cross_scale,
        highpass_sigma=args.feature_critic_highpass,
    )


@dataclass
class Critic:
    """One critic of the GAN phase: its network, optimiser, objective and adversarial weight.

    `recent_gap` is its real-fake gap averaged over the last ~10 critic steps (an EMA, restarted
    from the first batch after a resume), which `--adv_gap_gate` reads.
    """

    name: str
    network: torch.nn.Module
    optimizer: torch.optim.Optimizer
    loss: AdversarialLoss
    weight: float
    recent_gap: float | None = None

    def gate(self, gap_gate: float) -> float:
        """The share of the fixed weight to use: 1 while the critic separates by `gap_gate` or more.

        Meant to stop the generator following a critic that no longer tells its output from
        real photos. Measured on seed 16 (docs/experiments.md), it did not prevent the ripples:
        the gap falls with them, not before them. Off by default.
        """
        if gap_gate <= 0 or self.recent_gap is None:
            return 1.0
        return min(1.0, max(0.0, self.recent_gap / gap_gate))


def build_critics(args: argparse.Namespace) -> list[tuple[str, torch.nn.Module, AdversarialLoss, float]]:
    """(name, network, objective, weight) for --discriminator and, beside it, the --feature_critic."""
    main_loss = AdversarialLoss(
        args.adversarial_loss,
        gp_weight=args.gp_weight,
        gp_every=args.gp_every,
        drift_weight=args.drift_weight,
    )
    critics = []
    if args.discriminator in ("srgan", "unet"):
        from_scratch = SRGANDiscriminator if args.discriminator == "srgan" else UNetDiscriminator
        critic = from_scratch(
            spectral_norm=args.spectral_norm, max_shift=args.critic_shift, highpass_sigma=args.critic_highpass
        )
        critics.append((args.discriminator, critic, main_loss, args.adv_weight))
    elif args.discriminator == "features":
        critics.append(("features", build_feature_critic(args), main_loss, args.adv_weight))
    if args.feature_critic:
        feature_loss = AdversarialLoss(
            args.feature_critic_loss,
            gp_weight=args.gp_weight,
            gp_every=args.gp_every,
            drift_weight=args.drift_weight,
        )
        critics.append(("features", build_feature_critic(args), feature_loss, args.feature_adv_weight))
    return critics


def build_train_loader(args: argparse.Namespace, scale: int, accelerator: Accelerator) -> DataLoader:
    """The training patches: a cached map-style dataset, or with --streaming a stream sharded per process."""
    first_order = {
        "first_order_probability": args.first_order_probability,
        "first_order_noise_probability": args.first_order_noise_probability,
        "first_order_jpeg_probability": args.first_order_jpeg_probability,
    }
    degradation = {
        "bicubic": lambda: Degradation(scale, args.blur_sigma),
        "realistic": lambda: RealisticDegradation(scale, **first_order),
        "realistic-light": lambda: RealisticDegradation.light(scale, **first_order),
    }[args.degradation]()
    sources = {"image_column": args.image_column, "hub_data_files": args.hub_data_files}
    if args.streaming:
        images = load_image_sources(args.train_data, streaming=True, **sources)
        images = split_dataset_by_node(images, accelerator.process_index, accelerator.num_processes)
        images = images.shuffle(seed=args.seed, buffer_size=args.shuffle_buffer)
        dataset = StreamingPatchDataset(images, args.patch_size, degradation, args.patches_per_image)
        accelerator.print(f"streaming {', '.join(args.train_data)}: {images.n_shards} shard(s) per process")
    else:

        def patch_dataset(images: datasets.Dataset) -> SRPatchDataset:
            return SRPatchDataset(
                images,
                patch_size=args.patch_size,
                degradation=degradation,
                samples_per_epoch=args.samples_per_epoch,
                cache=not args.no_cache,
                image_sampling=args.image_sampling,
                seed=args.seed,
                cache_file=args.cache_file,
            )

        with accelerator.main_process_first():
            images = load_image_sources(args.train_data, **sources)
            if args.cache_file:  # the main process decodes and writes it; the others map it after
                dataset = patch_dataset(images)
        if not args.cache_file:
            dataset = patch_dataset(images)
        accelerator.print(
            f"{len(dataset.indices)} training images ({dataset.skipped} smaller than the patch, "
            f"{len(dataset.bad_images)} unreadable: skipped)"
        )
        for problem in dataset.bad_images:
            accelerator.print(f"warning: unreadable training image {problem}")
    return DataLoader(
        dataset,
        batch_size=args.batch_size,
        shuffle=not args.streaming,
        drop_last=True,
        num_workers=args.num_workers,
        # Not persistent: workers restart each epoch with the dataset's new epoch (set_epoch).
        worker_init_fn=ignore_stop_signals,
    )


def setup_accelerator(args: argparse.Namespace) -> Accelerator:
    """Accelerate from the flags, seeded, with the CPU's threads, and the run's flags on disk."""
    output_dir = Path(args.output_dir)
    cpu = use_cpu(args)
    # Resolved before train_config.json is written: the record says which precision ran.
    args.mixed_precision = resolve_mixed_precision(
        args.mixed_precision, on_cpu=cpu or not torch.cuda.is_available()
    )
    accelerator = Accelerator(
        cpu=cpu,
        mixed_precision=args.mixed_precision,
        log_with=trackers(args.report_to),
        project_config=ProjectConfiguration(
            project_dir=str(output_dir), logging_dir=str(output_dir / "logs")
        ),
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
        step_scheduler_with_optimizer=False,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
    )
    set_seed(args.seed)
    if accelerator.device.type == "cpu":
        # `accelerate launch` sets OMP_NUM_THREADS=1; one CPU process should use the machine.
        torch.set_num_threads(args.num_threads or max(1, os.cpu_count() // accelerator.num_processes))
    if accelerator.is_main_process:
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / "train_config.json").write_text(json.dumps(vars(args), indent=2))
    accelerator.init_trackers(
        "hf_srgan", config={k: v for k, v in vars(args).items() if not isinstance(v, list)}
    )
    return accelerator


def build_generator(args: argparse.Namespace, memory_format: torch.memory_format) -> SRGenerator:
    if args.init_generator:
        generator = SRGenerator.from_pretrained(args.init_generator)
    else:
        generator = SRGenerator(scale=args.scale or 4, **PRESETS[args.model_preset or "wdrn"])
    return generator.train().to(memory_format=memory_format)


StepFn = Callable[[torch.Tensor, torch.Tensor, int], tuple[torch.Tensor, dict]]
CriticStepFn = Callable[[torch.Tensor, torch.Tensor], dict]


def pretrain_step_fn(
    args: argparse.Namespace, accelerator: Accelerator, generator: torch.nn.Module
) -> StepFn:
    """The PSNR phase: the pixel loss to HR, plus with --teacher the pixel loss to the teacher's output."""
    train_pixel_loss = pixel_loss(args.pixel_loss)
    teacher = None
    if args.teacher:
        teacher = (
            SRGenerator.from_pretrained(args.teacher).to(accelerator.device).eval().requires_grad_(False)
        )

    def pretrain_step(lr_batch: torch.Tensor, hr_batch: torch.Tensor, step: int) -> tuple[torch.Tensor, dict]:
        sr = generator(lr_batch).float()
        loss = train_pixel_loss(sr, hr_batch)
        if teacher is None:
            return loss, {}
        with torch.no_grad():
            target = teacher(lr_batch).float()
        distill = train_pixel_loss(sr, target)
        return loss + args.distill_weight * distill, {
            "pixel_loss": loss.item(),
            "distill_loss": distill.item(),
        }

    return pretrain_step


def gan_step_fn(
    args: argparse.Namespace,
    accelerator: Accelerator,
    generator: torch.nn.Module,
    ema_generator: torch.nn.Module,
    scale: int,
) -> tuple[StepFn, CriticStepFn | None]:
    """The GAN phase: content (+ pixel, grid, artefact) loss; with critics, their updates and pushes.

    Returns the training step and the critics' own update (None without a critic), which the
    critic warm-up runs alone. Each critic and its optimiser are prepared here, after the
    generator's, in the order every checkpoint of this script has them (the SRGAN critic first).

    On diagnostic steps (and every adaptive or kick-start step) the step also measures the
    gradient norm of the content loss and of each critic's weighted adversarial term at the
    generator's output conv: whether a run's adversarial push is drowned by the content loss.
    """
    try:
        content_loss = build_content_loss(args).to(accelerator.device)
        texture_loss = build_texture_loss(args).to(accelerator.device) if args.texture_weight > 0 else None
        built = build_critics(args)
    except (RuntimeError, ValueError) as err:
        raise SystemExit(f"error: {err}") from None
    train_pixel_loss = pixel_loss(args.pixel_loss)
    critics = []
    for name, network, objective, weight in built:
        network.to(memory_format=torch.channels_last if args.channels_last else torch.contiguous_format)
        trainable = [p for p in network.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(trainable, lr=args.critic_learning_rate, betas=(0.0, 0.9))
        network, optimizer = accelerator.prepare(network, optimizer)
        critics.append(Critic(name, network, optimizer, objective, weight))
    output_weight = accelerator.unwrap_model(generator).output_weight

    def output_grad_norm(term: torch.Tensor) -> torch.Tensor:
        (grad,) = torch.autograd.grad(term, output_weight, retain_graph=True)
        return grad.float().norm()

    def critic_step(lr_batch: torch.Tensor, hr_batch: torch.Tensor) -> dict:
        """`n_critic` updates of each critic on this batch's HR images and fresh SR images."""
        logs = {}
        for _ in range(args.n_critic):
            with torch.no_grad():
                fake = generator(lr_batch)
            for critic in critics:
                critic_loss = critic.loss.critic_loss(critic.network, hr_batch, fake)
                accelerator.backward(critic_loss)
                critic.optimizer.step()
                critic.optimizer.zero_grad(set_to_none=True)
                logs[f"critic_loss/{critic.name}"] = critic_loss.item()
                gap = critic.loss.real_fake_gap
                logs[f"gap/{critic.name}"] = gap
                critic.recent_gap = gap if critic.recent_gap is None else 0.9 * critic.recent_gap + 0.1 * gap
        return logs

    def gan_step(lr_batch: torch.Tensor, hr_batch: torch.Tensor, step: int) -> tuple[torch.Tensor, dict]:
        logs = critic_step(lr_batch, hr_batch) if critics else {}
        sr = generator(lr_batch)
        loss = args.content_weight * content_loss(sr.float(), hr_batch)
        if args.pixel_weight > 0:
            sr_band, hr_band = sr.float(), hr_batch
            if args.pixel_lowpass > 0:
                sr_band, hr_band = (
                    gaussian_lowpass(sr, args.pixel_lowpass),
                    gaussian_lowpass(hr_batch, args.pixel_lowpass),
                )
            loss = loss + args.pixel_weight * train_pixel_loss(sr_band, hr_band)
        if texture_loss is not None:
            loss = loss + args.texture_weight * texture_loss(sr.float(), hr_batch)
        if args.grid_weight > 0:
            loss = loss + args.grid_weight * grid_loss(sr, hr_batch, period=args.grid_period or scale)
        if args.artefact_weight > 0:
            with torch.no_grad(), accelerator.autocast():
                reference = ema_generator(lr_batch)
            artefacts = artefact_loss(sr, hr_batch, reference)
            logs["artefact_loss"] = artefacts.item()
            loss = loss + args.artefact_weight * artefacts
        logs["content_loss"] = loss.item()
        diagnose = args.diagnostics_every > 0 and step % args.diagnostics_every == 0
        kickstart = step <= args.adv_kickstart_steps
        adaptive = args.adaptive_adv_weight or kickstart
        measure = bool(critics) and (adaptive or diagnose)
        if measure:
            content_norm = output_grad_norm(loss)
            logs["grad/content"] = content_norm.item()
        for critic in critics:
            adv = critic.loss.generator_loss(critic.network(sr))
            weight = critic.weight
            if not adaptive and args.adv_gap_gate > 0:
                gate = critic.gate(args.adv_gap_gate)
                logs[f"adv_gate/{critic.name}"] = gate
                weight *= gate
            if measure:
                adv_norm = output_grad_norm(adv)
                if adaptive:  # VQGAN: lambda = share x |grad content| / |grad adv|, clamped
                    share = args.adv_kickstart_share if kickstart else critic.weight
                    weight = share * (content_norm / (adv_norm + 1e-12)).clamp(max=1e4).item()
                logs[f"grad/adv_{critic.name}"] = weight * adv_norm.item()
            logs[f"adv_loss/{critic.name}"] = adv.item()
            logs[f"adv_weight/{critic.name}"] = weight
            loss = loss + weight * adv
        return loss, logs

    return gan_step, critic_step if critics else None


def start_epoch(loader: DataLoader, epoch: int) -> None:
    """Reseed the epoch's shuffling and crops: on Accelerate's loader, or on a stream's dataset."""
    (loader if hasattr(loader, "set_epoch") else loader.dataset).set_epoch(epoch)


def warm_up_critic(
    args: argparse.Namespace,
    accelerator: Accelerator,
    loader: DataLoader,
    critic_step: CriticStepFn,
    memory_format: torch.memory_format,
) -> None:
    """Train the critic alone against the initial generator before the generator sees its scores.

    The idea tested: a critic from scratch gives the generator near-random gradients for its first
    few hundred steps, which might be why the texture a run learns depends so much on its seed
    (the wdrn-x4-gan card has the result). The warm-up runs once, on a fresh run only (a checkpoint
    already holds the warmed critic); it takes minutes, so it is not checkpointed itself: a stop
    during it is acted on at the first step.
    """
    done, epoch = 0, 0
    progress = tqdm(
        total=args.critic_warmup_steps, desc="critic warm-up", disable=not accelerator.is_local_main_process
    )
    while done < args.critic_warmup_steps:
        start_epoch(loader, epoch)
        for lr_batch, hr_batch in loader:
            logs = critic_step(
                lr_batch.to(accelerator.device, memory_format=memory_format), hr_batch.to(accelerator.device)
            )
            done += 1
            progress.update(1)
            if done >= args.critic_warmup_steps:
                break
        epoch += 1
    progress.close()
    losses = ", ".join(f"{k} {v:.4f}" for k, v in logs.items() if k.startswith("critic_loss"))
    accelerator.print(f"critic warm-up: {done} steps, last {losses}")


def evaluate(
    accelerator: Accelerator,
    generator: torch.nn.Module,
    benchmarks: dict,
    args: argparse.Namespace,
    run: RunRecord,
) -> None:
    """Validate, append to the run's history, log to the trackers and print one line."""
    results = validate(accelerator, generator, benchmarks, generator.scale, args.val_niqe)
    run.history.append({"step": run.step, **results})
    accelerator.log({f"val/{k}/psnr": v["psnr"] for k, v in results.items()}, step=run.step)
    accelerator.log({f"val/{k}/niqe": v["niqe"] for k, v in results.items() if "niqe" in v}, step=run.step)
    if accelerator.is_main_process:  # tqdm.write keeps the line off the progress bar
        tqdm.write(
            f"step {run.step}: "
            + ", ".join(
                f"{k} {v['psnr']:.2f} dB" + (f" NIQE {v['niqe']:.2f}" if "niqe" in v else "")
                for k, v in results.items()
            )
        )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    output_dir = Path(args.output_dir)
    accelerator = setup_accelerator(args)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format

    # Models. The EMA copy of the generator is what gets evaluated and exported.
    generator = build_generator(args, memory_format)
    scale = generator.scale  # the one scale degradation, validation and export all use
    ema = AveragedModel(generator, avg_fn=ema_average(args.ema_decay), use_buffers=True)
    ema.to(accelerator.device).module.eval()
    optimizer = torch.optim.Adam(generator.parameters(), lr=args.learning_rate, betas=(0.9, 0.99))
    schedule = lr_factor(args.warmup_steps, args.max_steps, args.lr_schedule, tuple(args.lr_milestones))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    generator, optimizer, scheduler = accelerator.prepare(generator, optimizer, scheduler)
    train_step, critic_step = (
        gan_step_fn(args, accelerator, generator, ema.module, scale)
        if args.phase == "gan"
        else (pretrain_step_fn(args, accelerator, generator), None)
    )

    # Data. A stream is already split per process, so Accelerate must not shard or dispatch it again.
    loader = build_train_loader(args, scale, accelerator)
    if not args.streaming:
        loader = accelerator.prepare(loader)
    steps_per_epoch = None if args.streaming else len(loader)
    benchmarks = {Path(folder).name: load_benchmark(folder, scale) for folder in args.val_data}

    # Resume: model, optimisers, scheduler, EMA and RNG states come back through load_state.
    run = resume(accelerator, output_dir, args.resume_from_checkpoint, ema)
    samples_per_step = args.batch_size * accelerator.num_processes * args.gradient_accumulation_steps

    def checkpoint() -> None:
        save_checkpoint(accelerator, output_dir, run.state(samples_per_step), ema, args.keep_checkpoints)

    signals = TrainingSignals()
    if benchmarks and not run.history:
        evaluate(accelerator, ema.module, benchmarks, args, run)  # the baseline later ones compare with
    if critic_step is not None and args.critic_warmup_steps > 0 and not run.resumed:
        warm_up_critic(args, accelerator, loader, critic_step, memory_format)

    progress = tqdm(total=args.max_steps, initial=run.step, disable=not accelerator.is_local_main_process)
    stopping = signals.stop_requested  # a signal during start-up
    while run.step < args.max_steps and not stopping:
        # Resume mid-epoch: skip the batches (micro-batches when accumulating) already trained on.
        # A stream has no epochs to count: each pass reshuffles, seeded by the step it starts at.
        epoch, skip = divmod(run.step * args.gradient_accumulation_steps, steps_per_epoch or 1)
        start_epoch(loader, epoch)
        epoch_loader = accelerator.skip_first_batches(loader, skip) if steps_per_epoch and skip else loader
        # Mid-epoch, the first batch draws the epoch's shuffling seed from the global RNG once more,
        # a draw the checkpoint's RNG state already holds: restore it after that batch, or every
        # random crop and shift after a resume would differ from the uninterrupted run's.
        rng_state = torch.get_rng_state() if skip else None
        for lr_batch, hr_batch in epoch_loader:
            if rng_state is not None:
                torch.set_rng_state(rng_state)
                rng_state = None
            lr_batch = lr_batch.to(accelerator.device, memory_format=memory_format)
            hr_batch = hr_batch.to(accelerator.device)
            with accelerator.accumulate(generator):
                loss, logs = train_step(lr_batch, hr_batch, run.step + 1)
                # Processes must agree on skipping and stopping, or their collectives would deadlock:
                # one all-reduce per batch shares both flags (a signal may reach them at different steps).
                flags = torch.tensor(
                    [float(not torch.isfinite(loss)), float(signals.stop_requested)], device=loss.device
                )
                bad, stopping = (accelerator.reduce(flags, "sum") > 0).tolist()
                if bad:
                    run.count_non_finite(args.max_nan_steps)
                    continue
                run.nan_streak = 0
                accelerator.backward(loss)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(generator.parameters(), args.max_grad_norm)
                optimizer.step()  # a no-op until the last batch of an accumulation window
                optimizer.zero_grad(set_to_none=True)
            if not accelerator.sync_gradients and not stopping:
                continue
            scheduler.step()
            ema.update_parameters(accelerator.unwrap_model(generator))
            run.step += 1
            progress.update(1)
            run.last_loss = loss.item()
            logs.update(loss=run.last_loss, lr=scheduler.get_last_lr()[0], nan_steps=run.nan_total)
            progress.set_postfix(loss=f"{run.last_loss:.4f}")
            accelerator.log(logs, step=run.step)
            diagnostic_step = args.diagnostics_every and run.step % args.diagnostics_every == 0
            if diagnostic_step and "grad/content" in logs and accelerator.is_main_process:
                with open(output_dir / "diagnostics.jsonl", "a") as diagnostics:
                    diagnostics.write(json.dumps({"step": run.step, **logs}) + "\n")

            if benchmarks and run.step % args.eval_every == 0:
                evaluate(accelerator, ema.module, benchmarks, args, run)
            if benchmarks and run.step % args.sample_every == 0 and accelerator.is_main_process:
                first = next(iter(benchmarks.values()))[0]
                sample_path = output_dir / "samples" / f"step_{run.step:07d}.png"
                strip = save_sample(sample_path, ema.module, first, scale, accelerator.device)
                log_sample(accelerator, strip, run.step)
            if signals.take_export_request():
                export(accelerator, args, ema.module, run.history)
            if run.step % args.checkpoint_every == 0 or stopping:
                checkpoint()
            if run.step >= args.max_steps or stopping:
                break
    progress.close()

    if stopping:
        accelerator.print(f"stopped by signal at step {run.step}; resume: --resume_from_checkpoint latest")
        if not checkpoint_dirs(output_dir) or checkpoint_dirs(output_dir)[-1].name != f"step_{run.step}":
            checkpoint()  # stopped before the first step
        accelerator.end_training()
        return

    if benchmarks and (not run.history or run.history[-1]["step"] != run.step):
        evaluate(accelerator, ema.module, benchmarks, args, run)
    checkpoint()
    export(accelerator, args, ema.module, run.history)
    accelerator.end_training()


def export(accelerator: Accelerator, args: argparse.Namespace, generator: SRGenerator, history: list) -> None:
    """Write the EMA generator with `save_pretrained` (and push it) with the validation table."""
    if not accelerator.is_main_process:
        return
    final_dir = Path(args.output_dir) / "final"
    steps = history[-1]["step"] if history else args.max_steps
    name = args.hub_model_id or Path(args.output_dir).name
    card = {
        "model_name": name,
        "description": f"Trained with `train_accelerate.py --phase {args.phase}` for {steps} steps.",
        "base_model": hub_base_model(args.init_generator),
        "datasets": [source for source in args.train_data if not os.path.isdir(source)],
    }
    if history:
        rows = {
            f"step {h['step']}": {k: v for k, v in h.items() if k != "step"}
            for h in (history[0], history[-1])
        }
        card["eval_table"] = (
            "Validation during training (Y-channel PSNR dB / SSIM [/ NIQE], shave 4):\n\n"
            + format_table(rows)
        )
        last = {k: v for k, v in history[-1].items() if k != "step"}
        card["eval_results"] = eval_results({name: last}, name)
    # Written beside final/ and swapped in, so a kill mid-export leaves the previous export whole.
    staging = final_dir.with_name("final.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    generator.save_pretrained(staging, model_card_kwargs=card)
    (staging / "training_history.json").write_text(json.dumps(history, indent=2))
    replace_folder(staging, final_dir)
    accelerator.print(f"exported the EMA generator to {final_dir}")
    if args.push_to_hub:
        try:
            generator.push_to_hub(args.hub_model_id, model_card_kwargs={**card, "repo_id": args.hub_model_id})
        except Exception as err:  # network, token, permissions: the export above is already on disk
            repo = args.hub_model_id
            raise SystemExit(
                f"push to {repo} failed ({type(err).__name__}: {str(err).splitlines()[0]}); "
                f"the model is saved in {final_dir}: upload it with `hf upload {repo} {final_dir}`"
            ) from err


if __name__ == "__main__":
    main()
