"""Critics for adversarial training.

They return unbounded scores (no sigmoid): that is what a Wasserstein critic needs, and the BCE
option applies ``BCEWithLogits`` on the same scores. `SRGANDiscriminator` and
`FeatureDiscriminator` give one score per image (1x1 conv heads averaged over space, so any input
size works); `UNetDiscriminator` gives one per pixel. No batch norm, since the WGAN-GP gradient
penalty is defined per sample; spectral norm is optional. `SRGANDiscriminator` and
`UNetDiscriminator` learn from scratch; `FeatureDiscriminator` builds on a frozen ImageNet network
(transfer learning).
"""

from __future__ import annotations

from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

from hf_srgan.augment import diff_augment
from hf_srgan.degradations import gaussian_lowpass
from hf_srgan.models.features import feature_channels, random_shift_crop


def _conv(in_ch: int, out_ch: int, kernel: int, stride: int, spectral_norm: bool) -> nn.Conv2d:
    conv = nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2)
    return _spectral_norm(conv) if spectral_norm else conv


def _conv_down(in_ch: int, out_ch: int, spectral_norm: bool) -> nn.Conv2d:
    """A 4x4 stride-2 conv: halves any even size exactly (a 3x3 one would need odd padding)."""
    conv = nn.Conv2d(in_ch, out_ch, 4, stride=2, padding=1, bias=False)
    return _spectral_norm(conv) if spectral_norm else conv


def _score_head(in_ch: int, hidden: int, spectral_norm: bool) -> nn.Sequential:
    """Per-location dense layers (1x1 convs) whose scores are averaged: a size-agnostic critic head."""
    return nn.Sequential(
        _conv(in_ch, hidden, 1, 1, spectral_norm),
        nn.LeakyReLU(0.2),
        _conv(hidden, 1, 1, 1, spectral_norm),
    )


def _high_band(x: torch.Tensor, sigma: float, grey: float = 0.0) -> torch.Tensor:
    """The image minus its Gaussian blur of `sigma` px (FSSR's high band), plus `grey`, in x's dtype."""
    return (x - gaussian_lowpass(x, sigma) + grey).to(x.dtype)


class _ScratchCritic(nn.Module):
    """A critic trained from scratch: in training it sees the input at a random offset below
    `max_shift` (`random_shift_crop`), and with `highpass_sigma` only the high band."""

    def __init__(self, max_shift: int, highpass_sigma: float) -> None:
        super().__init__()
        self.max_shift = max_shift
        self.highpass_sigma = highpass_sigma

    def view(self, x: torch.Tensor) -> torch.Tensor:
        (x,) = random_shift_crop(x, max_shift=self.max_shift if self.training else 0)
        if self.highpass_sigma > 0:
            x = _high_band(x, self.highpass_sigma)
        return x


