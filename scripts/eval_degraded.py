"""The degraded benchmark: which model to use on JPEGs, noisy and soft photos, measured.

    python scripts/eval_degraded.py [--sets Set14 BSD100] [--models wdrn-x4 wdrn-x4-real wdrn-x4-gan]
    python scripts/eval_degraded.py --models wdrn-x4-gan --keep-others   # after retraining one model
    python scripts/eval_degraded.py --models runs/candidate --output docs/candidate_real_eval.json
    python scripts/eval_degraded.py --render     # re-print the table from docs/eval_degraded.json
    python scripts/eval_degraded.py --figure     # docs/real_photos.png: crops of degraded inputs

Makes the fixed, seeded degraded sets with scripts/make_degraded_benchmark.py (in runs/degraded,
rebuilt if missing), then scores bicubic and each model on them, and on the clean sets, with
`hf_srgan.evaluation.evaluate_generators` (what `hf-srgan evaluate --niqe` runs: Y channel, shave
4, SR rounded to uint8, fp32, default tiling), PSNR/SSIM against the clean HR and NIQE.
Writes docs/eval_degraded.json and prints one Markdown table (PSNR dB / NIQE) per set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from hf_srgan.evaluation import evaluate_generators
from hf_srgan.reports import (
    DATA,
    DEGRADED_LEVELS,
    DEGRADED_RESULTS,
    REAL_FIGURE,
    artefact_table,
    comparison_figure,
    degraded_tables,
)

ROOT = Path(__file__).resolve().parents[1]
DEGRADED = ROOT / "runs" / "degraded"
# HR boxes (96 px, shown at 2x) where each degradation shows: JPEG blocks and ringing on edges, noise.
FIGURE_CROPS = [
    ("Set14-jpeg75", "monarch", (520, 120, 616, 216), "JPEG q75, wing edges"),
    ("Set14-jpeg75", "lenna", (240, 120, 336, 216), "JPEG q75, hat brim"),
    ("Set14-noise", "pepper", (220, 240, 316, 336), "noise sigma 10"),
]


def measure(sets: list[str], models: list[str]) -> dict:
    missing = [s for s in sets if not all((DEGRADED / f"{s}-{level}").is_dir() for level in DEGRADED_LEVELS)]
    if missing:
        script = ROOT / "scripts" / "make_degraded_benchmark.py"
        subprocess.run([sys.executable, str(script), "--sets", *missing, "--out", str(DEGRADED)], check=True)
    folders = [DATA / "benchmark" / s for s in sets]
    folders += [DEGRADED / f"{s}-{level}" for s in sets for level in DEGRADED_LEVELS]
    return evaluate_generators(
        models, folders, with_niqe=True, with_artefacts=True, tile="auto", overlap=16, dtype="float32"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", nargs="+", default=["Set14", "BSD100"])
    parser.add_argument("--models", nargs="+", default=["wdrn-x4", "wdrn-x4-real", "wdrn-x4-gan"])
    parser.add_argument("--render", action="store_true", help="print the table from the saved results")
    parser.add_argument("--figure", action="store_true", help="only write the crops figure")
    parser.add_argument(
        "--keep-others",
        action="store_true",
        help="keep the saved rows of models not given (valid while they are unchanged)",
    )
    parser.add_argument("--output", type=Path, default=DEGRADED_RESULTS, help="results file (JSON)")
    args = parser.parse_args()
    if args.figure:
        comparison_figure(FIGURE_CROPS, args.models, REAL_FIGURE, root=DEGRADED)
        print(f"wrote {REAL_FIGURE}")
        return
    if not args.render:
        results = measure(args.sets, args.models)
        if args.keep_others and args.output.is_file():  # bicubic and HR come back re-measured too
            kept = json.loads(args.output.read_text())
            results = {name: results.get(name, kept.get(name)) for name in {**kept, **results}}
        args.output.write_text(json.dumps(results, indent=2))
    results = json.loads(args.output.read_text())
    print(degraded_tables(results))
    print(artefact_table(results))


if __name__ == "__main__":
    main()
