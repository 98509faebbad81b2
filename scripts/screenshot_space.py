"""Drive the Space in headless Chromium: upload, Upscale, drag the slider, screenshot.

    python scripts/screenshot_space.py                # starts the Space on the default model
    python scripts/screenshot_space.py --url http://127.0.0.1:7860/ --out docs/space.png

Uses Debian's /usr/bin/chromium through Playwright (no browser download). The Space tests call
`capture` too, so the README screenshot and the test exercise the same clicks.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def capture(
    url: str,
    image: Path,
    out: Path,
    slider_at: float = 0.5,
    model: str | None = None,
    texture: float | None = None,
) -> dict:
    """Upload `image`, pick `model` and `texture` if given, press Upscale, drag the slider, screenshot.

    Returns what the page showed: the number of slider images, the info line and the texture value.
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
        if texture is not None:
            number = page.locator("#texture input[type=number]")
            page.wait_for_function("!document.querySelector('#texture input[type=range]').disabled")
            number.fill(str(texture))
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
            "texture": page.locator("#texture input[type=number]").input_value(),
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    return shown


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read()) from None
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer in {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running Space; by default one is started on a free port")
    parser.add_argument("--image", type=Path, default=ROOT / "space" / "examples" / "chelsea.png")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "space.png")
    parser.add_argument("--model", default=None, help="pick this model before upscaling")
    parser.add_argument("--texture", type=float, default=None, help="set the texture slider (wdrn-x4)")
    args = parser.parse_args()
    process = None
    url = args.url
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "HF_HUB_OFFLINE": "1"}
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "space" / "app.py")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_until_up(url, process)
    try:
        print(capture(url, args.image, args.out, model=args.model, texture=args.texture))
    finally:
        if process is not None:
            process.terminate()


if __name__ == "__main__":
    main()
