"""Seconds per GAN generator step for each training variant, and the share spent in the frozen network.

    python benchmarks/gan_step.py                      # WDRN, batch 4, 96 px HR patches, fp32 and bf16
    python benchmarks/gan_step.py --batch 8 --steps 5 --precisions bf16

Variants, as `train_accelerate.py --phase gan` runs them (0.01 x EfficientNet-Lite0 perceptual
loss on stages 2/3/5/7 + L1 + 20 x grid loss in all three):
(a) content loss alone (`--discriminator none`), (b) + the SRGAN conv critic trained from
scratch, (b) + EnhanceNet's texture loss (`--texture_weight 1e-3`: Gram matrices of 16 px
windows on stages 1-3, its own extractor cut after stage 3), (c) + the transfer-learning critic
on frozen EfficientNet-Lite0 features (input enlarged 2x), critics WGAN-GP with the lazy penalty
every 4th critic step (`--gp_every 4`), one critic step per generator step. A step is the critic
update plus the generator update.

The frozen network's share is measured, not guessed: its forward (no grad) and forward+backward
(to the input) are timed alone on the same batch and size and multiplied by the passes each
variant makes (perceptual: 1 + 1 at 1x; texture: the same, up to stage 3; feature critic at 2x:
2 forward on real/fake, 1 forward+backward for the generator, and a quarter of the penalty's
forward + double backward, counted as 2 forward+backward).
"""

from __future__ import annotations

import argparse
import time

import torch

from hf_srgan.losses import AdversarialLoss, PerceptualLoss, TextureLoss, grid_loss
from hf_srgan.models import FeatureDiscriminator, SRGANDiscriminator, SRGenerator, build_feature_extractor

LAYERS = ("stage2", "stage3", "stage5", "stage7")
TEXTURE_LAYERS = ("stage1", "stage2", "stage3")


def timed(fn, steps: int) -> float:
    """Mean seconds per call, after one warm-up call."""
    fn()
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps


def gan_step_fn(variant: str, batch: int, patch: int, bf16: bool):
    generator = SRGenerator().train().to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(generator.parameters(), 1e-4)
    features = build_feature_extractor("efficientnet_lite0", LAYERS)
    perceptual = PerceptualLoss(features, dict.fromkeys(LAYERS, 0.25), max_shift=16)
    texture = None
    if variant == "srgan-texture":
        texture_features = build_feature_extractor("efficientnet_lite0", TEXTURE_LAYERS)
        texture = TextureLoss(texture_features, dict.fromkeys(TEXTURE_LAYERS, 1 / 3), max_shift=16)
    critic = None
    if variant in ("srgan", "srgan-texture"):
        critic = SRGANDiscriminator()
    elif variant == "features":
        features = build_feature_extractor("efficientnet_lite0", LAYERS, upsample=2)
        critic = FeatureDiscriminator(features, max_shift=16)
    if critic is not None:
        critic = critic.train().to(memory_format=torch.channels_last)
        critic_optimizer = torch.optim.Adam([p for p in critic.parameters() if p.requires_grad], 1e-4)
    adversarial = AdversarialLoss("wgan-gp", gp_every=4)
    lr = torch.rand(batch, 3, patch // 4, patch // 4).contiguous(memory_format=torch.channels_last)
    hr = torch.rand(batch, 3, patch, patch)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            if critic is not None:
                with torch.no_grad():
                    fake = generator(lr)
                critic_loss = adversarial.critic_loss(critic, hr, fake)
                critic_optimizer.zero_grad()
                critic_loss.backward()
                critic_optimizer.step()
            sr = generator(lr)
            sr32 = sr.float()
            loss = 0.01 * perceptual(sr32, hr) + (sr32 - hr).abs().mean() + 20 * grid_loss(sr32, hr)
            if texture is not None:
                loss = loss + 1e-3 * texture(sr32, hr)
            if critic is not None:
                loss = loss + 5e-3 * adversarial.generator_loss(critic(sr))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def frozen_network_seconds(variant: str, batch: int, patch: int, bf16: bool, steps: int) -> float:
    seconds = frozen_passes_seconds(LAYERS, 1, (1, 1), batch, patch, bf16, steps)  # the perceptual loss
    if variant == "srgan-texture":
        seconds += frozen_passes_seconds(TEXTURE_LAYERS, 1, (1, 1), batch, patch, bf16, steps)
    if variant == "features":
        seconds += frozen_passes_seconds(LAYERS, 2, (2, 1.5), batch, patch, bf16, steps)
    return seconds


def frozen_passes_seconds(
    layers: tuple[str, ...],
    upsample: int,
    passes: tuple[float, float],
    batch: int,
    patch: int,
    bf16: bool,
    steps: int,
) -> float:
    """Seconds of `passes` = (forwards, forwards+backwards) of the frozen network at `upsample`."""
    features = build_feature_extractor("efficientnet_lite0", layers, upsample=upsample)
    x = torch.rand(batch, 3, patch, patch)

    def forward() -> None:
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            features(x)

    def forward_backward() -> None:
        y = x.clone().requires_grad_(True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            total = sum(f.float().mean() for f in features(y).values())
        total.backward()

    return passes[0] * timed(forward, steps) + passes[1] * timed(forward_backward, steps)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--patch", type=int, default=96, help="HR patch side")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--precisions", nargs="+", choices=["fp32", "bf16"], default=["fp32", "bf16"])
    args = parser.parse_args()
    print(
        f"# WDRN, batch {args.batch}, {args.patch} px HR, {torch.get_num_threads()} threads, "
        f"torch {torch.__version__}"
    )
    print("| variant | precision | s / generator step | x (a) same precision | frozen network share |")
    print("|---|---|---|---|---|")
    names = {
        "none": "(a) perceptual only",
        "srgan": "(b) + SRGAN critic",
        "srgan-texture": "(b) + texture loss",
        "features": "(c) + feature critic",
    }
    for precision in args.precisions:
        bf16 = precision == "bf16"
        baseline = None
        for variant in names:
            torch.manual_seed(0)
            seconds = timed(gan_step_fn(variant, args.batch, args.patch, bf16), args.steps)
            baseline = baseline or seconds
            share = frozen_network_seconds(variant, args.batch, args.patch, bf16, args.steps) / seconds
            ratio = seconds / baseline
            print(
                f"| {names[variant]} | {precision} | {seconds:.2f} | {ratio:.2f} | {share:.0%} |", flush=True
            )


if __name__ == "__main__":
    main()
