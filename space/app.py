"""hf_srgan Space: upload a picture, upscale it 4x, compare bicubic and super-resolution on a slider.

Runs as a Hugging Face Space (this folder, with `hf_srgan` installed or copied beside it) or
locally from the repository: `python space/app.py`. Settings come from environment variables:

- HF_SRGAN_MODELS: comma-separated bundled names, Hub ids or folders (default: the bundled models)
- HF_SRGAN_SPACE_MAX_PIXELS: largest accepted input in pixels (default 1,000,000; output is 16x that)
- HF_SRGAN_DTYPE: float32, bfloat16, float16 or auto (default auto: bf16 on capable CPUs, fp16 on CUDA)
- HF_SRGAN_TILE: largest tile side in input pixels (default auto: the largest within ~1.5 GB)
- HF_SRGAN_CONCURRENCY: simultaneous upscales per process (default 2: on 2 cores, 2 requests with
  1 thread each served a burst 1.59x faster than 1 with 2 threads). The cores are divided among
  the upscales in flight, so a lone request gets all of them; benchmarks/space_concurrency.py
  measures both
- GRADIO_SERVER_NAME / GRADIO_SERVER_PORT: where to listen (default 127.0.0.1:7860)
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import gradio as gr
import numpy as np
import torch
from huggingface_hub import constants as hf_constants
from PIL import Image

from hf_srgan import DEFAULT_MODEL, ImageLoadError, SRGenerator, bundled_models, open_image, upscale
from hf_srgan.imageio import to_rgb_array
from hf_srgan.inference import select_device, select_dtype
from hf_srgan.model_card import PUBLISHED_ORG
from hf_srgan.models import ModelLoadError
from hf_srgan.pretrained import model_guide
from hf_srgan.texture import TEXTURE_STEPS, blend_of

EXAMPLES_DIR = Path(__file__).parent / "examples"
MAX_PIXELS = int(os.environ.get("HF_SRGAN_SPACE_MAX_PIXELS", 1_000_000))
DTYPE = os.environ.get("HF_SRGAN_DTYPE", "auto")
TILE = os.environ.get("HF_SRGAN_TILE", "auto")
TILE = TILE if TILE == "auto" else int(TILE)
CONCURRENCY = int(os.environ.get("HF_SRGAN_CONCURRENCY", 2))
PNG_COMPRESS_LEVEL = 1  # a 16 MP result: 1.0 s and 1.2x the bytes of level 6, which takes 5.3 s
OUTPUT_ROOT = Path(tempfile.gettempdir()) / "hf_srgan_space"
OUTPUT_MAX_AGE_S = 600.0
GRADIO_CACHE_CLEANUP = (600, 1800)  # every 10 min, delete Gradio's cached files older than 30 min


def configured_models() -> list[str]:
    """HF_SRGAN_MODELS, else the bundled models with the default one first (it is preselected)."""
    names = [m.strip() for m in os.environ.get("HF_SRGAN_MODELS", "").split(",") if m.strip()]
    return names or sorted(bundled_models() or [DEFAULT_MODEL], key=lambda name: name != DEFAULT_MODEL)


_in_flight = 0
_in_flight_lock = threading.Lock()


@contextmanager
def share_cores() -> Iterator[None]:
    """Divide the cores among the upscales in flight: a lone request runs on all of them.

    torch's thread count is one setting for the whole process (the OpenMP teams of every request
    thread follow it from their next operation), so it is re-divided whenever a request starts or ends.
    """
    global _in_flight
    cores = os.cpu_count() or 1
    with _in_flight_lock:
        _in_flight += 1
        torch.set_num_threads(max(1, cores // _in_flight))
    try:
        yield
    finally:
        with _in_flight_lock:
            _in_flight -= 1
            torch.set_num_threads(max(1, cores // max(1, _in_flight)))


@cache
def load_model(name: str) -> SRGenerator:
    """Each model is loaded once per process and shared by all requests.

    A bundled name is fetched from its published Hub repository (the README's ``models:``), so a
    re-published model reaches the Space without a redeploy; offline, or if that fails, the copy
    bundled with the package is used.
    """
    if name in bundled_models() and not hf_constants.HF_HUB_OFFLINE:
        try:
            return SRGenerator.from_pretrained(f"{PUBLISHED_ORG}/{name}")
        except ModelLoadError:
            pass
    return SRGenerator.from_pretrained(name)


def load_input(path: str | None) -> Image.Image:
    if path is None:
        raise gr.Error("Upload an image first (PNG, JPEG, WebP, ...).")
    try:
        return open_image(path, max_pixels=MAX_PIXELS)
    except ImageLoadError as err:
        raise gr.Error(f"Cannot use {Path(path).name}: {err.reason}") from None


def preview(path: str | None) -> Image.Image | None:
    """Show the upload, or refuse it at once with the reason."""
    return None if path is None else display_copy(load_input(path))


def display_copy(image: Image.Image) -> Image.Image:
    """What the browser can show: 8-bit RGB(A), read the way the model reads it (CMYK, float, 16-bit)."""
    if image.mode in ("RGB", "RGBA"):
        return image
    try:
        rgb, info = to_rgb_array(image)
    except ValueError as err:  # e.g. a float TIFF outside [0, 1]
        raise gr.Error(f"Cannot use this image: {err}") from None
    shown = Image.fromarray(np.round(rgb * 255).astype(np.uint8))
    if info.alpha is not None:
        shown.putalpha(info.alpha)
    return shown


def fresh_output_dir(max_age_s: float = OUTPUT_MAX_AGE_S) -> Path:
    """A new folder for one result, after removing results older than `max_age_s`.

    Gradio copies returned files into its own cache (cleaned by ``delete_cache``), so ours are
    only needed for a moment; without this a long-running public Space fills its disk.
    """
    OUTPUT_ROOT.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in OUTPUT_ROOT.iterdir():
        try:
            if now - old.stat().st_mtime > max_age_s:
                shutil.rmtree(old, ignore_errors=True)
        except FileNotFoundError:  # removed by a concurrent request
            pass
    return Path(tempfile.mkdtemp(dir=OUTPUT_ROOT))


def blend_settings(model_name: str) -> dict:
    """The blend slider for `model_name`'s control (texture or denoise), set to that model's end."""
    blend = blend_of(model_name)
    if blend is None:
        return {
            "value": 1.0,
            "interactive": False,
            "label": "Blend",
            "info": "this model has no blend control",
        }
    return {
        "value": float(model_name == blend.end),
        "interactive": True,
        "label": blend.name.capitalize(),
        "info": f"{blend.meaning}; between is a blend of the two models",
    }


def blend_control(model_name: str) -> dict:
    return gr.update(**blend_settings(model_name))


def run_upscale(
    path: str | None,
    model_name: str,
    outscale: float = 4,
    blend_value: float | None = None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008
):
    start = time.perf_counter()
    image = load_input(path)
    shown_input = display_copy(image)  # refuses meaningless modes before any work
    blend = blend_of(model_name)  # API callers may leave the blend out: the model itself
    blended = blend is not None and blend_value is not None and blend_value != float(model_name == blend.end)
    try:
        model = blend.model(blend_value) if blended else load_model(model_name)
    except Exception as err:
        raise gr.Error(f"Cannot load model {model_name}: {str(err).splitlines()[0]}") from None
    if blended:
        model_name = blend.describe(blend_value)
    device = select_device()
    dtype = select_dtype(DTYPE, device)
    progress(0, desc="starting")
    with share_cores():
        upscale_start = time.perf_counter()
        result = upscale(
            model,
            image,
            tile=TILE,
            dtype=DTYPE,
            device=device,
            progress=lambda done, total: progress(done / total, desc=f"tile {done}/{total}"),
            outscale=None if outscale == model.scale else outscale,
        )
        upscale_seconds = time.perf_counter() - upscale_start
    # Each image is written once, as a fast PNG, the two at the same time (Pillow's encoder releases
    # the GIL); the slider and the download share the files.
    folder = fresh_output_dir()
    shown_result = display_copy(result)
    with ThreadPoolExecutor(2) as pool:
        writing_download = pool.submit(save_png, result, folder / f"{Path(path).stem}_x{outscale:g}.png")
        writing_bicubic = pool.submit(save_bicubic_png, shown_input, result.size, folder / "bicubic.png")
        download, bicubic = writing_download.result(), writing_bicubic.result()
    shown_sr = download if shown_result is result else save_png(shown_result, folder / "sr_8bit.png")
    info = (
        f"**{image.width}x{image.height}** -> **{result.width}x{result.height}** "
        f"in {upscale_seconds:.2f} s on {device.type} ({str(dtype).removeprefix('torch.')}), "
        f"model `{model_name}`; {time.perf_counter() - start:.2f} s with reading and writing the images"
    )
    return (bicubic, shown_sr), download, info


def save_png(image: Image.Image, path: Path) -> str:
    image.save(path, compress_level=PNG_COMPRESS_LEVEL)
    return str(path)


def save_bicubic_png(image: Image.Image, size: tuple[int, int], path: Path) -> str:
    """The slider's left side: the input enlarged with bicubic interpolation."""
    return save_png(image.resize(size, Image.Resampling.BICUBIC), path)


def build_demo() -> gr.Blocks:
    models = configured_models()
    examples = sorted(str(p) for p in EXAMPLES_DIR.glob("*.png"))
    with gr.Blocks(title="hf_srgan: 4x super-resolution", delete_cache=GRADIO_CACHE_CLEANUP) as demo:
        gr.Markdown(
            "# hf_srgan: 4x super-resolution\n"
            "Upload a picture and compare **bicubic** (left) with the **WDRN** super-resolution (right): "
            "drag "
            f"the slider. Inputs up to {MAX_PIXELS:,} pixels; large ones are processed tile by tile. "
            f"{CONCURRENCY} requests run at a time: while others are ahead of you, the result panel "
            "shows your place in the queue and the expected wait."
        )
        with gr.Row():
            with gr.Column(scale=1):
                upload = gr.File(label="Image", file_types=["image"], type="filepath", elem_id="upload")
                shown = gr.Image(
                    label="Input", type="pil", interactive=False, format="png", height=240, elem_id="preview"
                )
                model = gr.Dropdown(models, value=models[0], label="Model", elem_id="model")
                gr.Markdown(model_guide(), elem_id="model-guide")
                blend = gr.Slider(0, 1, step=1 / TEXTURE_STEPS, elem_id="blend", **blend_settings(models[0]))
                outscale = gr.Slider(
                    1,
                    4,
                    value=4,
                    step=0.5,
                    label="Output scale",
                    elem_id="outscale",
                    info="below 4: the 4x result resampled down with an antialiased filter",
                )
                button = gr.Button("Upscale", variant="primary", elem_id="upscale")
                gr.Examples(examples, inputs=upload, label="Examples (public domain / CC0)")
            with gr.Column(scale=2):
                slider = gr.ImageSlider(
                    label="bicubic | super-resolved",
                    type="pil",
                    format="png",
                    image_mode=None,
                    elem_id="slider",
                    max_height=720,
                )
                info = gr.Markdown(elem_id="info", label="Run details")
                download = gr.File(label="Full-resolution PNG", elem_id="download")
        upload.change(preview, inputs=upload, outputs=shown, api_name="preview")
        model.change(blend_control, inputs=model, outputs=blend, api_name=False)
        button.click(
            run_upscale,
            inputs=[upload, model, outscale, blend],
            outputs=[slider, download, info],
            api_name="upscale",
            concurrency_limit=CONCURRENCY,
        )
    return demo.queue(max_size=32)


demo = build_demo()

if __name__ == "__main__":
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    port = int(os.environ.get("GRADIO_SERVER_PORT", 7860))
    print(f"hf_srgan Space on http://{host}:{port}", flush=True)
    demo.launch(server_name=host, server_port=port)
