"""Real-world degradations for training: what phone JPEGs and web images go through, made on the fly.

The second-order model of Real-ESRGAN (Wang et al., ICCVW 2021): blur -> resize -> noise -> JPEG,
twice with independent parameters, then the final resize to the LR size together with a sinc
filter (ringing and overshoot, as sharpening and sinc resamplers leave) and a last JPEG, in a random
order. Every range below is an option with Real-ESRGAN's defaults. All randomness comes from
torch's generator, so `torch.manual_seed` (and DataLoader worker seeding) makes patches
reproducible. Only the LR image is degraded; the HR target stays clean.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def _uniform(low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand(()))


def _chance(probability: float) -> bool:
    return float(torch.rand(())) < probability


def gaussian_kernel(
    size: int, sigma_x: float, sigma_y: float, angle: float, beta: float = 2.0
) -> torch.Tensor:
    """An (an)isotropic generalised Gaussian kernel, rotated by `angle`, summing to 1.

    ``beta=2`` is the Gaussian; smaller is heavier-tailed, larger is flatter (plateau-shaped).
    """
    ax = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    yy, xx = torch.meshgrid(ax, ax, indexing="ij")
    cos, sin = math.cos(angle), math.sin(angle)
    u, v = cos * xx + sin * yy, -sin * xx + cos * yy
    kernel = torch.exp(-((u**2 / sigma_x**2 + v**2 / sigma_y**2) ** (beta / 2)) / 2)
    return (kernel / kernel.sum()).float()


def sinc_kernel(size: int, cutoff: float) -> torch.Tensor:
    """A circular low-pass (2-D sinc, ``cutoff`` in radians per pixel), summing to 1."""
    ax = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    yy, xx = torch.meshgrid(ax, ax, indexing="ij")
    radius = torch.sqrt(xx**2 + yy**2).clamp_min(1e-8)
    kernel = cutoff * torch.special.bessel_j1(cutoff * radius) / (2 * math.pi * radius)
    kernel[radius < 1e-7] = cutoff**2 / (4 * math.pi)
    return (kernel / kernel.sum()).float()


def filter2d(images: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Convolve (C, H, W) or (N, C, H, W) images channel by channel, reflecting at the borders."""
    batch = images if images.dim() == 4 else images[None]
    pad = kernel.shape[-1] // 2
    padded = F.pad(batch, (pad, pad, pad, pad), mode="reflect")
    weight = kernel.to(batch)[None, None].expand(batch.shape[1], 1, *kernel.shape)
    filtered = F.conv2d(padded, weight, groups=batch.shape[1])
    return filtered if images.dim() == 4 else filtered[0]


