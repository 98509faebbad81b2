"""Training throughput: samples/s and LR pixels/s of train_accelerate.py against a bare PyTorch loop.

    python benchmarks/training.py            # WDRN and SRResNet, fp32/bf16, NCHW/NHWC, 1 and 2 processes
    python benchmarks/training.py --steps 10 --models wdrn --precisions bf16 --processes 1

For each model and precision it times (a) a bare loop (random tensors, Adam, L1: the fastest
this model can train here), (b) `train_accelerate.py` in one process and (c) in two processes
via `accelerate launch` (gloo on CPU, one thread each), and (d) the data loader alone, which
must deliver samples well above the rate the model consumes them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from data_loader import patches_per_second  # benchmarks/data_loader.py, beside this script

from hf_srgan.data import SRPatchDataset, load_image_sources
from hf_srgan.models.generator import PRESETS, SRGenerator

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HF_SRGAN_DATA", ROOT.parent / "shared" / "data"))


def bare_loop(preset: str, batch: int, lr_size: int, bf16: bool, channels_last: bool, steps: int) -> float:
    """Steps/s of the plainest training loop for this model."""
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = SRGenerator(**PRESETS[preset]).train().to(memory_format=memory_format)
    optimizer = torch.optim.Adam(model.parameters(), 2e-4)
    lr = torch.rand(batch, 3, lr_size, lr_size).contiguous(memory_format=memory_format)
    hr = torch.rand(batch, 3, lr_size * 4, lr_size * 4)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            sr = model(lr)
        loss = (sr.float() - hr).abs().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def program(
    preset: str, batch: int, lr_size: int, bf16: bool, channels_last: bool, steps: int, processes: int
) -> float:
    """Steps/s that train_accelerate.py reports for itself (start-up excluded)."""
    with tempfile.TemporaryDirectory() as out:
        launcher = [sys.executable]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
        if processes > 1:
            launcher += [
                "-m",
                "accelerate.commands.launch",
                "--config_file",
                str(ROOT / "configs" / "cpu_2proc.yaml"),
            ]
            env["OMP_NUM_THREADS"] = "1"
        args = [
            str(ROOT / "train_accelerate.py"),
            f"--model_preset={preset}",
            f"--output_dir={out}",
            f"--train_data={DATA / 'train'}",
            f"--batch_size={batch // processes}",
            f"--patch_size={lr_size * 4}",
            f"--max_steps={steps}",
            f"--checkpoint_every={steps}",
            "--num_workers=0",
            f"--mixed_precision={'bf16' if bf16 else 'no'}",
            *(["--channels_last"] if channels_last else []),
        ]
        subprocess.run([*launcher, *args], check=True, capture_output=True, env=env)
        state = json.loads((Path(out) / "checkpoints" / f"step_{steps}" / "trainer_state.json").read_text())
        return state["steps_per_s"]


def loader_rate(batch: int, lr_size: int, batches: int) -> float:
    """Samples/s of SRPatchDataset (cached images, crop + bicubic + augment) through a DataLoader."""
    dataset = SRPatchDataset(load_image_sources([str(DATA / "train")]), patch_size=lr_size * 4)
    return patches_per_second(dataset, batch, batches)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", default=["wdrn", "srresnet"])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr_size", type=int, default=24, help="LR patch side (HR = 4x)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--precisions", nargs="+", choices=["fp32", "bf16"], default=["fp32", "bf16"])
    parser.add_argument("--formats", nargs="+", choices=["NCHW", "NHWC"], default=["NCHW", "NHWC"])
    parser.add_argument("--processes", nargs="+", type=int, choices=[1, 2], default=[1, 2])
    args = parser.parse_args()
    pixels = args.batch * args.lr_size**2
    data = loader_rate(args.batch, args.lr_size, batches=50)
    threads = torch.get_num_threads()
    print(f"# batch {args.batch}, LR patch {args.lr_size}px, {threads} threads, torch {torch.__version__}")
    print(f"data loader (1 process, no workers): {data:.0f} samples/s")
    print(
        "| model | precision | format | runner | samples/s | LR kpix/s | "
        f"x {args.formats[0]} bare | loader headroom |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for preset in args.models:
        for precision in args.precisions:
            bf16 = precision == "bf16"
            baseline = None  # the bare loop of this model and precision in the first format
            for memory_format in args.formats:
                channels_last = memory_format == "NHWC"
                bare = bare_loop(preset, args.batch, args.lr_size, bf16, channels_last, args.steps)
                baseline = baseline or bare
                rows = [("bare loop", bare)]
                for processes in args.processes:
                    steps_per_s = program(
                        preset, args.batch, args.lr_size, bf16, channels_last, args.steps, processes
                    )
                    rows.append((f"train_accelerate.py, {processes} proc", steps_per_s))
                for runner, steps_per_s in rows:
                    samples = steps_per_s * args.batch
                    print(
                        f"| {preset} | {precision} | {memory_format} | {runner} | {samples:.1f} | "
                        f"{steps_per_s * pixels / 1e3:.1f} | {steps_per_s / baseline:.2f} | "
                        f"{data / samples:.0f}x |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
