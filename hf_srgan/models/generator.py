"""Super-resolution generators: the Weighted Dense Residual Network (WDRN) and the SRGAN baseline.

Both map an RGB image in [0, 1] of shape (N, 3, H, W) to an RGB image of shape
(N, 3, scale*H, scale*W) whose values are *approximately* in [0, 1] (the last layer is a plain
conv, so callers clamp; `hf_srgan.inference.upscale` does).

WDRN
----
SRGAN's residual blocks pass information forward only through element-wise sums. The WDRN keeps
every intermediate feature map reachable and lets the network learn how much of each it wants::

    x ─ head 3x3 ─ f0 ──┬──────────────────────────────────────────────┐
                        │                                              │
            ┌── mix1 ◄──┤  mix_k = 1x1 conv( concat(w_k0·f0, ..., w_k(k-1)·f(k-1)) )
            │           │         with learned scalar weights w (one per source)
            ▼           │
          block1 ─ f1 ──┤
            ┌── mix2 ◄──┤
            ▼           │
          block2 ─ f2 ──┤   ...   fB ── final mix (all f0..fB) ── 3x3 ──(+ f0)── upsample ── tail
                                                                              (PixelShuffle x2 stages)

    block (dense residual):  y0 = input
                             y_i = PReLU(conv3x3(concat(y0, ..., y_(i-1))))   for i = 1..L
                             out = input + conv1x1(concat(y0, ..., y_L))

No batch norm anywhere (it hurts PSNR-oriented SR and makes train/eval behave differently).
The source weights start at 1 so training begins as a plain concatenation and learns to
emphasise or suppress earlier blocks: the learned generalisation of the fixed 0.5^d weighted sum
of the original code and of ESRGAN's fixed 0.2 residual scaling.

Sizes: ``SRGenerator()`` (64 channels, 8 blocks of 4 layers, growth 32) has ~1.6 M parameters,
comparable with SRResNet's 1.55 M. ``SRGenerator(**WDRN_SMALL)`` (~0.3 M) is the CPU preset.

SRResNet / SRGAN generator (Ledig et al. 2017)
----------------------------------------------
9x9 head + PReLU, 16 residual blocks (conv-BN-PReLU-conv-BN), conv-BN + long skip, PixelShuffle x2
stages, 9x9 tail. This is the baseline that WDRN must beat when trained the same way.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import torch
from huggingface_hub import ModelCard, PyTorchModelHubMixin, hf_hub_download
from huggingface_hub.errors import EntryNotFoundError, HFValidationError, LocalEntryNotFoundError
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from hf_srgan import model_card
from hf_srgan.models.span import RepConv, SPANBody, fold_state_dict

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
ARCHS = ("wdrn", "srresnet", "span")
UPSAMPLERS = ("features", "rgb")

WDRN_SMALL = {"channels": 32, "num_blocks": 4, "num_layers": 4, "growth": 24}
"""A ~0.35 M parameter WDRN for CPU use (about 4x faster than the default)."""

PRESETS: dict[str, dict] = {
    "wdrn": {},
    "wdrn-small": WDRN_SMALL,
    "wdrn-small-rgb": {**WDRN_SMALL, "upsampler": "rgb"},
    "srresnet": {"arch": "srresnet", "num_blocks": 16},
    "tiny": {"channels": 8, "num_blocks": 2, "num_layers": 2, "growth": 8},  # tests and smoke runs
    # SPAN-style efficient body (hf_srgan/models/span.py): ~0.4 M parameters, all at LR resolution.
    "lite": {"arch": "span", "channels": 48, "num_blocks": 6},
}
"""Named constructor arguments: the default WDRN, its CPU preset, the SRGAN-paper baseline and a test toy."""


class ModelLoadError(RuntimeError):
    """A generator could not be loaded: missing files, bad repo id or mismatched weights."""


class DenseResidualBlock(nn.Module):
    """L densely connected conv layers fused by a 1x1 conv, added back to the block input."""

    def __init__(self, channels: int, num_layers: int, growth: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Sequential(nn.Conv2d(channels + i * growth, growth, 3, padding=1), nn.PReLU(growth))
            for i in range(num_layers)
        )
        self.fuse = nn.Conv2d(channels + num_layers * growth, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.layers:
            features.append(layer(torch.cat(features, dim=1)))
        return x + self.fuse(torch.cat(features, dim=1))


class WeightedConcat(nn.Module):
    """Concatenate n feature maps, each scaled by a learned scalar, and project with a 1x1 conv."""

    def __init__(self, num_sources: int, channels: int) -> None:
        super().__init__()
        self.source_weights = nn.Parameter(torch.ones(num_sources))
        self.project = nn.Conv2d(num_sources * channels, channels, 1)

    def forward(self, sources: list[torch.Tensor]) -> torch.Tensor:
        weighted = [w * s for w, s in zip(self.source_weights, sources, strict=True)]
        return self.project(torch.cat(weighted, dim=1))


class WDRNBody(nn.Module):
    """The WDRN trunk: dense residual blocks whose inputs are weighted concatenations."""

    def __init__(self, channels: int, num_blocks: int, num_layers: int, growth: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            DenseResidualBlock(channels, num_layers, growth) for _ in range(num_blocks)
        )
        # Block 0 reads f0 directly; block k > 0 mixes f0..f(k); the final mix sees all outputs.
        self.mixes = nn.ModuleList(WeightedConcat(k + 1, channels) for k in range(1, num_blocks))
        self.final_mix = WeightedConcat(num_blocks + 1, channels)
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, f0: torch.Tensor) -> torch.Tensor:
        outputs = [f0]
        block_input = f0
        for k, block in enumerate(self.blocks):
            if k > 0:
                block_input = self.mixes[k - 1](outputs)
            outputs.append(block(block_input))
        return f0 + self.conv(self.final_mix(outputs))


class SRResNetBlock(nn.Module):
    """conv-BN-PReLU-conv-BN with an identity skip (Ledig et al. 2017, fig. 4)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
            nn.PReLU(channels),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SRResNetBody(nn.Module):
    """16 residual blocks, then conv-BN with a long skip from the head."""

    def __init__(self, channels: int, num_blocks: int) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*(SRResNetBlock(channels) for _ in range(num_blocks)))
        self.conv = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels))

    def forward(self, f0: torch.Tensor) -> torch.Tensor:
        return f0 + self.conv(self.blocks(f0))


