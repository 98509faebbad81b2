"""Where a WGAN critic's scores sit, and whether bf16 can still tell images apart there.

    python scripts/critic_scores.py runs/gan-b-shift:500 runs/gan-b-shift:2000 [--data runs/data/val-bsd200]
        [--output docs/critic_scores.json]

The Wasserstein loss only sees score differences, so nothing stops all scores drifting together
(the drift term, `--drift_weight`, is what holds them). Once they are large, bf16 autocast rounds
them to multiples of a big power of two and a real and a fake image score the same. For each
`RUN:STEP` (an SRGAN-critic run) this loads the checkpoint's critic and prints its scores on the
first 96 px of four held-out HR images in fp32 and under bf16 autocast. `--output` merges them
into a JSON file keyed by checkpoint, which the GAN model card quotes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from hf_srgan.evaluation import load_benchmark
from hf_srgan.models.discriminator import SRGANDiscriminator

CRITIC_WEIGHTS = "model_1.safetensors"  # Accelerate's name for the second prepared model


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkpoints", nargs="+", help="RUN:STEP of runs trained with --discriminator srgan")
    parser.add_argument("--data", default="runs/data/val-bsd200")
    parser.add_argument("--output", type=Path, help="a JSON file to merge the scores into")
    args = parser.parse_args()
    rows = json.loads(args.output.read_text()) if args.output and args.output.is_file() else {}
    crops = [np.asarray(pair.hr)[:96, :96] for pair in load_benchmark(args.data)[:4]]
    images = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255
    print("| checkpoint | scores, fp32 | scores, bf16 autocast |")
    print("|---|---|---|")
    for spec in args.checkpoints:
        run, step = spec.rsplit(":", 1)
        config = json.loads((Path(run) / "train_config.json").read_text())
        if config["discriminator"] != "srgan":
            raise SystemExit(
                f"error: {run} trained a {config['discriminator']!r} critic; this reads srgan ones"
            )
        critic = SRGANDiscriminator(spectral_norm=config["spectral_norm"]).eval()
        critic.load_state_dict(load_file(Path(run) / "checkpoints" / f"step_{step}" / CRITIC_WEIGHTS))
        with torch.no_grad():
            fp32 = critic(images)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                bf16 = critic(images).float()
        print(f"| {spec} | {', '.join(f'{v:.1f}' for v in fp32)} | {', '.join(f'{v:.1f}' for v in bf16)} |")
        rows[spec] = {"fp32": fp32.tolist(), "bf16": bf16.tolist()}
    if args.output:
        args.output.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
