import subprocess
import sys
import textwrap
from functools import partial

import numpy as np
import pytest
import torch
from PIL import Image

from hf_srgan.evaluation import load_benchmark
from hf_srgan.inference import (
    NonFiniteOutputError,
    auto_tile,
    blend_weights,
    even_tile,
    select_device,
    select_dtype,
    tile_starts,
    upscale,
    upscale_array,
)
from hf_srgan.models import WDRN_SMALL, SRGenerator


def test_tile_grid_covers_the_image():
    assert tile_starts(100, 200, 16) == [0]
    starts = tile_starts(100, 40, 16)
    assert starts[0] == 0 and starts[-1] == 60
    assert all(b - a <= 40 - 16 for a, b in zip(starts, starts[1:], strict=False))


def test_blend_weights_ramp_only_towards_neighbours():
    w = blend_weights(0, 10, 30, 4)
    assert w[0] == 1 and w[-1] < 0.2
    w = blend_weights(20, 10, 30, 4)
    assert w[0] < 0.2 and w[-1] == 1


def test_tiled_output_matches_untiled_away_from_borders(data_dir):
    torch.manual_seed(0)
    model = SRGenerator(**WDRN_SMALL).eval()
    lr = load_benchmark(data_dir / "benchmark" / "Set5")[0].lr  # baby, 128x128
    whole = np.asarray(upscale(model, lr, tile=None), np.int16)
    tiled = np.asarray(upscale(model, lr, tile=48, overlap=16), np.int16)
    assert whole.shape == tiled.shape == (512, 512, 3)
    assert np.abs(whole - tiled)[16:-16, 16:-16].max() <= 1


def test_output_is_four_times_larger_and_keeps_the_mode(tiny_model):
    rgba = Image.new("RGBA", (10, 6), (255, 0, 0, 128))
    out = upscale(tiny_model, rgba)
    assert out.mode == "RGBA" and out.size == (40, 24)
    assert np.asarray(out.getchannel("A")).min() == 128
    assert upscale(tiny_model, Image.new("L", (5, 5), 90)).mode == "L"
    assert upscale(tiny_model, Image.new("LA", (5, 5))).mode == "LA"
    assert upscale(tiny_model, Image.new("CMYK", (5, 5))).mode == "RGB"


def test_sixteen_bit_input_keeps_sixteen_bit_output(tiny_model):
    gray = (np.linspace(0, 65535, 64).reshape(8, 8)).astype(np.uint16)
    out = upscale(tiny_model, Image.fromarray(gray))
    assert out.mode == "I;16" and out.size == (32, 32)
    assert np.asarray(out).max() > 255  # real 16-bit values, not 8-bit ones


def test_self_ensemble_commutes_with_flips_and_rotations(rgb_image):
    torch.manual_seed(0)
    model = SRGenerator(**WDRN_SMALL).eval()  # random weights: far from flip-equivariant on its own
    rgb = np.asarray(rgb_image, np.float32) / 255  # 24x32, not square: rotations change the shape
    transformed = np.rot90(rgb[:, ::-1]).copy()

    def gap_after_transform(ensemble: bool) -> int:
        """Largest 16-bit difference between transform-then-upscale and upscale-then-transform."""
        run = partial(
            upscale_array, model, scale=4, tile=None, device=torch.device("cpu"), out_dtype=np.uint16
        )
        original = run(rgb, self_ensemble=ensemble).astype(np.int64)
        moved = run(transformed, self_ensemble=ensemble).astype(np.int64)
        return int(np.abs(np.rot90(original[:, ::-1]) - moved).max())

    assert gap_after_transform(ensemble=False) > 100
    assert gap_after_transform(ensemble=True) <= 2  # float summation order only


def test_numpy_input(tiny_model):
    out = upscale(tiny_model, np.random.default_rng(0).random((7, 9, 3)).astype(np.float32))
    assert out.size == (36, 28)


def test_progress_callback_counts_tiles(tiny_model, rgb_image):
    calls = []
    upscale(
        tiny_model, rgb_image, tile=12, overlap=4, progress=lambda done, total: calls.append((done, total))
    )
    assert (
        calls[-1] == (len(calls), len(calls)) and len(calls) == 3 * 4
    )  # 24x32 px: rows 0,8,12; cols 0,8,16,20


