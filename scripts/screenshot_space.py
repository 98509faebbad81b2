"""Drive the Space in headless Chromium: upload, Upscale, drag the slider, screenshot.

    python scripts/screenshot_space.py                # starts the Space on the default model
    python scripts/screenshot_space.py --url http://127.0.0.1:7860/ --out docs/space.png

The Space tests drive it with the same `hf_srgan.local_space.capture`, so the README screenshot
and the tests exercise the same clicks.
"""

from __future__ import annotations

import argparse
from contextlib import nullcontext
from pathlib import Path

from hf_srgan.local_space import capture, running_space

ROOT = Path(__file__).resolve().parents[1]


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
    with nullcontext(args.url) if args.url else running_space() as url:
        print(capture(url, args.image, args.out, model=args.model, texture=args.texture))


if __name__ == "__main__":
    main()