def pixel_shuffle_upsampler(channels: int, scale: int, upsampler: str = "features") -> nn.Sequential:
    """log2(scale) stages of conv -> PixelShuffle(2) -> PReLU (sub-pixel convolution).

    ``upsampler="rgb"``: the last stage's conv makes the 4 sub-pixels of each RGB value directly
    (conv to 12 channels, PixelShuffle(2), no PReLU), so no feature map and no tail conv runs at
    full resolution, where a small model spends much of its time moving memory on a CPU.
    """
    stages: list[nn.Module] = []
    feature_stages = int(math.log2(scale)) - (upsampler == "rgb")
    for _ in range(feature_stages):
        stages += [nn.Conv2d(channels, 4 * channels, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(channels)]
    if upsampler == "rgb":
        stages += [nn.Conv2d(channels, 3 * 4, 3, padding=1), nn.PixelShuffle(2)]
    return nn.Sequential(*stages)


class SRGenerator(
    nn.Module,
    PyTorchModelHubMixin,
    library_name="hf-srgan",
    license="other",
    license_name=model_card.LICENSE_NAME,
    license_link=model_card.TERMS_FILE,
    pipeline_tag="image-to-image",
    tags=model_card.TAGS,
    repo_url=model_card.REPO_URL,
    paper_url=model_card.PAPER_URL,
    docs_url=model_card.DOCS_URL,
    model_card_template=model_card.MODEL_CARD_TEMPLATE,
):
    """A super-resolution generator: [0, 1] RGB (N, 3, H, W) -> [0, 1] RGB (N, 3, sH, sW).

    Every argument is plain JSON, so `save_pretrained` captures it in ``config.json`` and
    `from_pretrained` rebuilds the same network. ``num_layers`` and ``growth`` are WDRN knobs and
    are ignored by ``arch="srresnet"``. ``upsampler="rgb"`` ends in RGB at half resolution
    (see `pixel_shuffle_upsampler`) instead of features at full resolution plus a tail conv.
    ``arch="span"`` is the efficient body of `hf_srgan.models.span` (``channels``, ``num_blocks``);
    ``reparameterized`` says its convs are already folded, as every saved copy is.
    """

    def __init__(
        self,
        arch: str = "wdrn",
        scale: int = 4,
        channels: int = 64,
        num_blocks: int = 8,
        num_layers: int = 4,
        growth: int = 32,
        upsampler: str = "features",
        reparameterized: bool = False,
    ) -> None:
        super().__init__()
        for name, value, limit in (
            ("channels", channels, 1024),
            ("num_blocks", num_blocks, 64),
            ("num_layers", num_layers, 16),
            ("growth", growth, 512),
        ):
            # Bounds keep a corrupt or hostile config.json from allocating gigabytes.
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
                raise ValueError(f"{name} must be an integer from 1 to {limit}, got {value!r}")
        if arch not in ARCHS:
            raise ValueError(f"arch must be one of {ARCHS}, got {arch!r}")
        if not isinstance(reparameterized, bool):
            raise ValueError(f"reparameterized must be true or false, got {reparameterized!r}")
        if scale not in (2, 4, 8):
            raise ValueError(f"scale must be 2, 4 or 8, got {scale}")
        if upsampler not in UPSAMPLERS:
            raise ValueError(f"upsampler must be one of {UPSAMPLERS}, got {upsampler!r}")
        self.arch = arch
        self.scale = scale
        self.reparameterized = reparameterized
        if arch == "span":
            # One 3x3 conv to RGB sub-pixels and one PixelShuffle: nothing runs at full resolution.
            self.head = RepConv(3, channels, folded=reparameterized)
            self.body = SPANBody(channels, num_blocks, folded=reparameterized)
            self.upsample = nn.Sequential(
                nn.Conv2d(channels, 3 * scale * scale, 3, padding=1), nn.PixelShuffle(scale)
            )
            self.tail = nn.Identity()
            return
        if arch == "wdrn":
            self.head = nn.Conv2d(3, channels, 3, padding=1)
            self.body: nn.Module = WDRNBody(channels, num_blocks, num_layers, growth)
            self.tail = nn.Conv2d(channels, 3, 3, padding=1)
        else:
            self.head = nn.Sequential(nn.Conv2d(3, channels, 9, padding=4), nn.PReLU(channels))
            self.body = SRResNetBody(channels, num_blocks)
            self.tail = nn.Conv2d(channels, 3, 9, padding=4)
        self.upsample = pixel_shuffle_upsampler(channels, scale, upsampler)
        if upsampler == "rgb":
            # The upsampler already ends in RGB. The tail conv above is still built (and dropped)
            # so a seed draws the same initial weights as when wdrn-x4-fast was trained: its
            # recorded command repeats exactly.
            self.tail = nn.Identity()

    @property
    def output_weight(self) -> nn.Parameter:
        """The weight of the conv that makes the RGB output: where GAN training compares the gradients
        of its loss terms (VQGAN's adaptive adversarial weight, and the training diagnostics)."""
        last = self.tail if isinstance(self.tail, nn.Conv2d) else self.upsample[-2]
        return last.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected an RGB batch of shape (N, 3, H, W), got {tuple(x.shape)}")
        return self.tail(self.upsample(self.body(self.head(x))))

    def fold(self) -> SRGenerator:
        """The same function with each re-parameterizable conv folded into one 3x3 conv (span only)."""
        if self.arch != "span" or self.reparameterized:
            return self
        folded = SRGenerator(**{**self._hub_mixin_config, "reparameterized": True})
        folded.load_state_dict(fold_state_dict(self), strict=True)
        return folded.to(self.output_weight.device).train(self.training)

    def save_pretrained(self, save_directory: str | Path, *args, **kwargs):
        """Saves the folded model: what ships runs one conv per layer (``reparameterized: true``)."""
        folded = self.fold()
        if folded is not self:
            return folded.save_pretrained(save_directory, *args, **kwargs)
        return super().save_pretrained(save_directory, *args, **kwargs)

    def _save_pretrained(self, save_directory: Path) -> None:
        """Weights (safetensors, via the mixin) plus the terms file the card's licence links to."""
        super()._save_pretrained(save_directory)
        model_card.write_terms(save_directory)

    def generate_model_card(
        self,
        *args,
        base_model: str | None = None,
        eval_results: list | None = None,
        datasets: list[str] | None = None,
        **kwargs,
    ) -> ModelCard:
        """The package's one card template, with this model's architecture and optional metadata.

        `base_model` marks a fine-tune, `eval_results` become the model-index, `datasets` are Hub ids.
        """
        card = super().generate_model_card(*args, **model_card.card_fields(self.arch, **kwargs))
        card.data.tags = sorted({*card.data.tags, self.arch})
        card.data.base_model = base_model
        card.data.eval_results = eval_results or None
        card.data.datasets = datasets or None
        if eval_results:
            card.data.model_name = kwargs.get("model_name") or card.data.model_name or "hf-srgan"
        return ModelCard(f"---\n{card.data.to_yaml()}\n---\n{card.text}")

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | Path, **kwargs) -> SRGenerator:
        """Load a generator from a bundled name (e.g. ``"wdrn-x4"``), a local folder or a Hub id.

        Bundled names win over Hub ids so the package works offline out of the box. Loading is
        strict and only from safetensors: a missing, partial or extra tensor is an error.
        """
        from hf_srgan.pretrained import bundled_models, resolve_bundled

        source = resolve_bundled(str(pretrained_model_name_or_path))
        if not os.path.exists(source) and (source.startswith((".", "/", "~")) or source.count("/") > 1):
            raise ModelLoadError(f"{source}: no such folder")
        if os.path.isdir(source):
            missing = [n for n in (CONFIG_NAME, WEIGHTS_NAME) if not os.path.isfile(os.path.join(source, n))]
            if missing:
                raise ModelLoadError(f"{source} is not a saved generator: missing {', '.join(missing)}")
        elif os.path.exists(source):
            raise ModelLoadError(
                f"{source} is a file; pass the folder that holds config.json and model.safetensors"
            )
        try:
            return super().from_pretrained(source, **kwargs)
        except ModelLoadError:
            raise
        except (HFValidationError, LocalEntryNotFoundError, EntryNotFoundError, OSError) as err:
            reason = str(err).splitlines()[0]
            known = ", ".join(bundled_models()) or "none"
            raise ModelLoadError(
                f"could not load generator {source!r} (not a folder, not bundled [{known}], "
                f"and the Hub gave: {reason})"
            ) from err
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, ValueError, AttributeError) as err:
            config = os.path.join(source, CONFIG_NAME) if os.path.isdir(source) else f"{source}/{CONFIG_NAME}"
            raise ModelLoadError(f"{config} is not a valid generator config: {err}") from err

    @classmethod
    def _from_pretrained(
        cls,
        *,
        model_id: str,
        revision: str | None,
        cache_dir: str | Path | None,
        force_download: bool,
        local_files_only: bool,
        token: str | bool | None,
        map_location: str = "cpu",
        strict: bool = True,
        **model_kwargs,
    ) -> SRGenerator:
        if os.path.isdir(model_id):
            weights_file = os.path.join(model_id, WEIGHTS_NAME)
        else:
            weights_file = hf_hub_download(
                repo_id=model_id,
                filename=WEIGHTS_NAME,
                revision=revision,
                cache_dir=cache_dir,
                force_download=force_download,
                token=token,
                local_files_only=local_files_only,
            )
        model = cls(**model_kwargs)
        try:
            state_dict = load_file(weights_file, device=str(map_location))
        except (SafetensorError, OSError) as err:  # empty, truncated or not safetensors at all
            raise ModelLoadError(f"{weights_file} is not a readable safetensors file: {err}") from err
        try:
            model.load_state_dict(state_dict, strict=strict)
        except RuntimeError as err:
            raise ModelLoadError(f"weights in {weights_file} do not match the config: {err}") from err
        return model.eval()


