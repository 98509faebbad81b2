"""PSNR and SSIM exactly as published super-resolution tables compute them.

Protocol (Set5/Set14/BSD100 tables since SRCNN): the SR output is rounded to uint8, both images
are converted to the Y channel of YCbCr with MATLAB's ``rgb2ycbcr`` (BT.601, studio range), and
`scale` pixels are shaved from every border. SSIM follows Wang et al.'s MATLAB code: an 11x11
Gaussian window with sigma 1.5 on 0-255 values, valid region only.
"""

from __future__ import annotations

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
