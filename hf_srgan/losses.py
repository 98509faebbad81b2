"""Training losses: pixel, VGG perceptual, WGAN-GP and the SRGAN paper's BCE adversarial loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hf_srgan.models.vgg import VGG19Features


def pixel_loss(kind: str) -> nn.Module:
    """L1 (sharper, the PSNR-training default since EDSR) or MSE (the SRResNet paper)."""
    losses = {"l1": nn.L1Loss, "mse": nn.MSELoss}
    if kind not in losses:
        raise ValueError(f"pixel loss must be one of {list(losses)}, got {kind!r}")
    return losses[kind]()


class PerceptualLoss(nn.Module):
    """Weighted distance between VGG19 activations of SR and HR images (Johnson et al., SRGAN).

    SRGAN's "VGG54" content loss is ``layer_weights={"relu5_4": 1.0}``. Activations are
    compared with MSE (as in SRGAN) or L1.
    """

    def __init__(self, vgg: VGG19Features, layer_weights: dict[str, float], criterion: str = "mse") -> None:
        super().__init__()
        missing = set(layer_weights) - set(vgg.layers)
        if missing:
            raise ValueError(f"the VGG extractor does not return {sorted(missing)}")
        self.vgg = vgg
        self.layer_weights = dict(layer_weights)
        self.criterion = pixel_loss(criterion)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        sr_features = self.vgg(sr)
        with torch.no_grad():
            hr_features = self.vgg(hr)
        return sum(w * self.criterion(sr_features[k], hr_features[k]) for k, w in self.layer_weights.items())


def gradient_penalty(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP term E[(||grad_x D(x)||_2 - 1)^2] on random interpolates of real and fake (Gulrajani 2017)."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(interpolates)
    (grads,) = torch.autograd.grad(scores.sum(), interpolates, create_graph=True)
    return ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


class AdversarialLoss:
    """The critic and generator objectives of a GAN, on raw critic scores (no sigmoid in the critic).

    ``"wgan-gp"``: critic minimises E[D(fake)] - E[D(real)] + gp_weight * GP; generator
    minimises -E[D(fake)]. ``"bce"``: the SRGAN paper's loss with ``BCEWithLogits`` on the
    same scores (numerically stable, identical to sigmoid + BCE).
    """

    KINDS = ("wgan-gp", "bce")

    def __init__(self, kind: str = "wgan-gp", gp_weight: float = 10.0) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"adversarial loss must be one of {self.KINDS}, got {kind!r}")
        self.kind = kind
        self.gp_weight = gp_weight

    def critic_loss(self, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        fake = fake.detach()
        real_scores, fake_scores = critic(real), critic(fake)
        if self.kind == "bce":
            return F.binary_cross_entropy_with_logits(
                real_scores, torch.ones_like(real_scores)
            ) + F.binary_cross_entropy_with_logits(fake_scores, torch.zeros_like(fake_scores))
        wasserstein = fake_scores.mean() - real_scores.mean()
        return wasserstein + self.gp_weight * gradient_penalty(critic, real, fake)

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        if self.kind == "bce":
            return F.binary_cross_entropy_with_logits(fake_scores, torch.ones_like(fake_scores))
        return -fake_scores.mean()