def interpolate_generators(psnr_model: SRGenerator, gan_model: SRGenerator, alpha: float) -> SRGenerator:
    """ESRGAN's network interpolation: every weight ``(1 - alpha) * psnr + alpha * gan``.

    A GAN fine-tuned from a PSNR model stays in its basin, so blending the two weight sets moves
    smoothly along the perception-distortion trade-off; ESRGAN (Wang et al., 2018) found this
    both smoother and freer of GAN artefacts than retuning loss weights. ``alpha`` 0 is the PSNR
    model, 1 the GAN.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be within [0, 1], got {alpha}")
    return add_task_vector(psnr_model, psnr_model, gan_model, alpha)


def add_task_vector(
    model: SRGenerator, base: SRGenerator, finetuned: SRGenerator, strength: float
) -> SRGenerator:
    """``model + strength * (finetuned - base)``, weight by weight: task arithmetic (Ilharco et al., 2023).

    What a fine-tune from `base` learned (a GAN stage's texture) moves onto a sibling fine-tuned
    from the same `base` (wdrn-x4-real), which stays in the same basin; interpolation is the case
    ``model is base``.
    """
    config = model._hub_mixin_config
    for other in (base, finetuned):
        if other._hub_mixin_config != config:
            raise ValueError(f"only one architecture blends: {config} vs {other._hub_mixin_config}")
    base_weights, finetuned_weights = base.state_dict(), finetuned.state_dict()
    blended = {
        name: weight + strength * (finetuned_weights[name] - base_weights[name])
        if weight.is_floating_point()
        else weight
        for name, weight in model.state_dict().items()
    }
    result = SRGenerator(**config)
    result.load_state_dict(blended, strict=True)
    return result.eval()


def average_generators(models: list[SRGenerator]) -> SRGenerator:
    """The weight-by-weight mean of fine-tunes of one model (a model soup, Wortsman et al., 2022).

    Runs fine-tuned from the same start stay in its basin, so their mean is itself a working
    model; for GAN runs that differ only in the seed, what they learned in common adds up while
    what each seed drew alone is averaged down.
    """
    config = models[0]._hub_mixin_config
    if any(other._hub_mixin_config != config for other in models):
        raise ValueError("only one architecture averages")
    states = [model.state_dict() for model in models]
    averaged = {
        name: sum(state[name] for state in states) / len(states) if weight.is_floating_point() else weight
        for name, weight in states[0].items()
    }
    result = SRGenerator(**config)
    result.load_state_dict(averaged, strict=True)
    return result.eval()


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