def test_bfloat16_is_close_to_float32(tiny_model, rgb_image):
    a = np.asarray(upscale(tiny_model, rgb_image), np.int16)
    b = np.asarray(upscale(tiny_model, rgb_image, dtype="bfloat16"), np.int16)
    assert np.abs(a - b).mean() < 2


class OverflowsInReducedPrecision(SRGenerator):
    """A generator that produces inf whenever autocast is on: what fp16 overflow looks like."""

    def forward(self, x):
        out = super().forward(x)
        return out * float("inf") if torch.is_autocast_enabled(x.device.type) else out


def test_reduced_precision_falls_back_to_float32(rgb_image):
    model = OverflowsInReducedPrecision(channels=8, num_blocks=1, num_layers=1, growth=4).eval()
    with pytest.warns(UserWarning, match="recomputing it in float32"):
        out = upscale(model, rgb_image, dtype="bfloat16")
    assert np.array_equal(np.asarray(out), np.asarray(upscale(model, rgb_image)))


def test_device_and_dtype_selection():
    assert select_device("cpu").type == "cpu"
    assert select_dtype("float32", torch.device("cpu")) == torch.float32
    assert select_dtype("auto", torch.device("cuda")) == torch.float16
    assert select_dtype("auto", torch.device("cpu")) in (torch.bfloat16, torch.float32)
    with pytest.raises(ValueError):
        select_dtype("int8", torch.device("cpu"))


@pytest.mark.slow
def test_8k_output_has_bounded_memory():
    """2048x2048 in, 8192x8192 out: peak RSS must stay near the output size, not the activations'."""
    code = textwrap.dedent(
        """
        import resource, numpy as np, torch
        from hf_srgan import SRGenerator, upscale
        from hf_srgan.models import PRESETS
        model = SRGenerator(**PRESETS["tiny"]).eval()
        image = np.random.default_rng(0).integers(0, 256, (2048, 2048, 3), dtype=np.uint8)
        out = upscale(model, image, dtype="bfloat16")
        assert out.size == (8192, 8192)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=900, check=True
    )
    peak_gb = int(result.stdout.split()[-1]) / 1024**2
    assert peak_gb < 2.0, f"peak RSS {peak_gb:.2f} GB"


def test_float_arrays_outside_0_1_are_refused_not_whitened(tiny_model):
    with pytest.raises(ValueError, match=r"\[0, 1\].*divide 0-255 data by 255"):
        upscale(tiny_model, np.full((8, 8, 3), 200.0))
    with pytest.raises(ValueError, match="finite"):
        upscale(tiny_model, np.full((8, 8, 3), np.nan))


def test_nan_weights_raise_instead_of_returning_black(tiny_model, rgb_image):
    for parameter in tiny_model.parameters():
        parameter.data.fill_(float("nan"))
    with pytest.raises(NonFiniteOutputError):
        upscale(tiny_model, rgb_image)


@pytest.mark.parametrize(
    ("outscale", "size"), [(2, (64, 48)), (1.5, (48, 36)), (3, (96, 72)), (8, (256, 192))]
)
def test_outscale_resamples_to_any_final_scale(tiny_model, rgb_image, outscale, size):
    assert upscale(tiny_model, rgb_image, outscale=outscale).size == size


@pytest.mark.parametrize("bad", [0, -2, float("nan"), float("inf"), "2", True])
def test_bad_outscale_values_are_refused(tiny_model, rgb_image, bad):
    with pytest.raises(ValueError, match="outscale must be a positive number"):
        upscale(tiny_model, rgb_image, outscale=bad)


@pytest.mark.parametrize(
    ("length", "max_tile", "expected"), [(100, 192, 100), (200, 192, 100), (385, 192, 129)]
)
def test_tiles_split_evenly_without_slivers(length, max_tile, expected):
    assert even_tile(length, max_tile) == expected


@pytest.mark.parametrize(("length", "max_tile", "count"), [(1024, 576, 2), (2048, 576, 4), (577, 576, 2)])
def test_overlapping_tiles_are_as_few_as_the_size_allows(length, max_tile, count):
    tile = even_tile(length, max_tile, overlap=16)
    assert tile <= max_tile and len(tile_starts(length, tile, 16)) == count


def test_auto_tile_fits_the_memory_budget():
    assert auto_tile(torch.float32) < auto_tile(torch.bfloat16)
    assert auto_tile(torch.float32, budget_bytes=8_600 * 256**2) == 256
    assert auto_tile(torch.bfloat16, budget_bytes=1.0) == 64  # never degenerate
