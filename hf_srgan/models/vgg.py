"""VGG19 feature extractor for perceptual losses and feature critics (no torchvision needed).

The layer layout matches torchvision's and timm's ``vgg19`` ``features`` module, so their
safetensors files (keys ``features.N.weight`` / ``features.N.bias``) load as they are. Weights
never train here: the module is frozen and kept in eval mode.
"""

from __future__ import annotations

import os

import torch
from huggingface_hub import hf_hub_download
from safetensors.torch import load_file
from torch import nn

from hf_srgan.models.efficientnet import FeatureWeightsError

DEFAULT_VGG_WEIGHTS = "timm/vgg19.tv_in1k"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_CONFIG = [(1, 64), (1, 64), "M", (2, 128), (2, 128), "M"] + [(3, 256)] * 4 + ["M"] + [(4, 512)] * 4
_CONFIG += ["M"] + [(5, 512)] * 4


def _layer_names() -> list[str]:
    """torchvision's index order with readable names: conv1_1, relu1_1, ..., pool5 (minus the last pool)."""
    names, counts = [], {}
    for item in _CONFIG:
        if item == "M":
            names.append(f"pool{len(counts)}")
            continue
        stage, _ = item
        counts[stage] = counts.get(stage, 0) + 1
        names += [f"conv{stage}_{counts[stage]}", f"relu{stage}_{counts[stage]}"]
    return names


LAYER_NAMES = _layer_names()


class VGGWeightsError(FeatureWeightsError):
    """VGG19 weights could not be found or do not fit."""


def build_vgg19_features(depth: int) -> nn.Sequential:
    """The first `depth` modules of VGG19's `features` (convs, ReLUs, max-pools)."""
    layers: list[nn.Module] = []
    in_channels = 3
    for item in _CONFIG:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            out_channels = item[1]
            layers += [nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.ReLU(inplace=False)]
            in_channels = out_channels
    return nn.Sequential(*layers[:depth])


def load_vgg19_state_dict(source: str) -> dict[str, torch.Tensor]:
    """Read ``features.*`` tensors from a safetensors file path or a Hub repo holding model.safetensors."""
    if os.path.isfile(source):
        path = source
    else:
        try:
            path = hf_hub_download(source, "model.safetensors")
        except Exception as err:  # offline, bad id, no such file: all need the same advice
            raise VGGWeightsError(
                f"could not load VGG19 weights from {source!r} ({type(err).__name__}). Pass a local "
                "safetensors file with torchvision/timm VGG19 keys (features.N.weight), e.g. "
                "--vgg_weights /path/vgg19.safetensors, or make the Hub reachable (timm/vgg19.tv_in1k)."
            ) from err
    return {k: v for k, v in load_file(path).items() if k.startswith("features.")}


class VGG19Features(nn.Module):
    """Frozen VGG19 returning the activations of the requested layers (e.g. ``relu5_4``).

    Input is RGB in [0, 1]; ImageNet normalisation happens inside so callers never forget it.
    ``weights`` is a safetensors path or Hub id; ``None`` leaves random weights (tests only).
    """

    def __init__(
        self, layers: tuple[str, ...] = ("relu5_4",), weights: str | None = DEFAULT_VGG_WEIGHTS
    ) -> None:
        super().__init__()
        unknown = [name for name in layers if name not in LAYER_NAMES]
        if unknown:
            raise ValueError(f"unknown VGG19 layers {unknown}; choose from {LAYER_NAMES}")
        self.layers = tuple(layers)
        self.indices = {LAYER_NAMES.index(name): name for name in layers}
        self.features = build_vgg19_features(max(self.indices) + 1)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        if weights is not None:
            self.load_weights(weights)
        self.requires_grad_(False)
        self.eval()

    def load_weights(self, source: str) -> None:
        """Load the tensors this truncated network needs; any missing one is an error."""
        available = load_vgg19_state_dict(source)
        needed = {k: v for k, v in available.items() if int(k.split(".")[1]) < len(self.features)}
        try:
            self.features.load_state_dict(
                {k.removeprefix("features."): v for k, v in needed.items()}, strict=True
            )
        except RuntimeError as err:
            raise VGGWeightsError(f"VGG19 weights from {source!r} do not fit: {err}") from err

    def train(self, mode: bool = True) -> VGG19Features:
        """Stay in eval mode whatever the parent module does (there is nothing to train)."""
        return super().train(False)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = (x - self.mean) / self.std
        out = {}
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.indices:
                out[self.indices[i]] = x
        return out
