"""PSNR and SSIM exactly as published super-resolution tables compute them.

Protocol (Set5/Set14/BSD100 tables since SRCNN): the SR output is rounded to uint8, both images
are converted to the Y channel of YCbCr with MATLAB's ``rgb2ycbcr`` (BT.601, studio range), and
`scale` pixels are shaved from every border. SSIM follows Wang et al.'s MATLAB code: an 11x11
Gaussian window with sigma 1.5 on 0-255 values, valid region only.

NIQE (no reference: lower = more natural texture) tells a perceptual SR model from a blurry one
where PSNR cannot; it is computed on the same rounded Y channel.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
from PIL import Image


def rgb_to_y(rgb: np.ndarray) -> np.ndarray:
    """MATLAB rgb2ycbcr's Y for uint8 RGB (HxWx3), as float64 in [16, 235]."""
    rgb = rgb.astype(np.float64) / 255.0
    return 16.0 + 65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]


def _as_y(image: Image.Image | np.ndarray) -> np.ndarray:
    array = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image)
    if array.dtype != np.uint8:
        raise ValueError(f"metrics take uint8 images (round SR output first), got {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    return rgb_to_y(array)


def _shave(y: np.ndarray, border: int) -> np.ndarray:
    return y[border:-border, border:-border] if border > 0 else y


def _prepare(
    sr: Image.Image | np.ndarray, hr: Image.Image | np.ndarray, shave: int
) -> tuple[np.ndarray, ...]:
    sr_y, hr_y = _as_y(sr), _as_y(hr)
    if sr_y.shape != hr_y.shape:
        raise ValueError(f"SR {sr_y.shape} and HR {hr_y.shape} differ in size")
    return _shave(sr_y, shave), _shave(hr_y, shave)


def psnr(sr: Image.Image | np.ndarray, hr: Image.Image | np.ndarray, shave: int = 4) -> float:
    """Y-channel PSNR in dB of uint8 images, `shave` border pixels ignored."""
    sr_y, hr_y = _prepare(sr, hr, shave)
    mse = np.mean((sr_y - hr_y) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    ax = np.arange(size) - (size - 1) / 2
    g = np.exp(-(ax**2) / (2 * sigma**2))
    return np.outer(g, g) / np.outer(g, g).sum()


def _filter_valid(image: np.ndarray, window: np.ndarray) -> np.ndarray:
    """2-D correlation keeping only fully covered positions (MATLAB filter2(..., 'valid'))."""
    windows = np.lib.stride_tricks.sliding_window_view(image, window.shape)
    return np.einsum("ijkl,kl->ij", windows, window)


def ssim(sr: Image.Image | np.ndarray, hr: Image.Image | np.ndarray, shave: int = 4) -> float:
    """Y-channel SSIM (Wang et al. 2004, MATLAB reference implementation) of uint8 images."""
    sr_y, hr_y = _prepare(sr, hr, shave)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    window = _gaussian_window()
    mu_x, mu_y = _filter_valid(sr_y, window), _filter_valid(hr_y, window)
    sigma_xx = _filter_valid(sr_y * sr_y, window) - mu_x**2
    sigma_yy = _filter_valid(hr_y * hr_y, window) - mu_y**2
    sigma_xy = _filter_valid(sr_y * hr_y, window) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * sigma_xy + c2)) / (
        (mu_x**2 + mu_y**2 + c1) * (sigma_xx + sigma_yy + c2)
    )
    return float(ssim_map.mean())


# --- NIQE (Mittal et al., IEEE SPL 2013): a no-reference naturalness score, lower is more natural.
# This follows the official MATLAB release step by step (96x96 blocks, two scales, MATLAB's
# antialiased bicubic imresize by 0.5 in between) with its pristine model parameters.
NIQE_PARAMS = Path(__file__).parent / "resources" / "niqe_pris_params.npz"
NIQE_BLOCK = 96


