"""Critics for adversarial training.

Both return one unbounded score per image (no sigmoid): that is what a Wasserstein critic needs,
and the BCE option applies ``BCEWithLogits`` on the same scores. They accept any input size
because the last layers are 1x1 convs averaged over space. No batch norm, since the WGAN-GP
gradient penalty is defined per sample; spectral norm is optional.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

from hf_srgan.models.vgg import DEFAULT_VGG_WEIGHTS, VGG19Features


def _conv(in_ch: int, out_ch: int, kernel: int, stride: int, spectral_norm: bool) -> nn.Conv2d:
    conv = nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2)
    return _spectral_norm(conv) if spectral_norm else conv


def _score_head(in_ch: int, hidden: int, spectral_norm: bool) -> nn.Sequential:
    """Per-location dense layers (1x1 convs) whose scores are averaged: a size-agnostic critic head."""
    return nn.Sequential(
        _conv(in_ch, hidden, 1, 1, spectral_norm),
        nn.LeakyReLU(0.2),
        _conv(hidden, 1, 1, 1, spectral_norm),
    )


class SRGANDiscriminator(nn.Module):
    """The SRGAN critic: 8 3x3 convs 64->512 (every other one strided), LeakyReLU, dense head."""

    def __init__(self, base_channels: int = 64, spectral_norm: bool = False) -> None:
        super().__init__()
        widths = [base_channels * m for m in (1, 1, 2, 2, 4, 4, 8, 8)]
        layers: list[nn.Module] = []
        in_ch = 3
        for i, out_ch in enumerate(widths):
            layers += [_conv(in_ch, out_ch, 3, 1 + i % 2, spectral_norm), nn.LeakyReLU(0.2)]
            in_ch = out_ch
        self.features = nn.Sequential(*layers)
        self.head = _score_head(in_ch, 2 * in_ch, spectral_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).mean(dim=(1, 2, 3))


class VGGFeatureDiscriminator(nn.Module):
    """Frozen VGG19 features followed by a small trainable conv critic."""

    def __init__(
        self,
        layer: str = "relu4_4",
        vgg_weights: str | None = DEFAULT_VGG_WEIGHTS,
        hidden: int = 256,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        self.layer = layer
        self.vgg = VGG19Features((layer,), weights=vgg_weights)
        in_ch = [m for m in self.vgg.features if isinstance(m, nn.Conv2d)][-1].out_channels
        self.head = nn.Sequential(
            _conv(in_ch, hidden, 3, 1, spectral_norm),
            nn.LeakyReLU(0.2),
            _conv(hidden, hidden, 3, 2, spectral_norm),
            nn.LeakyReLU(0.2),
            _score_head(hidden, hidden, spectral_norm),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.vgg(x)[self.layer]).mean(dim=(1, 2, 3))