def gaussian_lowpass(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """A Gaussian blur (`sigma` px) of an image batch, in float32 whatever the autocast around it.

    Frequency separation (FSSR, Fritsche et al. 2019) splits an image into this low band and the
    rest. bf16 would round the blurred values to about 3 digits, coarser than the SR errors a
    pixel loss on them compares.
    """
    with torch.autocast(images.device.type, enabled=False):
        return filter2d(images.float(), _lowpass_kernel(sigma))


@functools.lru_cache(maxsize=8)
def _lowpass_kernel(sigma: float) -> torch.Tensor:
    """The isotropic kernel of `gaussian_lowpass`, made once: a GAN step blurs five batches with it."""
    return gaussian_kernel(2 * math.ceil(3 * sigma) + 1, sigma, sigma, 0.0)


def _to_tensor(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(image.convert("RGB")).copy()).permute(2, 0, 1).float() / 255


def _to_image(image: torch.Tensor) -> Image.Image:
    return Image.fromarray((image.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy())


def _jpeg(image: torch.Tensor, quality: int) -> torch.Tensor:
    buffer = io.BytesIO()
    _to_image(image).save(buffer, format="JPEG", quality=quality)
    return _to_tensor(Image.open(io.BytesIO(buffer.getvalue())))


@dataclass
class DegradationStage:
    """One blur -> resize -> noise -> JPEG pass; sigmas in pixels, noise on the 0-255 scale."""

    blur_probability: float = 1.0
    kernel_sizes: tuple[int, ...] = (7, 9, 11, 13, 15, 17, 19, 21)
    blur_sigma: tuple[float, float] = (0.2, 3.0)
    generalized_probability: float = 0.3  # generalised instead of plain Gaussian
    beta: tuple[float, float] = (0.5, 4.0)
    resize_probabilities: tuple[float, float, float] = (0.2, 0.7, 0.1)  # up, down, keep
    resize_range: tuple[float, float] = (0.15, 1.5)
    gaussian_noise_probability: float = 0.5  # else Poisson
    noise_sigma: tuple[float, float] = (1.0, 30.0)
    poisson_scale: tuple[float, float] = (0.05, 3.0)
    gray_noise_probability: float = 0.4
    jpeg_quality: tuple[int, int] = (30, 95)

    def blur(self, image: torch.Tensor) -> torch.Tensor:
        if not _chance(self.blur_probability):
            return image
        size = self.kernel_sizes[int(torch.randint(len(self.kernel_sizes), ()))]
        sigma_x, sigma_y = _uniform(*self.blur_sigma), _uniform(*self.blur_sigma)
        beta = _uniform(*self.beta) if _chance(self.generalized_probability) else 2.0
        return filter2d(image, gaussian_kernel(size, sigma_x, sigma_y, _uniform(0, math.pi), beta))

    def resize(self, image: torch.Tensor) -> torch.Tensor:
        up, down, _ = self.resize_probabilities
        draw = float(torch.rand(()))
        if draw < up:
            factor = _uniform(1.0, self.resize_range[1])
        elif draw < up + down:
            factor = _uniform(self.resize_range[0], 1.0)
        else:
            return image
        mode = ("area", "bilinear", "bicubic")[int(torch.randint(3, ()))]
        size = [max(4, round(side * factor)) for side in image.shape[-2:]]
        return _resample(image, size, mode)

    def noise(self, image: torch.Tensor) -> torch.Tensor:
        gray = _chance(self.gray_noise_probability)
        shape = (1, *image.shape[1:]) if gray else image.shape
        if _chance(self.gaussian_noise_probability):
            noise = torch.randn(shape) * _uniform(*self.noise_sigma) / 255
        else:  # Poisson (shot) noise, scaled: brighter pixels get more
            scale = _uniform(*self.poisson_scale)
            source = image.mean(0, keepdim=True) if gray else image
            levels = 255 * source.clamp(0, 1)
            noise = (torch.poisson(levels) - levels) / 255 * scale
        return (image + noise).clamp(0, 1)

    def jpeg(self, image: torch.Tensor) -> torch.Tensor:
        return _jpeg(image, int(torch.randint(self.jpeg_quality[0], self.jpeg_quality[1] + 1, ())))

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return self.jpeg(self.noise(self.resize(self.blur(image))))


def _resample(image: torch.Tensor, size: list[int], mode: str) -> torch.Tensor:
    if mode == "area":
        return F.interpolate(image[None], size=size, mode="area")[0]
    return F.interpolate(image[None], size=size, mode=mode, align_corners=False, antialias=True)[0].clamp(
        0, 1
    )


SECOND_STAGE = {
    "blur_probability": 0.8,
    "blur_sigma": (0.2, 1.5),
    "resize_probabilities": (0.3, 0.4, 0.3),
    "resize_range": (0.3, 1.2),
    "noise_sigma": (1.0, 25.0),
    "poisson_scale": (0.05, 2.5),
}
"""Real-ESRGAN's milder second stage."""


LIGHT_FIRST_STAGE = {
    "blur_probability": 0.5,
    "blur_sigma": (0.2, 1.5),
    "resize_probabilities": (0.2, 0.5, 0.3),
    "resize_range": (0.5, 1.5),
    "noise_sigma": (1.0, 15.0),
    "poisson_scale": (0.05, 1.5),
    "jpeg_quality": (60, 95),
}
LIGHT_SECOND_STAGE = {
    "blur_probability": 0.3,
    "blur_sigma": (0.2, 1.0),
    "resize_probabilities": (0.3, 0.4, 0.3),
    "resize_range": (0.7, 1.3),
    "noise_sigma": (1.0, 10.0),
    "poisson_scale": (0.05, 1.0),
    "jpeg_quality": (70, 95),
}
"""Everyday photos (phone and web JPEGs, mild noise): the full Real-ESRGAN ranges (blur sigma 3,
downscaling to 0.15x, noise sigma 30, JPEG quality 30) teach a model to smooth away detail that
such photos still have."""


@dataclass
class RealisticDegradation:
    """HR patch (PIL) -> LR patch (PIL) of 1/scale the size, through two degradation stages.

    Defaults follow Real-ESRGAN: the second stage is milder (blur probability 0.8, sigma up to
    1.5, resize 0.3-1.2x, noise sigma up to 25, Poisson up to 2.5); the sinc filter applies with
    probability 0.8 at the end, in random order with the last JPEG.
    """

    scale: int = 4
    first: DegradationStage = field(default_factory=DegradationStage)
    second: DegradationStage = field(default_factory=lambda: DegradationStage(**SECOND_STAGE))
    sinc_probability: float = 0.8
    sinc_kernel_sizes: tuple[int, ...] = (7, 9, 11, 13, 15, 17, 19, 21)
    clean_probability: float = 0.0  # chance of plain antialiased bicubic, so clean inputs stay sharp
    first_order_probability: float = 0.0  # chance of the classical model instead (`first_order`)
    first_order_noise_probability: float = 0.5  # its noise step; a resized, saved web image has none
    first_order_jpeg_probability: float = 1.0  # its JPEG step; a photo saved losslessly keeps raw noise

    @classmethod
    def light(cls, scale: int = 4, **first_order: float) -> RealisticDegradation:
        """Milder ranges for everyday photos, with one patch in five left clean (`LIGHT_FIRST_STAGE`);
        `first_order` sets the `first_order_*` fields."""
        return cls(
            scale,
            first=DegradationStage(**LIGHT_FIRST_STAGE),
            second=DegradationStage(**LIGHT_SECOND_STAGE),
            sinc_probability=0.3,
            clean_probability=0.2,
            **first_order,
        )

    def first_order(self, hr: Image.Image, target: list[int]) -> torch.Tensor:
        """The classical model Real-ESRGAN generalises: blur, bicubic downscale, noise, JPEG, once.

        A web image that was resized and saved once went through just this. The second-order
        chain alone rarely leaves an LR this close to a plain downscale, so a model trained only
        on it sharpens such inputs as if they were blurred. Ranges are the first stage's; noise is
        added with `first_order_noise_probability` and the JPEG with `first_order_jpeg_probability`
        (every other path ends in a JPEG: below 1, a model also sees noise that reaches the LR
        uncompressed, as in a photo saved losslessly).
        """
        lr = _to_tensor(
            _to_image(self.first.blur(_to_tensor(hr))).resize(target[::-1], Image.Resampling.BICUBIC)
        )
        if _chance(self.first_order_noise_probability):
            lr = self.first.noise(lr)
        # No draw at 1, so recipes from before this option keep their random stream.
        saved_as_jpeg = self.first_order_jpeg_probability >= 1 or _chance(self.first_order_jpeg_probability)
        return self.first.jpeg(lr) if saved_as_jpeg else lr

    def _sinc(self, image: torch.Tensor) -> torch.Tensor:
        if not _chance(self.sinc_probability):
            return image
        size = self.sinc_kernel_sizes[int(torch.randint(len(self.sinc_kernel_sizes), ()))]
        cutoff = _uniform(math.pi / 3, math.pi) if size < 13 else _uniform(math.pi / 5, math.pi)
        return filter2d(image, sinc_kernel(size, cutoff)).clamp(0, 1)

    def __call__(self, hr: Image.Image) -> Image.Image:
        target = [hr.height // self.scale, hr.width // self.scale]
        if _chance(self.clean_probability):
            return hr.convert("RGB").resize(target[::-1], Image.Resampling.BICUBIC)
        if self.first_order_probability and _chance(self.first_order_probability):  # no draw at 0
            return _to_image(self.first_order(hr, target))
        image = self.second.noise(self.second.resize(self.second.blur(self.first(_to_tensor(hr)))))
        mode = ("area", "bilinear", "bicubic")[int(torch.randint(3, ()))]
        if _chance(0.5):  # resize + sinc, then JPEG
            image = self.second.jpeg(self._sinc(_resample(image, target, mode)))
        else:  # JPEG, then resize + sinc
            image = self._sinc(_resample(self.second.jpeg(image), target, mode))
        return _to_image(image)