class SRGANDiscriminator(_ScratchCritic):
    """The SRGAN critic: 8 3x3 convs 64->512 (every other one strided), LeakyReLU, dense head.

    Its three stride-2 convs see the image on an 8-px grid, and a generator trained against it
    learns blotches that repeat every 8 px. With `max_shift` each call in training mode sees the
    input at a random offset (`random_shift_crop`), so no grid position is special.

    With `highpass_sigma` it sees only the image minus its Gaussian blur (FSSR's frequency
    separation): it cannot score colour or shading, which the pixel loss already fixes, and judges
    texture alone.
    """

    def __init__(
        self,
        base_channels: int = 64,
        spectral_norm: bool = False,
        max_shift: int = 0,
        highpass_sigma: float = 0.0,
    ) -> None:
        super().__init__(max_shift, highpass_sigma)
        widths = [base_channels * m for m in (1, 1, 2, 2, 4, 4, 8, 8)]
        layers: list[nn.Module] = []
        in_ch = 3
        for i, out_ch in enumerate(widths):
            layers += [_conv(in_ch, out_ch, 3, 1 + i % 2, spectral_norm), nn.LeakyReLU(0.2)]
            in_ch = out_ch
        self.features = nn.Sequential(*layers)
        self.head = _score_head(in_ch, 2 * in_ch, spectral_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.view(x)
        return self.head(self.features(x)).mean(dim=(1, 2, 3))


class UNetDiscriminator(_ScratchCritic):
    """Real-ESRGAN's per-pixel critic (Wang et al. 2021, `UNetDiscriminatorSN`): a score for every pixel.

    Three stride-2 convs go down to 1/8 scale, three bilinear 2x steps come back up with skip
    connections, and the last convs score each output pixel. An image-level critic gives one
    number for a whole patch, so a generator can fool it with ripples that look, on average,
    like the texture it wants (the ripple phase in docs/experiments.md); a per-pixel critic sees
    where they are and pushes back there. Real-ESRGAN uses it with spectral norm on every conv
    but the first and last, and the BCE loss. `max_shift` and `highpass_sigma` work as in
    `SRGANDiscriminator`.
    """

    def __init__(
        self,
        base_channels: int = 64,
        spectral_norm: bool = True,
        max_shift: int = 0,
        highpass_sigma: float = 0.0,
    ) -> None:
        super().__init__(max_shift, highpass_sigma)
        c = base_channels
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        widths = [c, 2 * c, 4 * c, 8 * c]
        self.down = nn.ModuleList(_conv_down(a, b, spectral_norm) for a, b in pairwise(widths))
        self.up = nn.ModuleList(_conv(b, a, 3, 1, spectral_norm) for a, b in reversed(list(pairwise(widths))))
        self.head = nn.Sequential(
            _conv(c, c, 3, 1, spectral_norm),
            nn.LeakyReLU(0.2),
            _conv(c, c, 3, 1, spectral_norm),
            nn.LeakyReLU(0.2),
            nn.Conv2d(c, 1, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.view(x)
        skips = [F.leaky_relu(self.stem(x), 0.2)]
        for conv in self.down:
            skips.append(F.leaky_relu(conv(skips[-1]), 0.2))
        y = skips.pop()
        for conv in self.up:
            skip = skips.pop()
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = F.leaky_relu(conv(y), 0.2) + skip
        return self.head(y)[:, 0]


class FeatureDiscriminator(nn.Module):
    """The transfer-learning critic: frozen pretrained features at several scales, small heads on top.

    Each requested feature map (e.g. EfficientNet-Lite0 ``stage2/3/5/7`` at strides 4-32, or VGG19
    ``relu3_4, relu4_4``) gets an optional fixed random 1x1 projection (Projected GAN's
    cross-channel mixing: it spreads the critic's attention over all pretrained channels, never
    trained) and a trainable head of two convs that scores every location. The image's score is
    the sum over scales of the mean location score. Only the heads train, so the critic starts
    from ImageNet's notion of natural texture instead of learning one from a few hundred images.
    In training mode each call sees the input at a random offset below ``max_shift`` (see
    `random_shift_crop`) and, with ``augment``, DiffAugment's ops (`hf_srgan.augment`).

    ``cross_scale`` adds Projected GAN's cross-scale mixing, parameter-free: each projected map
    also receives the (bilinearly enlarged) sum of the deeper ones, so the fine-scale heads see
    what the image is (semantics) as well as how it looks locally.

    With ``highpass_sigma`` it reads only the image minus its Gaussian blur, put on mid-grey (the
    frozen network expects an image): like the shipped from-scratch critic, it then judges texture
    and cannot score colour or shading, which the pixel loss already fixes.
    """

    def __init__(
        self,
        features: nn.Module,
        projection_channels: int = 64,
        hidden: int = 64,
        spectral_norm: bool = False,
        max_shift: int = 0,
        seed: int = 0,
        augment: tuple[str, ...] = (),
        cross_scale: bool = False,
        highpass_sigma: float = 0.0,
    ) -> None:
        super().__init__()
        if cross_scale and not projection_channels:
            raise ValueError("cross_scale mixing needs projection_channels > 0 (maps of one width)")
        self.features = features
        self.max_shift = max_shift
        self.augment = tuple(augment)
        self.cross_scale = cross_scale
        self.highpass_sigma = highpass_sigma
        channels = feature_channels(features)
        rng = torch.Generator().manual_seed(seed)
        self.heads = nn.ModuleDict()
        for name, in_ch in channels.items():
            if projection_channels:
                weight = torch.empty(projection_channels, in_ch, 1, 1)
                nn.init.kaiming_normal_(weight, generator=rng)
                self.register_buffer(f"projection_{name}", weight)
            width = projection_channels or in_ch
            self.heads[name] = nn.Sequential(
                _conv(width, hidden, 3, 1, spectral_norm),
                nn.LeakyReLU(0.2),
                _conv(hidden, 1, 1, 1, spectral_norm),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (x,) = random_shift_crop(x, max_shift=self.max_shift if self.training else 0)
        if self.highpass_sigma > 0:
            x = _high_band(x, self.highpass_sigma, grey=0.5)
        if self.training and self.augment:
            x = diff_augment(x, self.augment)
        features = self.features(x)
        projected = {}
        for name in self.heads:
            f = features[name]
            projection = getattr(self, f"projection_{name}", None)
            projected[name] = f if projection is None else F.conv2d(f, projection.to(f.dtype))
        if self.cross_scale:  # deepest first: each map adds the running sum of the deeper ones
            deeper = None
            for name in sorted(projected, key=lambda k: projected[k].shape[-1]):
                if deeper is not None:
                    size = projected[name].shape[-2:]
                    projected[name] = projected[name] + F.interpolate(deeper, size=size, mode="bilinear")
                deeper = projected[name]
        score = x.new_zeros(x.shape[0])
        for name, head in self.heads.items():
            score = score + head(projected[name]).mean(dim=(1, 2, 3))
        return score
