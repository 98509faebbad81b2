"""The realistic degradation pipeline: sizes, reproducibility, and that each stage does what it says."""

import io
import math

import numpy as np
import pytest
import torch
from PIL import Image

from hf_srgan.data import SRPatchDataset, load_image_source
from hf_srgan.degradations import (
    DegradationStage,
    RealisticDegradation,
    filter2d,
    gaussian_kernel,
    gaussian_lowpass,
    sinc_kernel,
)


@pytest.fixture
def patch(data_dir):
    return Image.open(data_dir / "benchmark/Set14/HR/baboon.png").convert("RGB").crop((0, 0, 96, 96))


def test_lr_is_a_quarter_of_the_patch_and_reproducible_with_the_seed(patch):
    degrade = RealisticDegradation()
    torch.manual_seed(3)
    first = np.asarray(degrade(patch))
    torch.manual_seed(3)
    assert first.shape == (24, 24, 3) and np.array_equal(first, np.asarray(degrade(patch)))
    assert not np.array_equal(first, np.asarray(degrade(patch)))  # a new draw differs


def test_kernels_are_normalised_and_shaped_as_asked():
    kernel = gaussian_kernel(21, 3.0, 0.5, angle=0.0)
    assert kernel.sum().item() == pytest.approx(1.0)
    assert kernel[10].sum() > 4 * kernel[:, 10].sum()  # wide along x, narrow along y
    low_pass = sinc_kernel(21, math.pi / 4)
    assert low_pass.sum().item() == pytest.approx(1.0) and low_pass.min() < 0  # ringing lobes


def test_noise_and_jpeg_stages_change_a_flat_image_as_expected():
    flat = torch.full((3, 64, 64), 0.5)
    torch.manual_seed(0)
    noisy = DegradationStage(
        gaussian_noise_probability=1.0, noise_sigma=(20, 20), gray_noise_probability=0
    ).noise(flat)
    assert noisy.std().item() == pytest.approx(20 / 255, rel=0.15)
    ramp = torch.linspace(0, 1, 64).expand(3, 64, 64).contiguous()
    compressed = DegradationStage(jpeg_quality=(10, 10)).jpeg(ramp)
    assert 0.005 < (compressed - ramp).abs().mean() < 0.1


def test_the_training_dataset_uses_it(data_dir):
    images = load_image_source(str(data_dir / "train" / "T91"))
    dataset = SRPatchDataset(images, patch_size=64, degradation=RealisticDegradation(), samples_per_epoch=4)
    lr, hr = dataset[0]
    assert lr.shape == (3, 16, 16) and hr.shape == (3, 64, 64)


def test_the_light_preset_is_milder_and_sometimes_clean(patch):
    """Mean error to the clean bicubic LR over 40 draws: light < full, and some light draws are exact."""
    clean = np.asarray(patch.resize((24, 24), Image.Resampling.BICUBIC), np.float32)
    torch.manual_seed(0)
    full = [np.abs(np.asarray(RealisticDegradation()(patch), np.float32) - clean).mean() for _ in range(40)]
    light = [
        np.abs(np.asarray(RealisticDegradation.light()(patch), np.float32) - clean).mean() for _ in range(40)
    ]
    assert np.mean(light) < 0.7 * np.mean(full)
    assert 2 <= sum(error == 0 for error in light) <= 18  # clean_probability 0.2 of 40


def test_the_first_order_model_is_a_bicubic_downscale_saved_as_jpeg(patch):
    """Without blur and noise it is exactly what PIL gives for a resize and a JPEG save."""
    stage = DegradationStage(blur_probability=0.0, jpeg_quality=(75, 75))
    degradation = RealisticDegradation(
        first=stage, first_order_probability=1.0, first_order_noise_probability=0
    )
    buffer = io.BytesIO()
    patch.resize((24, 24), Image.Resampling.BICUBIC).save(buffer, format="JPEG", quality=75)
    expected = np.asarray(Image.open(buffer).convert("RGB"))
    assert np.array_equal(np.asarray(degradation(patch)), expected)


def test_the_first_order_model_can_leave_noise_uncompressed(patch):
    """With the JPEG step off, the LR is the bicubic downscale plus raw noise (exact without noise)."""
    stage = DegradationStage(blur_probability=0.0, gaussian_noise_probability=1.0, noise_sigma=(10, 10))
    expected = np.asarray(patch.resize((24, 24), Image.Resampling.BICUBIC), np.float32)

    def residual_std(noise: float, jpeg: float) -> float:
        torch.manual_seed(0)
        degradation = RealisticDegradation(
            first=stage,
            first_order_probability=1.0,
            first_order_noise_probability=noise,
            first_order_jpeg_probability=jpeg,
        )
        return float((np.asarray(degradation(patch), np.float32) - expected).std())

    assert residual_std(noise=0, jpeg=0) == 0
    assert 7 < residual_std(noise=1, jpeg=0) < 11  # sigma 10 of 255, clipped at the ends


def test_gaussian_lowpass_keeps_shading_drops_fine_texture_and_stays_float32():
    torch.manual_seed(0)
    ramp = torch.linspace(0, 1, 48).expand(2, 3, 48, 48)
    checker = (torch.arange(48)[:, None] + torch.arange(48)[None, :]) % 2 * 0.2
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = gaussian_lowpass(ramp + checker, sigma=1.5)
    assert low.dtype == torch.float32
    inner = (..., slice(8, -8), slice(8, -8))  # away from the reflected borders
    assert torch.allclose(low[inner], (ramp + 0.1)[inner], atol=2e-3)  # the checker's mean stays
    images = torch.rand(2, 3, 20, 20)
    kernel = gaussian_kernel(7, 1.0, 1.0, 0.0)
    assert torch.allclose(filter2d(images, kernel)[1], filter2d(images[1], kernel))
