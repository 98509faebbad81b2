"""The Space as visitors use it: a real Gradio server on 127.0.0.1, driven by gradio_client and Chromium."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from hf_srgan.local_space import CHROMIUM, capture, running_space
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.space, pytest.mark.slow]
OUTPUT_DIR = REPO_ROOT / "test-output"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python app.py` from the space/ folder (as a Space runs it) with a tiny model and a small pixel cap."""
    from hf_srgan.models import PRESETS, SRGenerator

    model_dir = tmp_path_factory.mktemp("model") / "tiny-x4"
    SRGenerator(**PRESETS["tiny"]).save_pretrained(model_dir)
    env = {
        "HF_SRGAN_MODELS": f"{model_dir},wdrn-x4,wdrn-x4-real",  # wdrn-x4: requests slow enough to queue
        "HF_SRGAN_SPACE_MAX_PIXELS": "40000",
    }
    with running_space(env) as url:
        yield url, str(model_dir)


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server[0], verbose=False)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (30, 40, 3), np.uint8)).save(path)
    return path


def test_upload_returns_two_images_four_times_larger(client, server, photo):
    from gradio_client import handle_file

    (bicubic, sr), download, info = client.predict(handle_file(str(photo)), server[1], api_name="/upscale")
    assert Image.open(bicubic).size == Image.open(sr).size == (160, 120)
    assert Image.open(download).size == (160, 120) and Image.open(download).format == "PNG"
    assert "40x30" in info and "160x120" in info
    _, download, info = client.predict(handle_file(str(photo)), server[1], 2.5, api_name="/upscale")
    assert Image.open(download).size == (100, 75) and download.endswith("_x2.5.png")


def test_waiting_visitors_get_their_place_in_the_queue_and_the_expected_wait(client, tmp_path):
    """What Gradio's status line shows a visitor ("queue: 2/3 | 4.1s") comes from these updates."""
    import time

    from gradio_client import handle_file
    from gradio_client.utils import Status

    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (200, 200, 3), np.uint8)).save(path)
    client.predict(handle_file(str(path)), "wdrn-x4", api_name="/upscale")  # loads it; times one run
    # Two run at once (the default concurrency), so five leave at least two waiting, one behind another.
    jobs = [client.submit(handle_file(str(path)), "wdrn-x4", api_name="/upscale") for _ in range(5)]
    queued = []
    while not all(job.done() for job in jobs):
        for job in jobs:
            status = job.status()
            if status.code == Status.IN_QUEUE and status.rank:
                queued.append(status)
        time.sleep(0.02)
    assert all(job.result()[2].startswith("**200x200**") for job in jobs)
    assert queued and max(status.rank for status in queued) >= 1 and queued[0].queue_size >= 2
    assert all(status.eta is not None and status.eta > 0 for status in queued)


def test_grayscale_sixteen_bit_upload_works(client, server, tmp_path):
    from gradio_client import handle_file

    path = tmp_path / "deep.png"
    Image.fromarray(np.linspace(0, 65535, 400).reshape(20, 20).astype(np.uint16)).save(path)
    _, download, _ = client.predict(handle_file(str(path)), server[1], api_name="/upscale")
    assert Image.open(download).mode in ("I;16", "I")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty file"), (b"GIF89a this is not really an image", "not an image"), ("big", "over the limit")],
)
def test_bad_uploads_get_a_clear_message(client, server, tmp_path, content, message):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path = tmp_path / "upload.png"
    if content == "big":
        Image.new("RGB", (300, 300)).save(path)  # 90,000 px, over the test server's 40,000 cap
    else:
        path.write_bytes(content)
    with pytest.raises(AppError, match=message):
        client.predict(handle_file(str(path)), server[1], api_name="/upscale")


@pytest.mark.parametrize("kind", ["cmyk", "float"])
def test_previews_of_cmyk_and_float_uploads_are_shown_as_rgb(client, tmp_path, kind):
    from gradio_client import handle_file

    path = tmp_path / f"{kind}.tif"
    if kind == "cmyk":
        Image.new("CMYK", (20, 10), (0, 255, 255, 0)).save(path)  # red
    else:
        Image.fromarray(np.full((10, 20), 0.5, np.float32), mode="F").save(path)
    shown = np.asarray(Image.open(client.predict(handle_file(str(path)), api_name="/preview")).convert("RGB"))
    assert shown.shape == (10, 20, 3)
    expected = (255, 0, 0) if kind == "cmyk" else (128, 128, 128)
    np.testing.assert_allclose(shown[5, 10], expected, atol=2)


