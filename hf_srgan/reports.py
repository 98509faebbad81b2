"""Figures and tables that the model cards, the README and the degraded benchmark publish.

Shared by scripts/make_model_card.py and scripts/eval_degraded.py; every number they show comes
from the JSON records those scripts write.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageDraw

from hf_srgan.evaluation import bicubic_upscale, load_benchmark
from hf_srgan.inference import upscale
from hf_srgan.models import SRGenerator

DATA = Path(os.environ.get("HF_SRGAN_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DEGRADED_LEVELS = ["jpeg75", "noise", "blur+jpeg"]
# What scripts/eval_degraded.py writes and scripts/make_model_card.py reads (a source checkout's docs/).
DOCS = Path(__file__).resolve().parents[1] / "docs"
DEGRADED_RESULTS = DOCS / "eval_degraded.json"
REAL_FIGURE = DOCS / "real_photos.png"


def degraded_tables(results: dict) -> str:
    """Per clean set: rows = upscalers, columns = clean and each degraded level, cells PSNR / NIQE."""
    sets = [name for name in next(iter(results.values())) if "-" not in name]
    out = []
    for set_name in sets:
        columns = [set_name] + [f"{set_name}-{level}" for level in DEGRADED_LEVELS]
        out += [
            f"{set_name}, PSNR dB / NIQE (clean, then each degradation):",
            "",
            "| model | " + " | ".join(["clean"] + DEGRADED_LEVELS) + " |",
            "|---|" + "---|" * len(columns),
        ]
        for model, per_set in results.items():
            cells = [  # the HR row has NIQE only
                f"{per_set[c]['psnr']:.2f} / {per_set[c]['niqe']:.2f}"
                if "psnr" in per_set[c]
                else f"- / {per_set[c]['niqe']:.2f}"
                for c in columns
            ]
            out.append(f"| {model} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out) + real_versus_default(results)


def degraded_table(results: dict) -> str:
    """One table: rows = upscalers, a column per degraded set (e.g. BSD100-jpeg75), cells PSNR / NIQE."""
    columns = [name for name in next(iter(results.values())) if "-" in name]
    lines = ["| model | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for model, per_set in results.items():
        cells = [
            f"{per_set[c]['psnr']:.2f} / {per_set[c]['niqe']:.2f}"
            if "psnr" in per_set[c]
            else f"- / {per_set[c]['niqe']:.2f}"
            for c in columns
        ]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + real_versus_default(results)


def artefact_table(results: dict) -> str:
    """What NIQE rewards wrongly: JPEG blockiness on the JPEG levels, flat-region noise on the noise level.

    Rows = upscalers (HR: the ground truth's own value); empty when the results carry no artefact
    measures (`evaluate_generators(..., with_artefacts=True)`).
    """
    first = next(iter(results.values()))
    columns = [(name, "blockiness") for name in first if "jpeg" in name and "blockiness" in first[name]]
    columns += [
        (name, "flat_noise") for name in first if name.endswith("-noise") and "flat_noise" in first[name]
    ]
    if not columns:
        return ""
    header = [f"{name} {'blocks' if metric == 'blockiness' else 'flat noise'}" for name, metric in columns]
    lines = ["| model | " + " | ".join(header) + " |", "|---|" + "---|" * len(columns)]
    for model, per_set in results.items():
        lines.append(f"| {model} | " + " | ".join(f"{per_set[n][m]:.2f}" for n, m in columns) + " |")
    return "\n".join(lines)


def real_versus_default(results: dict, real: str = "wdrn-x4-real", default: str = "wdrn-x4") -> str:
    """One sentence, computed from the table: where `real` beats `default` and where it does not."""
    if real not in results or default not in results:
        return ""
    degraded = [name for name in results[real] if "-" in name]
    clean = [name for name in results[real] if "-" not in name]
    gains = [results[real][n]["psnr"] - results[default][n]["psnr"] for n in degraded]
    clean_gains = [results[real][n]["psnr"] - results[default][n]["psnr"] for n in clean]
    natural = [n for n in degraded if results[real][n]["niqe"] < results[default][n]["niqe"]]
    return (
        f"\n\nAgainst `{default}`, `{real}` is {min(gains):+.2f} to {max(gains):+.2f} dB on the "
        f"degraded sets and {min(clean_gains):+.2f} to {max(clean_gains):+.2f} dB on the clean ones; "
        f"by NIQE it is more natural on {len(natural)} of the {len(degraded)} degraded sets."
    )


# Crops at 2x zoom from the benchmarks' own LR inputs: fur, grass/foliage, a regular pattern, text.
CROPS = [
    ("Set14", "baboon", (12, 332, 108, 428), "fur"),
    ("BSD100", "img_057", (20, 212, 116, 308), "grass"),
    ("BSD100", "img_068", (100, 20, 196, 116), "stone wall"),
    ("Set14", "ppt3", (32, 252, 128, 348), "text"),
]
FIGURE_MODELS = ["wdrn-x4", "wdrn-x4-gan"]


def comparison_figure(
    crops: list[tuple[str, str, tuple[int, int, int, int], str]],
    models: list[str],
    out: Path,
    root: Path = DATA / "benchmark",
) -> None:
    """Rows of crops (set folder under `root`, image, HR box, what): bicubic | models | HR, at 2x."""
    generators = {name: SRGenerator.from_pretrained(name) for name in models}
    columns = ["bicubic", *models, "HR"]
    side = 96 * 2
    header = 34  # one line saying what the row shows, one naming the columns
    figure = Image.new("RGB", (side * len(columns), (side + header) * len(crops) + 4), "white")
    draw = ImageDraw.Draw(figure)
    for row, (set_name, image_name, box, what) in enumerate(crops):
        pair = next(p for p in load_benchmark(root / set_name) if p.name == image_name)
        # Upscale the crop with up to 8 LR px of real context around it, then cut the context off.
        left, top = max(0, box[0] // 4 - 8), max(0, box[1] // 4 - 8)
        lr = pair.lr.crop(
            (left, top, min(pair.lr.width, box[2] // 4 + 8), min(pair.lr.height, box[3] // 4 + 8))
        )
        dx, dy = box[0] - 4 * left, box[1] - 4 * top
        inner = (dx, dy, dx + box[2] - box[0], dy + box[3] - box[1])
        panels = {"bicubic": bicubic_upscale(lr, 4).crop(inner), "HR": pair.hr.crop(box)}
        for name, generator in generators.items():
            panels[name] = upscale(generator, lr, tile=None, dtype="float32").crop(inner)
        top = row * (side + header) + header
        draw.text((4, top - 32), f"{set_name} {image_name}: {what}", fill="black")
        for col, name in enumerate(columns):
            figure.paste(panels[name].resize((side, side), Image.Resampling.NEAREST), (col * side, top))
            draw.text((col * side + 4, top - 16), name, fill="black")
    out.parent.mkdir(exist_ok=True)
    figure.save(out)


def perception_distortion_figure(results: dict, set_name: str, out: Path) -> None:
    """PSNR against NIQE on one benchmark for every row of an evaluation (HR: NIQE only, drawn on top)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    top = max(r[set_name]["psnr"] for r in results.values() if "psnr" in r.get(set_name, {})) + 0.3
    for name, per_set in results.items():
        scores = per_set.get(set_name, {})
        if "niqe" not in scores:
            continue
        psnr = scores.get("psnr", top)
        ax.scatter(scores["niqe"], psnr, s=40, marker="*" if name == "HR" else "o")
        ax.annotate(name, (scores["niqe"], psnr), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set(xlabel="NIQE (lower = more natural)", ylabel="PSNR (dB, Y, shave 4)")
    ax.set_title(f"{set_name}: fidelity against naturalness (HR has no PSNR: drawn on top)", fontsize=9)
    ax.invert_xaxis()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
