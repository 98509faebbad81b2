"""Space throughput with 1 or 2 upscales at a time: should a 2-core CPU Space run requests in parallel?

    python benchmarks/space_concurrency.py [--requests 8] [--size 256] [--model wdrn-x4]

For each concurrency setting the real Space (`space/app.py`, a fresh process) serves a burst of
`--requests` simultaneous uploads of one `--size` px photo through gradio_client, as visitors'
browsers would. The app divides the cores among the upscales in flight, so with concurrency c a
full burst runs c at a time on cores / c threads each, and a lone request gets all the cores.
Printed per setting: wall time for the burst, requests per minute, the median and worst wait a
visitor saw (queueing included), with the ratio to concurrency 1, and the Space's own info line
for the last request. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from hf_srgan.local_space import running_space

ROOT = Path(__file__).resolve().parents[1]

PHOTO = ROOT.parent / "shared" / "data" / "benchmark" / "Set14" / "HR" / "baboon.png"


def burst(concurrency: int, requests: int, photo: Path, model: str) -> dict:
    from gradio_client import Client, handle_file

    env = {"HF_SRGAN_CONCURRENCY": str(concurrency), "HF_SRGAN_MODELS": model}
    with running_space(env) as url:
        client = Client(url, verbose=False)
        client.predict(handle_file(str(photo)), model, 4, api_name="/upscale")  # warm-up: model load

        def one(_: int) -> tuple[float, str]:
            start = time.perf_counter()
            _, _, info = client.predict(handle_file(str(photo)), model, 4, api_name="/upscale")
            return time.perf_counter() - start, info

        start = time.perf_counter()
        with ThreadPoolExecutor(requests) as pool:
            waits, infos = zip(*pool.map(one, range(requests)), strict=True)
        wall = time.perf_counter() - start
    return {"wall": wall, "median": statistics.median(waits), "worst": max(waits), "info": infos[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--model", default="wdrn-x4")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    photo = Path(os.environ.get("TMPDIR", "/tmp")) / f"space_burst_{args.size}.png"
    Image.open(PHOTO).convert("RGB").resize((args.size, args.size), Image.Resampling.BICUBIC).save(photo)
    print(f"{args.requests} simultaneous {args.size} px uploads, {args.model}, {os.cpu_count()} cores")
    print("| concurrency | threads each | burst s | requests/min | median wait s | worst wait s | x |")
    print("|---|---|---|---|---|---|---|")
    baseline, infos = None, []
    for concurrency in args.concurrency:
        result = burst(concurrency, args.requests, photo, args.model)
        rate = 60 * args.requests / result["wall"]
        baseline = baseline or rate
        threads = max(1, (os.cpu_count() or 1) // min(concurrency, args.requests))
        infos.append(f"concurrency {concurrency}: {result['info']}")
        print(
            f"| {concurrency} | {threads} | {result['wall']:.1f} | {rate:.1f} | {result['median']:.1f} "
            f"| {result['worst']:.1f} | {rate / baseline:.2f} |",
            flush=True,
        )
    print("\nThe Space's info line, last request of each burst:\n" + "\n".join(infos))


if __name__ == "__main__":
    main()