def test_float_upload_outside_0_1_gets_a_clear_message(client, server, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    path = tmp_path / "hdr.tif"
    Image.fromarray(np.full((10, 20), 7.5, np.float32), mode="F").save(path)
    with pytest.raises(AppError, match=r"in \[0, 1\]"):
        client.predict(handle_file(str(path)), server[1], api_name="/upscale")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_in_a_real_browser(server, photo):
    shown = capture(server[0], photo, OUTPUT_DIR / "space.png", slider_at=0.25)
    assert shown["slider_images"] >= 2  # bicubic and super-resolved, inside the slider element
    assert "160x120" in shown["info"]
    assert (OUTPUT_DIR / "space.png").stat().st_size > 10_000


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_texture_slider_in_a_real_browser(server, photo):
    """Picking wdrn-x4 wakes the texture slider; at 0.5 the result comes from the blend of the two models."""
    shown = capture(server[0], photo, OUTPUT_DIR / "space-texture.png", model="wdrn-x4", blend=0.5)
    assert shown["slider_images"] >= 2 and shown["blend"] == "0.5"
    assert "wdrn-x4 + texture 0.5 (wdrn-x4-gan)" in shown["info"]


def test_each_photo_model_gets_its_own_control():
    """wdrn-x4-real's slider is a denoise strength ending at it; wdrn-x4-gan's is the texture one."""
    app = load_app_module()
    real, gan = app.blend_settings("wdrn-x4-real"), app.blend_settings("wdrn-x4-gan")
    assert real["label"] == "Denoise" and real["value"] == 1.0 and real["interactive"]
    assert gan["label"] == "Texture" and gan["value"] == 1.0
    assert not app.blend_settings("srresnet-x4")["interactive"]
    published = app.blend_settings("hf-srgan/wdrn-x4-real")  # HF_SRGAN_MODELS may list Hub ids
    assert published["label"] == "Denoise" and published["value"] == 1.0


def test_denoise_blend_is_the_result_named_in_the_info(client, photo):
    """Through the API: wdrn-x4-real at denoise 0.5 is the blend with wdrn-x4, and says so."""
    from gradio_client import handle_file

    _, _, info = client.predict(handle_file(str(photo)), "wdrn-x4-real", 4, 0.5, api_name="/upscale")
    assert "wdrn-x4 + denoise 0.5 (wdrn-x4-real)" in info


def test_app_starts_from_the_repository_root(tmp_path):
    """`python space/app.py` builds the same app (imported, not launched, to keep this quick)."""
    code = "import runpy; ns = runpy.run_path('space/app.py'); print(type(ns['demo']).__name__)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert out.stdout.strip().endswith("Blocks"), out.stderr


def load_app_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("space_app", REPO_ROOT / "space" / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    return app


def test_default_model_is_preselected(monkeypatch):
    monkeypatch.delenv("HF_SRGAN_MODELS", raising=False)
    assert load_app_module().configured_models()[0] == "wdrn-x4"


def test_old_results_are_deleted_by_later_requests(monkeypatch, tmp_path):
    app = load_app_module()
    monkeypatch.setattr(app, "OUTPUT_ROOT", tmp_path / "outputs")
    first = app.fresh_output_dir()
    (first / "result.png").write_bytes(b"x")
    second = app.fresh_output_dir(max_age_s=3600)
    assert first.exists() and second.exists()
    third = app.fresh_output_dir(max_age_s=-1)  # everything counts as old
    assert not first.exists() and not second.exists() and third.exists()


def test_cores_are_divided_among_the_upscales_in_flight(monkeypatch):
    app = load_app_module()
    monkeypatch.setattr(app.os, "cpu_count", lambda: 2)
    before = torch.get_num_threads()
    try:
        with app.share_cores():
            assert torch.get_num_threads() == 2  # a lone request gets both cores
            with app.share_cores():
                assert torch.get_num_threads() == 1
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
