"""The Space as visitors use it: a real Gradio server on 127.0.0.1, driven by gradio_client and Chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.space, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT_DIR = REPO_ROOT / "test-output"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python app.py` from the space/ folder (as a Space runs it) with a tiny model and a small pixel cap."""
    from hf_srgan.models import PRESETS, SRGenerator

    model_dir = tmp_path_factory.mktemp("model") / "tiny-x4"
    SRGenerator(**PRESETS["tiny"]).save_pretrained(model_dir)
    port = free_port()
    env = {
        **os.environ,
        "HF_SRGAN_MODELS": str(model_dir),
        "HF_SRGAN_SPACE_MAX_PIXELS": "40000",
        "GRADIO_SERVER_PORT": str(port),
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    process = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=REPO_ROOT / "space",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.5)
    yield url, str(model_dir)
    process.terminate()
    process.wait(timeout=30)


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


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_in_a_real_browser(server, photo):
    from playwright.sync_api import sync_playwright

    OUTPUT_DIR.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server[0])
        page.set_input_files("#upload input[type=file]", str(photo))
        page.locator("#preview img").first.wait_for()  # the upload was accepted and previewed
        page.click("#upscale")
        page.wait_for_function("document.querySelectorAll('#slider img').length >= 2", timeout=60_000)
        images = page.locator("#slider img")
        assert images.count() >= 2
        box = page.locator("#slider .image-container").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        assert "160x120" in page.inner_text("#info")
        page.screenshot(path=str(OUTPUT_DIR / "space.png"), full_page=True)
        browser.close()
    assert (OUTPUT_DIR / "space.png").stat().st_size > 10_000


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
