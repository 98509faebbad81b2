import io
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from hf_srgan.imageio import ImageLoadError, as_pil, from_rgb_array, open_image, to_rgb_array


def save(image: Image.Image, path, **kwargs):
    image.save(path, **kwargs)
    return path


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file"), (b"this is not an image at all", "not an image"), (None, "no such file")],
)
def test_bad_files_raise_one_clear_error(tmp_path, content, reason):
    path = tmp_path / "bad.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageLoadError, match=reason) as info:
        open_image(path)
    assert str(path) in str(info.value)


def test_truncated_file(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)).save(buffer, "PNG")
    path = tmp_path / "truncated.png"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ImageLoadError, match="corrupt or truncated"):
        open_image(path)


def test_decompression_bomb_is_refused_before_decoding(tmp_path, monkeypatch):
    path = save(Image.new("L", (400, 300)), tmp_path / "big.png")
    with pytest.raises(ImageLoadError, match="over the limit"):
        open_image(path, max_pixels=100_000)
    monkeypatch.setenv("HF_SRGAN_MAX_PIXELS", "1000")
    with pytest.raises(ImageLoadError, match="over the limit of 1,000"):
        open_image(path)


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (40, 20), "red")
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    path = save(image, tmp_path / "rotated.jpg", exif=exif)
    assert open_image(path).size == (20, 40)


def test_animated_images_give_the_first_frame_with_a_warning(tmp_path):
    frames = [Image.new("RGB", (8, 8), color) for color in ("red", "green", "blue")]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.warns(UserWarning, match="3 frames"):
        image = open_image(path)
    assert image.size == (8, 8)


@pytest.mark.parametrize(
    ("mode", "out_mode"),
    [
        ("RGB", "RGB"),
        ("RGBA", "RGBA"),
        ("LA", "LA"),
        ("L", "L"),
        ("P", "RGB"),
        ("CMYK", "RGB"),
        ("1", "L"),
        ("I;16", "I;16"),
        ("I", "I;16"),
    ],
)
def test_modes_map_to_rgb_and_back(mode, out_mode):
    image = Image.new("RGB", (6, 4), (200, 100, 50)).convert(mode)
    rgb, info = to_rgb_array(image)
    assert rgb.shape == (4, 6, 3) and rgb.dtype == np.float32 and rgb.min() >= 0 and rgb.max() <= 1
    out_dtype = np.uint16 if info.mode == "I;16" else np.uint8
    restored = from_rgb_array(np.zeros((16, 24, 3), out_dtype), info)
    assert restored.mode == out_mode
    assert restored.size == (24, 16)


def test_alpha_is_kept():
    image = Image.new("RGBA", (4, 4), (10, 20, 30, 77))
    rgb, info = to_rgb_array(image)
    restored = from_rgb_array(np.zeros((16, 16, 3), np.uint8), info)
    assert np.asarray(restored.getchannel("A")).min() == 77


def png_16_bit_rgb(pixels: np.ndarray) -> bytes:
    """A 16-bit RGB PNG, written by hand because Pillow cannot write one."""
    height, width, _ = pixels.shape
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_16_bit_colour_is_read_as_8_bit_with_a_warning(tmp_path):
    pixels = np.full((6, 7, 3), 0x1234, np.uint16)
    path = tmp_path / "deep.png"
    path.write_bytes(png_16_bit_rgb(pixels))
    with pytest.warns(UserWarning, match="16 bits per colour channel"):
        image = open_image(path)
    assert image.mode == "RGB" and image.size == (7, 6)
    assert np.asarray(image)[0, 0, 0] == 0x12


def test_as_pil_accepts_arrays_and_rejects_wrong_shapes():
    assert as_pil(np.zeros((4, 5, 3), np.uint8)).mode == "RGB"
    assert as_pil(np.zeros((4, 5), np.uint16)).mode == "I;16"
    assert as_pil(np.ones((4, 5, 4), np.float32)).mode == "RGBA"
    with pytest.raises(ValueError, match="shape"):
        as_pil(np.zeros((4, 5, 2), np.uint8))
    with pytest.raises(ValueError, match="dtype"):
        as_pil(np.zeros((4, 5, 3), np.int64))


def test_warnings_are_not_errors_for_normal_images(tmp_path):
    path = save(Image.new("RGB", (10, 10)), tmp_path / "ok.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert open_image(path).size == (10, 10)
