import numpy as np
import pytest
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from hf_srgan.evaluation import bicubic_upscale, evaluate, format_table, load_benchmark
from hf_srgan.metrics import matlab_downscale, niqe, psnr, rgb_to_y, ssim


def test_y_channel_is_matlab_rgb2ycbcr():
    assert rgb_to_y(np.array([[[0, 0, 0]]], np.uint8))[0, 0] == pytest.approx(16.0)
    assert rgb_to_y(np.array([[[255, 255, 255]]], np.uint8))[0, 0] == pytest.approx(235.0)


def test_psnr_of_a_known_error():
    hr = np.full((20, 20, 3), 100, np.uint8)
    sr = hr.copy()
    sr[4:-4, 4:-4] = 110  # every unshaved Y value off by 10 * 219 / 255
    expected = 10 * np.log10(255**2 / (10 * 219 / 255) ** 2)
    assert psnr(sr, hr, shave=4) == pytest.approx(expected)
    assert psnr(hr, hr) == float("inf")


def test_rejects_float_and_mismatched_images():
    with pytest.raises(ValueError, match="uint8"):
        psnr(np.zeros((8, 8, 3), np.float32), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="differ"):
        ssim(np.zeros((16, 16, 3), np.uint8), np.zeros((20, 16, 3), np.uint8))


def test_cross_check_with_scikit_image_on_real_images(data_dir):
    for pair in load_benchmark(data_dir / "benchmark" / "Set14")[:6]:
        sr = bicubic_upscale(pair.lr, 4)
        sr_y = rgb_to_y(np.asarray(sr))[4:-4, 4:-4]
        hr_y = rgb_to_y(np.asarray(pair.hr))[4:-4, 4:-4]
        reference = structural_similarity(
            sr_y, hr_y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255
        )
        assert ssim(sr, pair.hr) == pytest.approx(reference, abs=1e-9)
        assert psnr(sr, pair.hr) == pytest.approx(
            peak_signal_noise_ratio(hr_y, sr_y, data_range=255), abs=1e-9
        )


@pytest.mark.parametrize(("name", "published"), [("Set5", 28.42), ("Set14", 26.00)])
def test_bicubic_reproduces_published_figures(data_dir, name, published):
    results = evaluate({"bicubic": lambda lr: bicubic_upscale(lr, 4)}, [data_dir / "benchmark" / name])
    assert results["bicubic"][name]["psnr"] == pytest.approx(published, abs=0.1)
    assert "| bicubic |" in format_table(results)


def test_hr_is_cropped_to_scale_times_lr(data_dir):
    pairs = {p.name: p for p in load_benchmark(data_dir / "benchmark" / "Set14")}
    comic = pairs["comic"]  # 250x361 HR, 62x90 LR
    assert comic.hr.size == (248, 360)


def test_not_a_benchmark_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a benchmark folder"):
        load_benchmark(tmp_path)
    (tmp_path / "HR").mkdir()
    (tmp_path / "LR_bicubic" / "X4").mkdir(parents=True)
    Image.new("RGB", (4, 4)).save(tmp_path / "LR_bicubic" / "X4" / "a.png")
    with pytest.raises(FileNotFoundError, match="no PNG"):
        load_benchmark(tmp_path)


def test_niqe_matches_the_matlab_reference_on_baboon(data_dir):
    # MATLAB R2021a, official NIQE release, Set14 baboon.png HR: 5.72957
    assert niqe(Image.open(data_dir / "benchmark/Set14/HR/baboon.png")) == pytest.approx(5.72957, abs=1e-4)


def test_niqe_prefers_the_sharp_image_to_its_bicubic_upscale(data_dir):
    pair = load_benchmark(data_dir / "benchmark" / "Set14")[-2]
    assert niqe(pair.hr, shave=4) < niqe(bicubic_upscale(pair.lr, 4), shave=4) - 1


def test_niqe_needs_a_96_px_block():
    with pytest.raises(ValueError, match="at least 96x96"):
        niqe(np.zeros((100, 95, 3), np.uint8))


def test_matlab_downscale_reproduces_the_benchmark_lr_images(data_dir):
    hr = np.asarray(Image.open(data_dir / "benchmark/Set5/HR/baby.png").convert("RGB"))
    lr = np.asarray(Image.open(data_dir / "benchmark/Set5/LR_bicubic/X4/baby.png").convert("RGB"))
    ours = np.clip(np.round(matlab_downscale(hr / 255.0, 0.25) * 255), 0, 255).astype(np.uint8)
    assert ours.shape == lr.shape
    assert np.abs(ours.astype(int) - lr).max() <= 1 and (ours != lr).mean() < 0.2


def test_evaluate_with_niqe_adds_an_hr_row(data_dir):
    results = evaluate(
        {"bicubic": lambda lr: bicubic_upscale(lr, 4)}, [data_dir / "benchmark/Set5"], with_niqe=True
    )
    assert list(results) == ["HR", "bicubic"]
    assert results["HR"]["Set5"]["niqe"] < results["bicubic"]["Set5"]["niqe"]
    table = format_table(results)
    assert "Set5 NIQE" in table and "| HR | - |" in table


def test_blockiness_finds_a_32_px_grid_and_ignores_natural_texture():
    from hf_srgan.metrics import blockiness

    rng = np.random.default_rng(0)
    smooth = np.clip(rng.normal(128, 20, (128, 128, 3)), 0, 255).astype(np.uint8)
    blocks = np.kron(rng.integers(60, 200, (4, 4, 1)), np.ones((32, 32, 3))).astype(np.uint8)
    assert blockiness(smooth) == pytest.approx(1.0, abs=0.1)
    assert blockiness(np.clip(smooth * 0.5 + blocks * 0.5, 0, 255).astype(np.uint8)) > 2.0


def test_flat_noise_measures_fine_band_energy_only_where_the_reference_is_flat():
    from hf_srgan.metrics import flat_noise

    rng = np.random.default_rng(0)
    reference = np.full((64, 64, 3), 120, np.uint8)
    reference[:, 32:] = rng.integers(0, 255, (64, 32, 3))  # textured half: not flat, not counted
    noisy = reference.astype(float)
    noisy[:, :32] += rng.normal(0, 8, (64, 32, 3))
    noisy = np.clip(noisy, 0, 255).astype(np.uint8)
    assert flat_noise(reference, reference) < 0.5
    assert flat_noise(noisy, reference) > 3.0