def _cubic(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    return (1.5 * ax**3 - 2.5 * ax**2 + 1) * (ax <= 1) + (-0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2) * (
        (ax > 1) & (ax <= 2)
    )


def _matlab_downscale_axis(image: np.ndarray, scale: float, axis: int) -> np.ndarray:
    """MATLAB ``imresize(..., scale, 'bicubic')`` along one axis for scale < 1 (antialiased).

    The cubic kernel is stretched by 1/scale, rows are normalised to sum to 1 and indices past
    the border mirror symmetrically, as MATLAB does.
    """
    in_len = image.shape[axis]
    out_len = math.ceil(in_len * scale)
    width = 4 / scale
    u = np.arange(1, out_len + 1) / scale + 0.5 * (1 - 1 / scale)
    indices = np.floor(u - width / 2)[:, None] + np.arange(math.ceil(width) + 2)[None]
    weights = scale * _cubic((u[:, None] - indices) * scale)
    weights /= weights.sum(axis=1, keepdims=True)
    indices = indices.astype(int) - 1  # 0-based, then mirror: -1 -> 0, n -> n - 1
    indices = np.where(indices < 0, -indices - 1, indices)
    indices = np.where(indices >= in_len, 2 * in_len - indices - 1, indices)
    moved = np.moveaxis(image, axis, 0)
    return np.moveaxis(np.einsum("op,op...->o...", weights, moved[indices]), 0, axis)


def matlab_downscale(image: np.ndarray, scale: float) -> np.ndarray:
    """MATLAB ``imresize(image, scale)`` (bicubic, antialiased) of an HxW or HxWxC float array, scale < 1.

    This is how the benchmarks' LR images were made, and what NIQE does between its two scales.
    """
    return _matlab_downscale_axis(_matlab_downscale_axis(image, scale, 0), scale, 1)


@functools.cache
def _niqe_model() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with np.load(NIQE_PARAMS) as params:
        return params["mu_pris_param"][0], params["cov_pris_param"], params["gaussian_window"]


@functools.cache
def _aggd_table() -> tuple[np.ndarray, np.ndarray]:
    """The shape grid of the MATLAB code and the moment ratio r(gamma) it is matched against."""
    shapes = np.arange(0.2, 10.001, 0.001)
    lgamma = np.vectorize(math.lgamma)
    ratio = np.exp(2 * lgamma(2 / shapes) - lgamma(1 / shapes) - lgamma(3 / shapes))
    return shapes, ratio


def _aggd_fit(x: np.ndarray) -> tuple[float, float, float]:
    """Asymmetric generalised Gaussian fit by moment matching: (shape, left scale, right scale)."""
    shapes, ratio = _aggd_table()
    x = x.ravel()
    left_std = np.sqrt(np.mean(x[x < 0] ** 2))
    right_std = np.sqrt(np.mean(x[x > 0] ** 2))
    gamma_hat = left_std / right_std
    r_hat = np.mean(np.abs(x)) ** 2 / np.mean(x**2)
    r_hat_norm = r_hat * (gamma_hat**3 + 1) * (gamma_hat + 1) / (gamma_hat**2 + 1) ** 2
    alpha = shapes[np.argmin((ratio - r_hat_norm) ** 2)]
    factor = math.sqrt(math.gamma(1 / alpha) / math.gamma(3 / alpha))
    return alpha, left_std * factor, right_std * factor


def _block_features(block: np.ndarray) -> list[float]:
    """18 NIQE features: the MSCN fit, then fits of products with 4 neighbours (circular shifts)."""
    alpha, left, right = _aggd_fit(block)
    features = [alpha, (left + right) / 2]
    for shift in ((0, 1), (1, 0), (1, 1), (1, -1)):
        alpha, left, right = _aggd_fit(block * np.roll(block, shift, axis=(0, 1)))
        mean = (right - left) * math.gamma(2 / alpha) / math.gamma(1 / alpha)
        features += [alpha, mean, left, right]
    return features


def _local_filter(image: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Correlation with edge replication, same size out (the MATLAB code's imfilter 'replicate')."""
    pad = window.shape[0] // 2
    return _filter_valid(np.pad(image, pad, mode="edge"), window)


def niqe(image: Image.Image | np.ndarray, shave: int = 0) -> float:
    """NIQE of a uint8 RGB or grey image on its Y channel; lower means more natural.

    Matches the official MATLAB code (Set14 ``baboon.png``: MATLAB R2021a 5.72957). The image
    must be at least 96x96 after `shave`, since the statistics are taken over 96-px blocks.
    """
    y = np.round(_shave(_as_y(image), shave))
    blocks_h, blocks_w = y.shape[0] // NIQE_BLOCK, y.shape[1] // NIQE_BLOCK
    if blocks_h == 0 or blocks_w == 0:
        raise ValueError(f"NIQE needs an image of at least {NIQE_BLOCK}x{NIQE_BLOCK} px, got {y.shape}")
    y = y[: blocks_h * NIQE_BLOCK, : blocks_w * NIQE_BLOCK]
    mu_pristine, cov_pristine, window = _niqe_model()
    per_scale = []
    for scale in (1, 2):
        mu = _local_filter(y, window)
        sigma = np.sqrt(np.abs(_local_filter(y * y, window) - mu * mu))
        mscn = (y - mu) / (sigma + 1)
        size = NIQE_BLOCK // scale
        per_scale.append(
            [
                _block_features(mscn[i * size : (i + 1) * size, j * size : (j + 1) * size])
                for j in range(blocks_w)
                for i in range(blocks_h)
            ]
        )
        y = matlab_downscale(y / 255.0, 0.5) * 255.0
    features = np.concatenate([np.array(f) for f in per_scale], axis=1)
    mu_image = np.nanmean(features, axis=0)
    cov_image = np.cov(features[~np.isnan(features).any(axis=1)], rowvar=False)
    diff = mu_pristine - mu_image
    return float(np.sqrt(diff @ np.linalg.pinv((cov_pristine + cov_image) / 2) @ diff))


def blockiness(image: Image.Image | np.ndarray, period: int = 32, shave: int = 0) -> float:
    """How much stronger the Y gradient is across a `period`-px grid than elsewhere (1.0: no grid).

    A JPEG's 8x8 blocks in an LR input sit on a 32-px grid in a 4x output. The mean absolute
    difference between neighbouring pixels that straddle a grid line, over the mean for all
    other neighbours, rows and columns pooled: about 1 for a natural image, above 1 where block
    edges survive (or were sharpened) in the output. The grid is anchored at the image's origin,
    as a JPEG's is, so do not shave before calling; ``shave`` drops border pairs afterwards.
    """
    y = _as_y(image)
    ratios = []
    for diff in (np.abs(np.diff(y, axis=1)), np.abs(np.diff(y, axis=0)).T):
        across = (np.arange(diff.shape[1]) + 1) % period == 0
        keep = slice(shave, diff.shape[0] - shave or None)
        diff = diff[keep]
        ratios.append(diff[:, across].mean() / max(diff[:, ~across].mean(), 1e-9))
    return float(np.mean(ratios))


def flat_noise(
    image: Image.Image | np.ndarray,
    reference: Image.Image | np.ndarray,
    shave: int = 4,
    flat_std: float = 3.0,
) -> float:
    """RMS of the image's finest band (Y minus its Gaussian blur) where the reference is flat.

    Noise in an input that a model keeps or sharpens shows up as fine-band energy in regions the
    clean HR says are smooth (sky, walls, skin): the pixels whose 7x7 local standard deviation in
    the HR is below `flat_std` levels. Compare a model's value with HR's own and bicubic's.
    """
    y, ref = _prepare(image, reference, shave)
    box = np.full((7, 7), 1 / 49)
    local_var = _local_filter(ref**2, box) - _local_filter(ref, box) ** 2
    flat = np.sqrt(np.maximum(local_var, 0)) < flat_std
    fine = y - _local_filter(y, _gaussian_window(7, 1.5))
    return float(np.sqrt(np.mean(fine[flat] ** 2))) if flat.any() else float("nan")
