"""Upscaling images of any size with bounded memory.

The image is cut into a grid of tiles. Each tile is run through the model with `overlap` extra
low-resolution pixels of context on every side (so the convolutions see real neighbours, not
zero padding), cropped back, and blended into its neighbours with linear ramps over the
`overlap` band. Tiles are processed one at a time and finished rows of tiles are written out as
integers, so peak memory is one row band of floats plus the output image, whatever the size.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from hf_srgan.imageio import as_pil, from_rgb_array, to_rgb_array
from hf_srgan.models.generator import SRGenerator


class NonFiniteOutputError(RuntimeError):
    """The model's output holds NaN or inf even in float32."""


DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def select_device(device: str | torch.device | None = None) -> torch.device:
    """The given device, else CUDA, then Apple MPS, then CPU."""
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cpu_supports_bf16() -> bool:
    """Whether this CPU has native bf16 matmuls (AVX-512 BF16 / AMX), where bf16 is ~2x faster."""
    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def select_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """Resolve "auto" (fp16 on CUDA, bf16 on CPUs that support it, else fp32) or a named dtype."""
    if dtype == "auto":
        if device.type == "cuda":
            return torch.float16
        if device.type == "cpu" and cpu_supports_bf16():
            return torch.bfloat16
        return torch.float32
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {['auto', *DTYPES]}, got {dtype!r}")
    return DTYPES[dtype]


# Peak memory of an untiled WDRN forward per input pixel, measured at 1024x1024 (README benchmark:
# 8.65 GB fp32, 4.52 GB bf16). "auto" tiling picks the largest tile that stays under the budget.
BYTES_PER_INPUT_PIXEL = {torch.float32: 8_600, torch.bfloat16: 4_500, torch.float16: 4_500}
AUTO_TILE_BUDGET_BYTES = 1.5e9


