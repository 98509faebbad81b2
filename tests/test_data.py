import datasets
import numpy as np
import pytest
import torch
from PIL import Image

from hf_srgan.data import (
    Degradation,
    SRPatchDataset,
    StreamingPatchDataset,
    detect_image_column,
    load_image_source,
    load_image_sources,
)


@pytest.fixture
def image_folder(tmp_path):
    rng = np.random.default_rng(0)
    for i, size in enumerate([(64, 80), (40, 40), (100, 64)]):
        Image.fromarray(rng.integers(0, 256, (*size, 3), np.uint8)).save(tmp_path / f"img{i}.png")
    return tmp_path


def test_detects_the_image_column():
    features = datasets.Features({"label": datasets.Value("int32"), "hr": datasets.Image()})
    assert detect_image_column(features) == "hr"
    assert detect_image_column(features, "hr") == "hr"
    with pytest.raises(ValueError, match="not in dataset columns"):
        detect_image_column(features, "pixels")
    with pytest.raises(ValueError, match="no image column"):
        detect_image_column(datasets.Features({"label": datasets.Value("int32")}))


def test_folders_load_through_imagefolder_and_mix(image_folder, data_dir):
    one = load_image_source(str(image_folder))
    assert one.column_names == ["image"] and len(one) == 3
    mixed = load_image_sources([str(image_folder), str(data_dir / "train" / "DIV2K")])
    assert len(mixed) == 5


def test_patches_pair_hr_with_antialiased_bicubic_lr(image_folder):
    dataset = SRPatchDataset(
        load_image_source(str(image_folder)), patch_size=48, samples_per_epoch=10, augment=False
    )
    assert dataset.skipped == 1 and len(dataset.indices) == 2  # the 40x40 image is smaller than the patch
    lr, hr = dataset[0]
    assert lr.shape == (3, 12, 12) and hr.shape == (3, 48, 48)
    assert lr.dtype == torch.float32 and lr.min() >= 0 and hr.max() <= 1
    hr_image = Image.fromarray((hr.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
    expected = np.asarray(hr_image.resize((12, 12), Image.Resampling.BICUBIC), np.float32) / 255
    np.testing.assert_allclose(lr.permute(1, 2, 0).numpy(), expected, atol=1e-6)
    assert len(dataset) == 10


def test_blur_changes_the_degradation():
    patch = Image.fromarray(np.random.default_rng(0).integers(0, 256, (32, 32, 3), np.uint8))
    sharp = np.asarray(Degradation(4)(patch), np.float32)
    blurred = np.asarray(Degradation(4, blur_sigma=2.0)(patch), np.float32)
    assert blurred.std() < sharp.std()


def test_rejects_impossible_settings(image_folder):
    images = load_image_source(str(image_folder))
    with pytest.raises(ValueError, match="multiple of the scale"):
        SRPatchDataset(images, patch_size=50)
    with pytest.raises(ValueError, match="no training image"):
        SRPatchDataset(images, patch_size=512)


def test_uncached_and_cached_give_the_same_images(image_folder):
    images = load_image_source(str(image_folder))
    cached = SRPatchDataset(images, patch_size=32, cache=True)
    uncached = SRPatchDataset(images, patch_size=32, cache=False)
    np.testing.assert_array_equal(cached._image(1), uncached._image(1))


def test_area_sampling_draws_images_in_proportion_to_their_crops(tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (32, 32, 3), np.uint8)).save(tmp_path / "small.png")
    Image.fromarray(np.zeros((160, 160, 3), np.uint8)).save(tmp_path / "large.png")  # 129^2 vs 1 crop
    images = load_image_source(str(tmp_path))
    torch.manual_seed(0)
    uniform = SRPatchDataset(images, patch_size=32, samples_per_epoch=200)
    area = SRPatchDataset(images, patch_size=32, samples_per_epoch=200, image_sampling="area")
    from_large = [int(hr.max() == 0) for _, hr in (area[i] for i in range(200))]
    assert sum(from_large) >= 195
    assert sum(int(hr.max() == 0) for _, hr in (uniform[i] for i in range(200))) == 100
    with pytest.raises(ValueError, match="image_sampling"):
        SRPatchDataset(images, patch_size=32, image_sampling="by_size")


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_truncated_image_is_skipped_and_named(image_folder):
    rng = np.random.default_rng(1)
    for i in range(3, 120):  # 120 images: one bad one is under the 1% default
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), np.uint8)).save(image_folder / f"img{i}.png")
    _truncate(image_folder / "img0.png")
    dataset = SRPatchDataset(load_image_source(str(image_folder)), patch_size=32)
    assert len(dataset.bad_images) == 1 and "img0.png" in dataset.bad_images[0]
    assert len(dataset.indices) == 119


