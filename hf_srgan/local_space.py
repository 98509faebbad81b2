"""Run the Space (`space/app.py`) as a local server, and drive it in headless Chromium.

The README screenshot (scripts/screenshot_space.py), the concurrency benchmark and the Space tests
all use these, so the screenshot, the benchmark and the tests exercise the same server and clicks.
Works in a checkout of the repository, where `space/` sits beside the package.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

SPACE_DIR = Path(__file__).resolve().parents[1] / "space"
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


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: IO[str], timeout: float) -> None:
    """Poll `url` until it answers; fail with the server's `log` if it exits first."""
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the Space exited before answering:\n{log.read()[-3000:]}") from None
            if time.time() > deadline:
                raise TimeoutError(f"{url} did not answer in {timeout} s") from None
            time.sleep(0.5)


@contextmanager
def running_space(env: dict[str, str] | None = None, timeout: float = 120) -> Iterator[str]:
    """Start `space/app.py` on a free port (offline, `env` added), yield its URL once it answers, stop it.

    The server's output goes to a temporary file, shown in the error if it exits before answering.
    """
    if not (SPACE_DIR / "app.py").exists():
        raise FileNotFoundError(f"{SPACE_DIR / 'app.py'} not found: run from a checkout of the repository")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    full_env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        **(env or {}),
        "GRADIO_SERVER_PORT": str(port),
    }
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=SPACE_DIR, env=full_env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_until_up(url, process, log, timeout)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def capture(
    url: str,
    image: Path,
    out: Path,
    slider_at: float = 0.5,
    model: str | None = None,
    blend: float | None = None,
) -> dict:
    """Upload `image`, pick `model`, set its `blend` if given, press Upscale, drag the slider, screenshot.

    Uses Debian's /usr/bin/chromium through Playwright (no browser download). Returns what the
    page showed: the number of slider images, the info line and the blend slider's value.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.set_input_files("#upload input[type=file]", str(image))
        page.locator("#preview img").first.wait_for()  # the upload was accepted and previewed
        if model is not None:
            page.click("#model input")
            page.get_by_role("option", name=model, exact=True).click()
        if blend is not None:
            number = page.locator("#blend input[type=number]")
            page.wait_for_function("!document.querySelector('#blend input[type=range]').disabled")
            number.fill(str(blend))
            number.press("Enter")
        page.click("#upscale")
        page.wait_for_function("document.querySelectorAll('#slider img').length >= 2", timeout=120_000)
        box = page.locator("#slider .image-container").first.bounding_box()
        middle_y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] / 2, middle_y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * slider_at, middle_y, steps=5)
        page.mouse.up()
        shown = {
            "slider_images": page.locator("#slider img").count(),
            "info": page.inner_text("#info"),
            "blend": page.locator("#blend input[type=number]").input_value(),
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    return shown