def auto_tile(dtype: torch.dtype, budget_bytes: float = AUTO_TILE_BUDGET_BYTES) -> int:
    """The largest square tile (input px, a multiple of 16) whose forward fits `budget_bytes`."""
    side = int(math.sqrt(budget_bytes / BYTES_PER_INPUT_PIXEL[dtype]))
    return max(64, side // 16 * 16)


def even_tile(length: int, max_tile: int, overlap: int = 0) -> int:
    """The tile size that covers `length` with the fewest tiles of at most `max_tile`, `overlap` apart.

    All tiles get nearly the same size (no slivers). Counting the overlap matters: 1024 px in
    tiles of at most 576 is 2 tiles of 520 with a 16 px overlap, where splitting 1024 in two
    first (512) and overlapping afterwards needed 3 per side, 9 forwards instead of 4.
    """
    if length <= max_tile:
        return length
    count = math.ceil((length - overlap) / (max_tile - overlap))
    return math.ceil((length + (count - 1) * overlap) / count)


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles of size `tile` covering `length`, `overlap` apart; the last is flush."""
    if tile >= length:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride))
    return [*starts, length - tile]


def blend_weights(start: int, size: int, length: int, ramp: int) -> torch.Tensor:
    """1-D feathering weights: linear ramps on sides that touch a neighbour tile, 1 elsewhere."""
    weights = torch.ones(size)
    ramp = min(ramp, size // 2)
    if ramp > 0:
        rising = (torch.arange(ramp, dtype=torch.float32) + 0.5) / ramp
        if start > 0:
            weights[:ramp] = rising
        if start + size < length:
            weights[-ramp:] = rising.flip(0)
    return weights


def _run_model(model: torch.nn.Module, lr: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Forward one tile under autocast; retry in fp32 if reduced precision overflowed."""
    if dtype != torch.float32:
        with torch.autocast(lr.device.type, dtype=dtype):
            sr = model(lr).float()
        if torch.isfinite(sr).all():
            return sr
        warnings.warn(f"{dtype} produced NaN/inf on a tile; recomputing it in float32", stacklevel=3)
    sr = model(lr)
    if not torch.isfinite(sr).all():
        # A black or white image with exit code 0 would hide this; it means broken weights.
        raise NonFiniteOutputError("the model produced NaN/inf values: its weights are broken")
    return sr


def _run_self_ensemble(model: torch.nn.Module, lr: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Mean of the model's outputs over the 8 flips/rotations of the tile, each mapped back.

    The model is not exactly equivariant to these transforms, so their errors partly cancel: the
    usual "+" of published tables (EDSR+), about +0.1-0.2 dB for 8x the compute.
    """
    total = torch.zeros(())
    for quarter_turns in range(4):
        for flip in (False, True):
            x = torch.rot90(lr, quarter_turns, dims=(2, 3))
            sr = _run_model(model, x.flip(3) if flip else x, dtype)
            total = total + torch.rot90(sr.flip(3) if flip else sr, -quarter_turns, dims=(2, 3))
    return total / 8


@torch.inference_mode()
def upscale_array(
    model: torch.nn.Module,
    rgb: np.ndarray,
    *,
    scale: int,
    tile: int | None = 192,
    overlap: int = 16,
    dtype: torch.dtype = torch.float32,
    device: torch.device,
    out_dtype: type = np.uint8,
    self_ensemble: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Super-resolve an HxWx3 float array in [0, 1] into an (sH)x(sW)x3 integer array.

    `tile` (the largest tile side) and `overlap` are in input pixels; each side is split into
    equal tiles no larger than `tile`; ``tile=None`` runs the whole image at once.
    `self_ensemble` averages each tile over its 8 flips/rotations (8x slower, a little more accurate).
    `progress(done, total)` is called after every tile (for UIs).
    """
    run = _run_self_ensemble if self_ensemble else _run_model
    height, width, _ = rgb.shape
    overlap = min(overlap, (tile or max(height, width)) // 2)
    tile_h = even_tile(height, tile or height, overlap)
    tile_w = even_tile(width, tile or width, overlap)
    ys, xs = tile_starts(height, tile_h, overlap), tile_starts(width, tile_w, overlap)
    ramp = overlap * scale
    # Tiles form a product grid: each tile's weight is the outer product of its row's and column's
    # 1-D weights, computed once per axis, and the normaliser (their sum) is separable too.
    # Blending runs in torch, channel-first and in place: on a 16 MP output numpy's single-threaded
    # temporaries cost a tenth of the whole call for a small model.
    weights_y = [blend_weights(y * scale, tile_h * scale, height * scale, ramp) for y in ys]
    weights_x = [blend_weights(x * scale, tile_w * scale, width * scale, ramp) for x in xs]
    norm_y = torch.zeros(height * scale)
    for y, w_y in zip(ys, weights_y, strict=True):
        norm_y[y * scale : (y + tile_h) * scale] += w_y
    norm_x = torch.zeros(width * scale)
    for x, w_x in zip(xs, weights_x, strict=True):
        norm_x[x * scale : (x + tile_w) * scale] += w_x

    max_value = float(np.iinfo(out_dtype).max)
    out = np.empty((height * scale, width * scale, 3), dtype=out_dtype)
    carry = torch.zeros(3, 0, width * scale)
    done, total = 0, len(ys) * len(xs)
    for row, (y, w_y) in enumerate(zip(ys, weights_y, strict=True)):
        band = torch.zeros(3, tile_h * scale, width * scale)
        band[:, : carry.shape[1]] = carry
        top, bottom = max(0, y - overlap), min(height, y + tile_h + overlap)
        for x, w_x in zip(xs, weights_x, strict=True):
            left, right = max(0, x - overlap), min(width, x + tile_w + overlap)
            lr = torch.from_numpy(np.ascontiguousarray(rgb[top:bottom, left:right].transpose(2, 0, 1)))
            lr = lr[None].to(device).contiguous(memory_format=torch.channels_last)
            sr = run(model, lr, dtype)[0].clamp_(0, 1)
            oy, ox = (y - top) * scale, (x - left) * scale
            sr = sr[:, oy : oy + tile_h * scale, ox : ox + tile_w * scale].cpu()
            band[:, :, x * scale : (x + tile_w) * scale] += sr * torch.outer(w_y, w_x)
            done += 1
            if progress is not None:
                progress(done, total)
        # Rows above the next tile row receive no more contributions: normalise and emit them.
        next_y = ys[row + 1] if row + 1 < len(ys) else y + tile_h
        finished = (next_y - y) * scale
        rows = band[:, :finished].div_(torch.outer(norm_y[y * scale : y * scale + finished], norm_x))
        rows = rows.clamp_(0, 1).mul_(max_value).round_()
        if out_dtype == np.uint8:
            rows = rows.to(torch.uint8)
        out[y * scale : y * scale + finished] = rows.permute(1, 2, 0).numpy()
        carry = band[:, finished:]
    return out


def upscale(
    model: SRGenerator,
    image: Image.Image | np.ndarray,
    *,
    tile: int | str | None = "auto",
    overlap: int = 16,
    dtype: str = "auto",
    device: str | torch.device | None = None,
    self_ensemble: bool = False,
    progress: Callable[[int, int], None] | bool | None = None,
    outscale: float | None = None,
) -> Image.Image:
    """Super-resolve a PIL image or numpy array and return a PIL image in the input's mode.

    RGBA/LA keep their alpha (upscaled with bicubic), L stays L, 16-bit grayscale stays 16-bit,
    P and CMYK come back as RGB(A). ``dtype="auto"`` (default) picks fp16 on CUDA and bf16 on
    CPUs with native bf16; reduced precision falls back to fp32 for any tile that overflows.
    ``tile="auto"`` uses the largest tile whose forward stays within ~1.5 GB (`auto_tile`), so
    typical photos run untiled and huge ones in equal tiles; an int caps the tile side.
    ``self_ensemble=True`` averages the 8 flips/rotations of every tile (8x the time).
    ``progress=True`` shows a tqdm bar over tiles; a callable receives ``(done, total)``.
    ``outscale`` (e.g. 2, 3 or 1.5) returns that final scale instead of the model's: the model's
    output is resampled with an antialiased Lanczos filter, as Real-ESRGAN's ``--outscale`` does.
    The model is moved to the chosen device and put in eval mode.
    """
    pil = as_pil(image)
    target = output_size(pil.size, outscale) if outscale is not None else None
    rgb, info = to_rgb_array(pil)
    torch_device = select_device(device)
    torch_dtype = select_dtype(dtype, torch_device)
    if tile == "auto":
        tile = auto_tile(torch_dtype)
    model = model.to(torch_device).eval()
    callback = progress if callable(progress) else None
    with tqdm(desc="tiles", unit="tile", leave=False, disable=progress is not True) as bar:

        def report(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)
            if callback is not None:
                callback(done, total)

        out = upscale_array(
            model,
            rgb,
            scale=model.scale,
            tile=tile,
            overlap=overlap,
            dtype=torch_dtype,
            device=torch_device,
            out_dtype=np.uint16 if info.mode == "I;16" else np.uint8,
            self_ensemble=self_ensemble,
            progress=report,
        )
    result = from_rgb_array(out, info)
    if target is not None and target != result.size:
        result = result.resize(target, Image.Resampling.LANCZOS)
    return result


def output_size(size: tuple[int, int], outscale: float) -> tuple[int, int]:
    """The (width, height) for a final scale; refuses scales that are not positive finite numbers."""
    if isinstance(outscale, bool) or not isinstance(outscale, int | float) or not math.isfinite(outscale):
        raise ValueError(f"outscale must be a positive number, got {outscale!r}")
    if outscale <= 0:
        raise ValueError(f"outscale must be a positive number, got {outscale!r}")
    width, height = (max(1, round(side * outscale)) for side in size)
    return width, height
