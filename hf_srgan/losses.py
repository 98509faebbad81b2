"""Training losses: pixel, perceptual and texture (pretrained features), WGAN-GP, hinge and BCE."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hf_srgan.models.features import random_shift_crop


def pixel_loss(kind: str) -> nn.Module:
    """L1 (sharper, the PSNR-training default since EDSR) or MSE (the SRResNet paper)."""
    losses = {"l1": nn.L1Loss, "mse": nn.MSELoss}
    if kind not in losses:
        raise ValueError(f"pixel loss must be one of {list(losses)}, got {kind!r}")
    return losses[kind]()


class FeatureLoss(nn.Module):
    """Compares SR and HR images through a frozen extractor's ``{layer: tensor}`` features.

    ``max_shift`` > 1 cuts both images at a random common offset each call (see
    `random_shift_crop`), which keeps strided backbones from imprinting a grid.
    """

    def __init__(self, features: nn.Module, layer_weights: dict[str, float], max_shift: int = 0) -> None:
        super().__init__()
        missing = set(layer_weights) - set(features.layers)
        if missing:
            raise ValueError(
                f"the feature extractor does not return {sorted(missing)}; it returns {list(features.layers)}"
            )
        self.features = features
        self.layer_weights = dict(layer_weights)
        self.max_shift = max_shift

    def feature_pairs(self, sr: torch.Tensor, hr: torch.Tensor) -> tuple[dict, dict]:
        """SR features (differentiable) and HR features (constant) at one random offset."""
        sr, hr = random_shift_crop(sr, hr, max_shift=self.max_shift)
        with torch.no_grad():
            hr_features = self.features(hr)
        return self.features(sr), hr_features


class PerceptualLoss(FeatureLoss):
    """Weighted distance between pretrained-network features of SR and HR images (Johnson et al.).

    `features` is any frozen extractor returning ``{layer: tensor}`` (see
    `hf_srgan.models.features`). SRGAN's "VGG54" is VGG19 ``{"relu5_4": 1.0}`` with MSE; ESRGAN's
    is the pre-activation ``{"conv5_4": 1.0}`` with L1. On EfficientNet-Lite0 the stage outputs
    are pre-activation already.
    """

    def __init__(
        self, features: nn.Module, layer_weights: dict[str, float], criterion: str = "l1", max_shift: int = 0
    ) -> None:
        super().__init__(features, layer_weights, max_shift)
        self.criterion = pixel_loss(criterion)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        sr_features, hr_features = self.feature_pairs(sr, hr)
        return sum(
            w * self.criterion(sr_features[k].float(), hr_features[k].float())
            for k, w in self.layer_weights.items()
        )


def patch_gram(features: torch.Tensor, patch: int) -> torch.Tensor:
    """Gram matrices of non-overlapping ``patch`` x ``patch`` windows: (N * windows, C, C).

    Each entry is the mean over the window of the product of two channels: which features occur
    together there, whatever their arrangement. That is a texture's statistics (Gatys et al.).
    """
    n, c, h, w = features.shape
    windows = F.unfold(features, patch, stride=patch)  # (N, C * patch^2, windows)
    windows = windows.reshape(n, c, patch * patch, -1).permute(0, 3, 1, 2).reshape(-1, c, patch * patch)
    return windows @ windows.transpose(1, 2) / (patch * patch)


class TextureLoss(FeatureLoss):
    """EnhanceNet's texture loss (Sajjadi et al., 2017): match patch-wise feature Gram matrices.

    A pixel or feature distance rewards the mean of all plausible textures, which is a blur; a
    critic rewards realism only as reliably as the adversarial game goes (here its result depended
    mostly on the seed). Matching the Gram matrices of each ``patch_px`` x ``patch_px`` window asks
    for the same local feature statistics as the HR image, not the same pixels, which pushes
    towards texture deterministically. Windows are ``patch_px`` image pixels wide at every layer
    (fewer feature pixels in deeper layers), as in EnhanceNet, and Gram matrices are compared
    with L1. Use ``max_shift``: on a fixed grid, the windows and the stride-2 stem taught a
    visible block lattice within 500 steps.
    """

    def __init__(
        self, features: nn.Module, layer_weights: dict[str, float], patch_px: int = 16, max_shift: int = 0
    ) -> None:
        super().__init__(features, layer_weights, max_shift)
        self.patch_px = patch_px

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        sr_features, hr_features = self.feature_pairs(sr, hr)
        loss = sr.new_zeros((), dtype=torch.float32)
        for name, weight in self.layer_weights.items():
            stride = max(1, sr.shape[-1] // sr_features[name].shape[-1])
            patch = max(1, self.patch_px // stride)
            grams = (patch_gram(f[name].float(), patch) for f in (sr_features, hr_features))
            loss = loss + weight * F.l1_loss(*grams)
        return loss


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP term E[(||grad_x D(x)||_2 - 1)^2] on random interpolates of real and fake (Gulrajani 2017)."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(interpolates)
    scores = scores.reshape(len(scores), -1).mean(dim=1)  # a per-pixel critic: its image mean
    (grads,) = torch.autograd.grad(scores.sum(), interpolates, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


class AdversarialLoss:
    """The critic and generator objectives of a GAN, on raw critic scores (no sigmoid in the critic).

    ``"wgan-gp"``: critic minimises E[D(fake)] - E[D(real)] + gp_weight * GP; generator
    minimises -E[D(fake)]; ``gp_every`` > 1 applies the penalty lazily, every that many critic
    steps with that much more weight, which saves most of its double backward through a deep
    critic (Karras et al. 2020). The Wasserstein objective does not care where the scores sit,
    so without an anchor they drift together: a from-scratch SRGAN critic reached scores of
    867,000 by step 2,000 here, where bf16 has a resolution of 4,096 and every image scored the
    same, so the generator trained on rounding noise and grew a lattice. ``drift_weight`` adds
    ProGAN's ``drift_weight * E[D(real)^2]`` (Karras et al. 2018) to hold them near zero.
    ``"hinge"`` (Projected GAN, BigGAN): critic minimises
    E[relu(1 - D(real))] + E[relu(1 + D(fake))], generator -E[D(fake)]. ``"bce"``: the SRGAN
    paper's loss with ``BCEWithLogits`` on the same scores (identical to sigmoid + BCE).
    """

    KINDS = ("wgan-gp", "hinge", "bce")

    def __init__(
        self, kind: str = "wgan-gp", gp_weight: float = 10.0, gp_every: int = 1, drift_weight: float = 1e-3
    ) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"adversarial loss must be one of {self.KINDS}, got {kind!r}")
        self.kind = kind
        self.gp_weight = gp_weight
        self.gp_every = gp_every
        self.drift_weight = drift_weight
        self.calls = 0
        self.real_fake_gap = float("nan")

    def critic_loss(self, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        fake = fake.detach()
        real_scores, fake_scores = critic(real), critic(fake)
        # How far apart the critic holds real and fake: the first thing to look at when a run
        # gets no texture (a critic that does not separate cannot push the generator anywhere).
        self.real_fake_gap = (real_scores.float().mean() - fake_scores.float().mean()).item()
        if self.kind == "bce":
            return F.binary_cross_entropy_with_logits(
                real_scores, torch.ones_like(real_scores)
            ) + F.binary_cross_entropy_with_logits(fake_scores, torch.zeros_like(fake_scores))
        if self.kind == "hinge":
            return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()
        wasserstein = fake_scores.mean() - real_scores.mean()
        wasserstein = wasserstein + self.drift_weight * real_scores.float().pow(2).mean()
        self.calls += 1
        if (self.calls - 1) % self.gp_every:
            return wasserstein
        # Lazy regularisation (StyleGAN2): the penalty every gp_every-th step, weighted gp_every times.
        return wasserstein + self.gp_every * self.gp_weight * gradient_penalty(critic, real, fake)

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        if self.kind == "bce":
            return F.binary_cross_entropy_with_logits(fake_scores, torch.ones_like(fake_scores))
        return -fake_scores.mean()


def grid_loss(sr: torch.Tensor, hr: torch.Tensor, period: int = 4, window: int | None = None) -> torch.Tensor:
    """How much of the SR error repeats with the upsampler's period: the checkerboard/grid artefact.

    A 4x generator fills each LR pixel's 4x4 output block from the same features, so its cheapest
    fake texture is a lattice of period 4. Split the error ``sr - hr`` into its ``period**2``
    polyphase components (every 4th pixel at each of the 16 offsets), average each over a
    `window` x `window` neighbourhood of blocks, and penalise how much these local means differ
    between offsets. A lattice differs by offset by construction; texture that is not
    phase-locked (natural or invented) averages out, so the adversarial and perceptual terms
    keep their freedom to add detail. The default window (8 blocks, 32 px at 4x) separated a
    fine-tuned model with a visible grid from `wdrn-x4` by 1.7x on training patches where a
    4-block window gave 1.3x. Without `window`, it spans 32 px whatever the period, so period 8
    (which also catches every period-4 pattern) compares 4x4 blocks: the SRGAN critic's three
    stride-2 convs make its gradients, and the blotches they teach, repeat every 8 px.
    """
    window = window or max(2, 32 // period)
    n, c, h, w = sr.shape
    h, w = h // period * period, w // period * period
    error = (sr[..., :h, :w] - hr[..., :h, :w]).float()
    phases = error.reshape(n, c, h // period, period, w // period, period).permute(0, 1, 3, 5, 2, 4)
    phases = phases.reshape(n, c * period * period, h // period, w // period)
    local = F.avg_pool2d(phases, window, stride=1).reshape(n, c, period * period, -1)
    return (local - local.mean(dim=2, keepdim=True)).abs().mean()


def artefact_map(
    sr: torch.Tensor, hr: torch.Tensor, reference: torch.Tensor, kernel: int = 7
) -> torch.Tensor:
    """LDL's map of GAN artefacts (Liang et al., "Details or Artifacts", CVPR 2022), a constant.

    A GAN fine-tune at our batch sizes passes through ripples that come and go from step to step;
    realistic texture is more stable, so the EMA of the generator keeps it. LDL therefore marks the
    pixels where the current output's error is larger than the reference's (the EMA model's output)
    and locally busy: the error's variance in a `kernel` x `kernel` window, scaled by the patch's
    whole error variance to the power 1/5 (LDL's values). Elsewhere the map is zero, leaving
    texture to the critics.
    """
    with torch.no_grad():
        error = (hr - sr).abs().sum(1, keepdim=True).float()
        reference_error = (hr - reference).abs().sum(1, keepdim=True).float()
        padded = F.pad(error, [kernel // 2] * 4, mode="reflect")
        mean = F.avg_pool2d(padded, kernel, stride=1)
        n = kernel * kernel
        local_variance = (
            (F.avg_pool2d(padded * padded, kernel, stride=1) - mean * mean).clamp(min=0) * n / (n - 1)
        )
        patch_variance = error.var(dim=(1, 2, 3), keepdim=True)
        weight = patch_variance**0.2 * local_variance
        return weight.masked_fill(error <= reference_error, 0.0)


def artefact_loss(
    sr: torch.Tensor, hr: torch.Tensor, reference: torch.Tensor, kernel: int = 7
) -> torch.Tensor:
    """L1 between SR and HR where `artefact_map` marks artefacts: what LDL adds to the GAN losses."""
    weight = artefact_map(sr.detach(), hr, reference, kernel)
    return F.l1_loss(weight * sr.float(), weight * hr.float())
