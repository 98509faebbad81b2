"""Safe image opening and the mapping between PIL's many modes and the model's RGB floats.

Everything a user can throw at the upscaler (zero-byte, truncated, non-image and bomb files,
RGBA, LA, P, CMYK, 16-bit, grayscale, rotated JPEGs) ends up either as an `ImageLoadError` naming
the file and the reason, or as an RGB float array plus what is needed to give the result back in
the input's own mode.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_PIXELS = 36_000_000
"""Largest input accepted by `open_image` (6000x6000); override with HF_SRGAN_MAX_PIXELS."""

SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I"}


class ImageLoadError(ValueError):
    """An input image cannot be used; the message names the file and the reason."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def max_pixels_from_env() -> int:
    """The pixel limit, from HF_SRGAN_MAX_PIXELS when set (a deployment knob), else the default."""
    return int(os.environ.get("HF_SRGAN_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def open_image(path: str | os.PathLike, max_pixels: int | None = None) -> Image.Image:
    """Open, fully decode and orient an image, or raise `ImageLoadError`.

    The size check runs on the header before any pixel is decoded, so a decompression bomb
    costs nothing. Animated files give their first frame (with a warning).
    """
    name = str(path)
    limit = max_pixels or max_pixels_from_env()
    if not Path(path).is_file():
        raise ImageLoadError(name, "no such file")
    if Path(path).stat().st_size == 0:
        raise ImageLoadError(name, "empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > limit:
                    raise ImageLoadError(
                        name, f"{width}x{height} is {width * height:,} pixels, over the limit of {limit:,}"
                    )
                frames = getattr(image, "n_frames", 1)
                deep_colour = is_16_bit_colour(image)
                image.seek(0)
                image.load()
                # A copy (rotated as EXIF says) that no longer holds the file open.
                oriented = ImageOps.exif_transpose(image)
    except ImageLoadError:
        raise
    except UnidentifiedImageError:
        raise ImageLoadError(name, "not an image Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageLoadError(name, f"decompression bomb refused ({err})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageLoadError(name, f"corrupt or truncated image ({err})") from None
    if frames > 1:
        warnings.warn(f"{name} has {frames} frames; using the first", stacklevel=2)
    if deep_colour:
        warnings.warn(
            f"{name} has 16 bits per colour channel; Pillow decodes it to 8, so the result is 8-bit",
            stacklevel=2,
        )
    return oriented


def is_16_bit_colour(image: Image.Image) -> bool:
    """Whether an opened, not yet loaded, file stores 16-bit colour channels.

    Pillow has no 16-bit colour mode: it decodes such files to 8 bits per channel and says so
    only in the raw mode of its decoder tile, which `load()` discards.
    """
    if image.mode not in ("RGB", "RGBA") or not image.tile:
        return False
    args = image.tile[0].args
    raw_mode = args if isinstance(args, str) else (args or ("",))[0]
    return ";16" in str(raw_mode)


@dataclass
class ModeInfo:
    """How to turn the model's RGB output back into the input's kind of image."""

    mode: str  # the mode of the returned image
    alpha: Image.Image | None  # the input's alpha channel, upscaled separately


def to_rgb_array(image: Image.Image) -> tuple[np.ndarray, ModeInfo]:
    """An HxWx3 float32 array in [0, 1] and what is needed to restore the input's mode."""
    if image.mode == "F":  # float TIFFs: values in [0, 1] have a clear meaning, anything else doesn't
        gray = np.asarray(image, dtype=np.float32)
        if not np.isfinite(gray).all() or gray.min() < 0 or gray.max() > 1:
            raise ValueError("float images (mode F) must hold finite values in [0, 1]")
        return np.repeat(gray[..., None], 3, axis=2), ModeInfo("L", None)
    if image.mode == "I":  # 32-bit integers: accept what fits 16 bits, refuse the rest
        values = np.asarray(image)
        if values.min() < 0 or values.max() > 65535:
            raise ValueError(f"32-bit integer image with values {values.min()}..{values.max()}: not 0-65535")
        image = Image.fromarray(values.astype(np.uint16))
    if image.mode in ("L", "RGB") and "transparency" in image.info:  # PNG tRNS: a colour key
        image = image.convert("LA" if image.mode == "L" else "RGBA")
    if image.mode in SIXTEEN_BIT_MODES:
        gray = np.asarray(image, dtype=np.float32) / 65535.0
        return np.repeat(np.clip(gray, 0, 1)[..., None], 3, axis=2), ModeInfo("I;16", None)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "1":
        image = image.convert("L")
    alpha = None
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = image.getchannel("A")
    out_mode = {"L": "L", "LA": "LA", "La": "LA"}.get(image.mode, "RGBA" if alpha is not None else "RGB")
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return rgb, ModeInfo(out_mode, alpha)


def from_rgb_array(rgb: np.ndarray, info: ModeInfo) -> Image.Image:
    """Turn the model's HxWx3 output (uint8, or uint16 for 16-bit inputs) into the input's mode."""
    if info.mode == "I;16":
        gray = rgb.astype(np.float32).mean(axis=2)
        return Image.fromarray(np.round(gray).astype(np.uint16))
    image = Image.fromarray(rgb)
    if info.mode in ("L", "LA"):
        image = image.convert("L")
    if info.alpha is not None:
        alpha = info.alpha.resize(image.size, Image.Resampling.BICUBIC)
        image = image.convert("LA" if info.mode == "LA" else "RGBA")
        image.putalpha(alpha)
    return image


def as_pil(image: Image.Image | np.ndarray) -> Image.Image:
    """Accept PIL images and numpy arrays (HxW or HxWxC; uint8, uint16, or float in [0, 1])."""
    if isinstance(image, Image.Image):
        return image
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise ValueError(f"expected an HxW, HxWx1, HxWx3 or HxWx4 array, got shape {array.shape}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.dtype == np.uint16:
        if array.ndim != 2:
            raise ValueError(
                "16-bit arrays must be grayscale (HxW): PIL has no 16-bit colour mode; "
                "pass colour as uint8 or float in [0, 1] (the result is 8-bit)"
            )
        return Image.fromarray(array)
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ValueError("float arrays must hold finite values in [0, 1], got NaN or inf")
        if array.min() < 0 or array.max() > 1:
            raise ValueError(
                f"float arrays must hold values in [0, 1], got {array.min():g}..{array.max():g} "
                "(divide 0-255 data by 255, or pass uint8)"
            )
        array = np.round(array * 255.0)
    elif array.dtype != np.uint8:
        raise ValueError(f"unsupported array dtype {array.dtype}; use uint8, uint16 or float in [0, 1]")
    return Image.fromarray(array.astype(np.uint8))


def atomic_save(image: Image.Image, target: Path, **save_kwargs) -> None:
    """Save so that `target` is either its old self or the complete new image, never a part.

    The image goes to a hidden temporary file in the same folder, is flushed to disk, then renamed
    over `target`; a rename replaces the name only, so a hard-linked old target is not modified.
    On any failure (full disk, signal) the temporary file is removed.
    """
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            image.save(
                handle, format=Image.registered_extensions().get(target.suffix.lower(), "PNG"), **save_kwargs
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
