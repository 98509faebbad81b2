"""The efficient generator body: SPAN-style blocks of re-parameterizable convs (arch ``"span"``).

SPAN (Wan et al., NTIRE 2024 efficient SR winner) keeps only what is cheap on any hardware: 3x3
convs at the LR resolution, an attention that has no parameters, and one PixelShuffle to RGB at
the end. Each block::

    x ─ conv ─ SiLU ─ conv ─ SiLU ─ conv ─ o ─┐
    └─────────────────────────────────────────(o + x) * (sigmoid(o) - 0.5)

The sigmoid of the block's own output gates it: a symmetric, parameter-free attention.

Every 3x3 conv trains as three branches, 3x3 + 1x1 + identity (RepVGG; RLFN and SPAN do the same
with more branches), which optimise better than one conv, and runs as the single 3x3 conv they
sum to: `RepConv.fold` computes it exactly, `SRGenerator.fold` folds a whole model, and
`save_pretrained` and the ONNX export write the folded model (``reparameterized: true`` in its
config), so what ships costs one conv per layer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class RepConv(nn.Module):
    """A 3x3 conv that trains as 3x3 + 1x1 (+ identity when shapes allow) and folds into one 3x3."""

    def __init__(self, in_channels: int, out_channels: int, folded: bool = False) -> None:
        super().__init__()
        self.folded = folded
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.identity = in_channels == out_channels
        if not folded:
            self.conv1x1 = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.folded:
            return self.conv(x)
        y = self.conv(x) + self.conv1x1(x)
        return y + x if self.identity else y

    @torch.no_grad()
    def folded_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The single 3x3 kernel and bias equal to the sum of the branches."""
        if self.folded:
            return self.conv.weight.clone(), self.conv.bias.clone()
        weight = self.conv.weight + F.pad(self.conv1x1.weight, (1, 1, 1, 1))
        if self.identity:
            channels = torch.arange(weight.shape[0])
            weight = weight.clone()
            weight[channels, channels, 1, 1] += 1.0
        return weight, self.conv.bias + self.conv1x1.bias


class AttentionBlock(nn.Module):
    """Three re-parameterizable convs with SiLU, gated by the parameter-free attention above."""

    def __init__(self, channels: int, folded: bool = False) -> None:
        super().__init__()
        self.convs = nn.ModuleList(RepConv(channels, channels, folded) for _ in range(3))
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act(self.convs[0](x))
        out = self.convs[2](self.act(self.convs[1](out)))
        return (out + x) * (torch.sigmoid(out) - 0.5)


class SPANBody(nn.Module):
    """The blocks, a 3x3 conv, and a long skip from the head's features."""

    def __init__(self, channels: int, num_blocks: int, folded: bool = False) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*(AttentionBlock(channels, folded) for _ in range(num_blocks)))
        self.conv = RepConv(channels, channels, folded)

    def forward(self, f0: torch.Tensor) -> torch.Tensor:
        return f0 + self.conv(self.blocks(f0))


def fold_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """`model`'s weights with every unfolded `RepConv` replaced by its single conv (same keys as folded)."""
    state = {}
    folded_prefixes = {}
    for name, module in model.named_modules():
        if isinstance(module, RepConv):
            folded_prefixes[name] = module.folded_weights()
    for key, value in model.state_dict().items():
        prefix = key.rsplit(".", 2)[0]
        if prefix in folded_prefixes:
            if key.endswith("conv.weight"):
                state[key] = folded_prefixes[prefix][0]
            elif key.endswith("conv.bias"):
                state[key] = folded_prefixes[prefix][1]
            continue  # the 1x1 branch: folded into the 3x3
        state[key] = value
    return state