def test_too_many_bad_images_stop_with_their_names(image_folder):
    _truncate(image_folder / "img2.png")
    with pytest.raises(ValueError, match=r"1 of 3 training images are unreadable.*img2\.png"):
        SRPatchDataset(load_image_source(str(image_folder)), patch_size=32)


def test_uncached_loading_replaces_a_bad_image_with_a_warning(image_folder):
    dataset = SRPatchDataset(load_image_source(str(image_folder)), patch_size=32, cache=False)
    _truncate(image_folder / "img0.png")  # broken after the header was read
    with pytest.warns(UserWarning, match="img0.png"):
        for i in range(12):
            lr, hr = dataset[i]
            assert hr.shape == (3, 32, 32)


def test_a_sample_is_the_same_patch_whoever_draws_it_and_changes_with_the_epoch(image_folder):
    images = load_image_source(str(image_folder))
    dataset = SRPatchDataset(images, patch_size=32, image_sampling="area", seed=3)
    first = [dataset[i][1] for i in range(4)]
    torch.manual_seed(123)  # the caller's random state must not matter, and must not be consumed
    state = torch.get_rng_state()
    assert all(torch.equal(dataset[i][1], first[i]) for i in range(4))
    assert torch.equal(torch.get_rng_state(), state)
    assert not torch.equal(first[0], first[1])
    dataset.set_epoch(1)
    assert not torch.equal(dataset[0][1], first[0])


def test_a_stream_gives_several_patches_per_image_and_skips_bad_ones(tmp_path):
    rng = np.random.default_rng(0)
    for name, level, size in (("dark", 40, 64), ("bright", 200, 48), ("small", 120, 24), ("bad", 90, 64)):
        pixels = np.clip(level + rng.integers(-20, 20, (size, size, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(tmp_path / f"{name}.png")
    _truncate(tmp_path / "bad.png")
    stream = load_image_source(str(tmp_path), streaming=True)
    dataset = StreamingPatchDataset(stream, patch_size=32, patches_per_image=5, buffer_size=4)
    with pytest.warns(UserWarning, match="bad.png"):
        pairs = list(dataset)
    assert all(lr.shape == (3, 8, 8) and hr.shape == (3, 32, 32) for lr, hr in pairs)
    means = [hr.mean().item() * 255 for _, hr in pairs]
    assert sum(m < 80 for m in means) == 5 and sum(m > 160 for m in means) == 5  # "small" < patch
    assert len({hr.sum().item() for _, hr in pairs}) == 10  # 10 different crops


def test_a_stream_refuses_a_patch_that_does_not_fit_the_scale(image_folder):
    with pytest.raises(ValueError, match="multiple of the scale"):
        StreamingPatchDataset(load_image_source(str(image_folder), streaming=True), patch_size=30)


def test_a_shared_cache_file_is_written_once_and_reused_by_the_next_process(
    image_folder, tmp_path, monkeypatch
):
    cache_file = tmp_path / "cache" / "images.npy"
    first = SRPatchDataset(load_image_source(str(image_folder)), patch_size=32, cache_file=cache_file, seed=1)
    assert cache_file.is_file() and isinstance(first.cached[0], np.memmap)  # views of the file

    with monkeypatch.context() as patched:  # the next process must not decode anything
        patched.setattr(SRPatchDataset, "_scan", lambda self, decode: pytest.fail("decoded again"))
        second = SRPatchDataset(
            load_image_source(str(image_folder)), patch_size=32, cache_file=cache_file, seed=1
        )
    assert second.indices == first.indices
    assert all(np.array_equal(a, b) for a, b in zip(first.cached, second.cached, strict=True))
    assert torch.equal(first[3][1], second[3][1])

    _truncate(image_folder / "img0.png")  # a changed image: the file is rebuilt, never reused
    with pytest.raises(ValueError, match="img0.png"):
        SRPatchDataset(load_image_source(str(image_folder)), patch_size=32, cache_file=cache_file)
