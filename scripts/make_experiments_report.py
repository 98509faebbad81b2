"""Render docs/experiments.md and its figures from the JSON records under docs/.

    python scripts/make_experiments_report.py

Reads docs/gan_comparison.json (every GAN run: command, validation curve, diagnostics),
docs/real_gan_stage.json (the photos GAN stage's runs, on degraded held-out copies),
docs/interpolation.json (blend sweeps), docs/val_references.json (bicubic, wdrn-x4 and HR on the
held-out split, from `hf-srgan evaluate --json`) and docs/recipe_seeds.json (which runs answer
which question). Nothing here measures: every number comes from a record a script wrote.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import statistics
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from hf_srgan.records import best_point  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"
GAN_PSNR_BUDGET = 2.0  # dB below the starting model on the held-out split: the checkpoint rule
NIQE_BAR = 4.5  # the reliable-GAN issue's bar on val-bsd200
REAL_NIQE_BAR = 5.0  # the real-photos issue's bar, on every degraded level
REAL_PSNR_MARGIN = 0.3  # ... at a PSNR at most this far under wdrn-x4's on the same level
LINE_STYLES = ["-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]


def recipe_styles(groups: dict) -> dict:
    """A line style per photos recipe, reused past the sixth: zip() would drop those recipes silently."""
    return dict(zip(groups, itertools.cycle(LINE_STYLES)))  # noqa: B905 (cycle is endless)


def load(name: str) -> dict:
    path = DOCS / name
    return json.loads(path.read_text()) if path.is_file() else {}


def seed_of(command: str) -> int:
    return int(re.search(r"--seed (\d+)", command).group(1))


def run_dir_of(command: str) -> str:
    return re.search(r"--output_dir (\S+)", command).group(1)


def recorded_groups(groups: dict, runs: dict) -> dict:
    """Each recipe's labels that have a record in `runs`; recipes with none left out."""
    present = {recipe: [label for label in labels if label in runs] for recipe, labels in groups.items()}
    return {recipe: labels for recipe, labels in present.items() if labels}


def chosen(run: dict, sweep: dict | None) -> dict | None:
    """What the rule takes from a run: its blend's chosen point when swept, else its best checkpoint."""
    if sweep:
        point = next(p for p in sweep["curve"] if p["alpha"] == sweep["chosen_alpha"])
        return {**point, "step": sweep["step"]}
    return best_point(run["curve"], GAN_PSNR_BUDGET)


def recipe_rows(runs: dict, sweeps: dict, groups: dict) -> list[dict]:
    """Per recipe: the rule's point for each seed, the median and the worst seed."""
    rows = []
    for recipe, labels in groups.items():
        points = {}
        for label in labels:
            run = runs[label]
            points[seed_of(run["command"])] = chosen(run, sweeps.get(run_dir_of(run["command"])))
        niqes = [p["niqe"] if p else float("inf") for p in points.values()]
        rows.append(
            {"recipe": recipe, "points": points, "median": statistics.median(niqes), "worst": max(niqes)}
        )
    return rows


def arrival_figure(runs: dict, groups: dict, path: Path, columns: int = 4) -> None:
    """NIQE over PSNR against step, one panel pair per recipe (wrapped `columns` to a row), one line
    per seed, on shared axes so recipes compare at a glance."""
    grid_rows = math.ceil(len(groups) / columns)
    fig, axes = plt.subplots(
        2 * grid_rows, columns, figsize=(4.2 * columns, 5.2 * grid_rows), sharex=True, squeeze=False
    )
    for index in range(grid_rows * columns):
        row, column = 2 * (index // columns), index % columns
        niqe_ax, psnr_ax = axes[row, column], axes[row + 1, column]
        if index >= len(groups):
            niqe_ax.axis("off")
            psnr_ax.axis("off")
            continue
        recipe, labels = list(groups.items())[index]
        for label in labels:
            curve = runs[label]["curve"]
            steps = [p["step"] for p in curve]
            seed = seed_of(runs[label]["command"])
            niqe_ax.plot(steps, [p["niqe"] for p in curve], marker=".", label=f"seed {seed}")
            psnr_ax.plot(steps, [p["psnr"] for p in curve], marker=".", label=f"seed {seed}")
        niqe_ax.axhline(NIQE_BAR, color="grey", linestyle=":", linewidth=1)
        niqe_ax.set(ylim=(3.5, 12.5), title=textwrap.fill(recipe, 48))
        niqe_ax.title.set_fontsize(8)
        niqe_ax.legend(fontsize=7)
        psnr_ax.set(ylim=(25, 28.8), xlabel="GAN step")
        if index % columns == 0:
            niqe_ax.set_ylabel("val NIQE")
            psnr_ax.set_ylabel("val PSNR (dB)")
    fig.suptitle("Texture arrival per seed (EMA weights, val-bsd200; dotted: the 4.5 bar)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))  # half an inch for the title
    fig.savefig(path, dpi=110)
    plt.close(fig)


def real_arrival_figure(runs: dict, groups: dict, reference: dict | None, path: Path) -> None:
    """The photos GAN stage: NIQE and PSNR on each degraded held-out set against step, one colour
    per seed and one line style per recipe, with the real-photos bar (NIQE 5.0; PSNR `wdrn-x4` -
    0.3 dB on that set's val copy)."""
    first = next(iter(groups.values()))[0]
    sets = list(runs[first]["curve"][0]["sets"])
    seeds = sorted({seed_of(runs[label]["command"]) for labels in groups.values() for label in labels})
    colours = dict(zip(seeds, plt.get_cmap("tab10").colors, strict=False))
    styles = recipe_styles(groups)
    fig, axes = plt.subplots(2, len(sets), figsize=(4.2 * len(sets), 6.5), sharex=True, squeeze=False)
    for column, name in enumerate(sets):
        niqe_ax, psnr_ax = axes[0, column], axes[1, column]
        for recipe, labels in groups.items():
            style = styles[recipe]
            for label in labels:
                curve = runs[label]["curve"]
                steps = [p["step"] for p in curve]
                seed = seed_of(runs[label]["command"])
                line = {
                    "color": colours[seed],
                    "linestyle": style,
                    "marker": ".",
                    "label": f"{recipe}, seed {seed}",
                }
                niqe_ax.plot(steps, [p["sets"][name]["niqe"] for p in curve], **line)
                psnr_ax.plot(steps, [p["sets"][name]["psnr"] for p in curve], **line)
        niqe_ax.axhline(REAL_NIQE_BAR, color="grey", linestyle=":", linewidth=1)
        if reference:
            floor = reference["sets"][name]["psnr"] - REAL_PSNR_MARGIN
            psnr_ax.axhline(floor, color="grey", linestyle=":", linewidth=1)
        niqe_ax.set(title=name, ylim=(4, 12))
        psnr_ax.set(xlabel="GAN step")
    axes[0, 0].set_ylabel("val NIQE")
    axes[1, 0].set_ylabel("val PSNR (dB)")
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.suptitle(
        "Photos GAN stage per seed (EMA weights; dotted: NIQE 5.0 and wdrn-x4 - 0.3 dB, the bar)", fontsize=10
    )
    fig.tight_layout(rect=(0, 0.04 + 0.03 * len(names) / 2, 1, 1))
    fig.legend(handles, names, loc="lower center", ncol=2, fontsize=7, frameon=False)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def real_frontier_figure(sweeps: dict, runs: dict, groups: dict, reference: dict, path: Path) -> None:
    """Every blend swept for the photos GAN stage (alpha 0, its PSNR start, to 1, the GAN) as PSNR
    against NIQE on each degraded held-out copy, with the bar's corner shaded: a model for photos
    meets the bar on a copy where its curve enters the box, on all three where one point does."""
    sets = list(reference["sets"])
    colours = dict(zip(groups, plt.get_cmap("tab10").colors, strict=False))
    styles = recipe_styles(groups)
    fig, axes = plt.subplots(1, len(sets), figsize=(4.4 * len(sets), 4.8), squeeze=False)
    for ax, name in zip(axes[0], sets, strict=True):
        floor = reference["sets"][name]["psnr"] - REAL_PSNR_MARGIN
        for recipe, labels in groups.items():
            style = styles[recipe]
            run_dirs = [run_dir_of(runs[label]["command"]) for label in labels]
            swept = [sweeps[d] for d in run_dirs if d in sweeps]
            for sweep in swept:
                curve = sorted(sweep["curve"], key=lambda p: p["alpha"])
                line = {"color": colours[recipe], "linestyle": style, "marker": "."}
                points = [(p["sets"][name]["niqe"], p["sets"][name]["psnr"]) for p in curve]
                ax.plot(*zip(*points, strict=True), **line)
                ax.plot(*points[0], "s", color=colours[recipe])
                for point, blend in zip(points, curve, strict=True):
                    if blend["alpha"] == sweep["chosen_alpha"]:
                        ax.plot(*point, "o", mfc="none", ms=9, color="k")
            if swept:
                ax.plot([], [], color=colours[recipe], linestyle=style, label=recipe)
        ax.plot(reference["sets"][name]["niqe"], reference["sets"][name]["psnr"], "kx", ms=9, label="wdrn-x4")
        bottom, top = ax.get_ylim()
        top = max(top, floor + 0.1)
        ax.fill_between([4, REAL_NIQE_BAR], floor, top, color="tab:green", alpha=0.15, label="the bar")
        ax.set(title=name, xlabel="val NIQE", xlim=(4, 8), ylim=(bottom, top))
    axes[0, 0].set_ylabel("val PSNR (dB)")
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.suptitle(
        "Photos blends, alpha 0 (square: the PSNR stage) to 1 (the GAN); circles: the rule's choice; "
        "shaded: NIQE <= 5.0 at PSNR >= wdrn-x4 - 0.3 dB",
        fontsize=9,
    )
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.legend(handles, names, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def diagnostics_figure(runs: dict, labels: list[str], path: Path) -> None:
    """The critics' real-fake gap and the adversarial/content gradient ratio at the output conv."""
    fig, (gap_ax, ratio_ax) = plt.subplots(1, 2, figsize=(11, 5.2))
    colours = iter(plt.get_cmap("tab20").colors)  # one colour per line: more lines than the default 10
    for label in labels:
        rows = runs[label].get("diagnostics", [])
        critics = sorted({k.split("/", 1)[1] for row in rows for k in row if k.startswith("gap/")})
        for critic in critics:
            steps = [r["step"] for r in rows]
            style = {"label": f"{label} ({critic})", "linewidth": 1, "color": next(colours)}
            gap_ax.plot(steps, [r[f"gap/{critic}"] for r in rows], **style)
            ratio_ax.plot(steps, [r[f"grad/adv_{critic}"] / r["grad/content"] for r in rows], **style)
    gap_ax.set(xlabel="GAN step", ylabel="critic score gap, real - fake", title="Does the critic separate?")
    gap_ax.set_yscale("symlog", linthresh=0.1)
    ratio_ax.set(
        xlabel="GAN step",
        ylabel="|weighted adv. grad| / |content grad|",
        title="Is the adversarial push drowned?",
        yscale="log",
    )
    handles, names = ratio_ax.get_legend_handles_labels()
    fig.suptitle("Generator output conv, every 20 steps (train_accelerate.py diagnostics)", fontsize=10)
    fig.tight_layout(rect=(0, 0.05 + 0.03 * len(names) / 2, 1, 1))
    fig.legend(handles, names, loc="lower center", ncol=2, fontsize=7, frameon=False)  # below: no data hidden
    fig.savefig(path, dpi=110)
    plt.close(fig)


def recipe_distributions_figure(rows: list[dict], references: dict, path: Path) -> None:
    """Each recipe as a distribution: its seeds' rule points on one line, the median marked.

    Recipes are numbered as in the perception-distortion figure; a seed with no point within the
    PSNR budget is drawn at the right edge.
    """
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(rows) + 1.4))
    found = [p["niqe"] for row in rows for p in row["points"].values() if p]
    edge = max(found, default=NIQE_BAR) + 0.5
    for y, row in enumerate(rows):
        niqes = [p["niqe"] if p else edge for p in row["points"].values()]
        colors = ["tab:green" if n <= NIQE_BAR else "tab:red" for n in niqes]
        ax.scatter(niqes, [y] * len(niqes), s=28, c=colors, zorder=3)
        median = min(row["median"], edge)
        ax.plot([median, median], [y - 0.35, y + 0.35], color="black", linewidth=1.5)
    labels = [
        f"{i}. {textwrap.shorten(row['recipe'], 80)} ({len(row['points'])})" for i, row in enumerate(rows, 1)
    ]
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(NIQE_BAR, color="grey", linestyle=":", linewidth=1)
    for name in ("wdrn-x4", "HR"):
        if name in references:
            ax.axvline(references[name]["niqe"], color="0.6", linewidth=0.8)
            ax.annotate(name, (references[name]["niqe"], -0.8), fontsize=7, ha="center")
    ax.set(xlabel=f"NIQE per seed's rule point (green: within the {NIQE_BAR} bar); black bar: median")
    ax.set_title("Recipes over seeds on val-bsd200 (seeds in brackets)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def perception_distortion_figure(rows: list[dict], runs: dict, references: dict, path: Path) -> None:
    """PSNR against NIQE on val-bsd200: every checkpoint (dots), each seed's chosen point numbered by
    its recipe (the numbers of the recipe figure), references."""
    fig, ax = plt.subplots(figsize=(7.5, 5))
    every = [p for run in runs.values() for p in run["curve"] if p["step"] > 0]
    ax.scatter([p["niqe"] for p in every], [p["psnr"] for p in every], s=6, color="0.85")
    colors = plt.get_cmap("tab10")
    for i, row in enumerate(rows, 1):
        for p in (p for p in row["points"].values() if p):
            ax.annotate(
                str(i), (p["niqe"], p["psnr"]), fontsize=7, ha="center", va="center", color=colors(i % 10)
            )
    top = max(p["psnr"] for p in every) + 0.3
    for name, marker in {"bicubic": "s", "wdrn-x4": "D", "HR": "*"}.items():
        ref = references.get(name)
        if ref:
            xy = (ref["niqe"], ref.get("psnr", top))
            ax.scatter(*xy, marker=marker, s=80, color="black", zorder=3)
            ax.annotate(name, xy, textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.axvline(NIQE_BAR, color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="NIQE (lower = more natural)", ylabel="PSNR (dB, Y, shave 4)")
    ax.set_title(
        "Perception-distortion on val-bsd200: grey, every checkpoint; numbers, each seed's rule point "
        "by recipe\n(HR has no PSNR: drawn at the top)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def sweeps_figure(sweeps: dict, run_dirs: list[str], path: Path) -> None:
    """Each blend sweep (wdrn-x4 + alpha (GAN - wdrn-x4)) as a line in the PSNR-NIQE plane."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for run_dir in run_dirs:
        curve = sweeps[run_dir]["curve"]
        ax.plot([p["niqe"] for p in curve], [p["psnr"] for p in curve], marker=".", label=run_dir)
        chosen_point = next(p for p in curve if p["alpha"] == sweeps[run_dir]["chosen_alpha"])
        ax.scatter(chosen_point["niqe"], chosen_point["psnr"], s=60, facecolors="none", edgecolors="black")
    ax.set(xlabel="NIQE", ylabel="PSNR (dB)", title="Blend sweeps, alpha 0 (wdrn-x4) to 1; circles: chosen")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def recipe_table(rows: list[dict]) -> str:
    seeds = sorted({seed for row in rows for seed in row["points"]})
    lines = [
        "| recipe | " + " | ".join(f"seed {s}" for s in seeds) + " | median NIQE | worst NIQE |",
        "|---|" + "---|" * (len(seeds) + 2),
    ]
    for row in rows:
        cells = []
        for seed in seeds:
            p = row["points"].get(seed, "")
            if p == "":
                cells.append("")
            elif p is None:
                cells.append("none within 2 dB")
            else:
                alpha = f", alpha {p['alpha']:g}" if "alpha" in p else ""
                cells.append(f"{p['niqe']:.2f} / {p['psnr']:.2f} dB (step {p['step']:,}{alpha})")
        lines.append(
            f"| {row['recipe']} | " + " | ".join(cells) + f" | {row['median']:.2f} | {row['worst']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    runs, sweeps = load("gan_comparison.json"), load("interpolation.json")
    study = load("recipe_seeds.json")
    # `hf-srgan evaluate --data runs/data/val-bsd200 --model wdrn-x4 --niqe --json --dtype float32`
    references = {name: sets["val-bsd200"] for name, sets in load("val_references.json").items()}
    FIGURES.mkdir(exist_ok=True)
    groups = recorded_groups(study["recipes"], runs)
    rows = recipe_rows(runs, sweeps, groups)
    arrival_figure(runs, groups, FIGURES / "texture_arrival.png")
    diagnostics_figure(
        runs, [label for label in study["diagnosed"] if label in runs], FIGURES / "gan_diagnostics.png"
    )
    recipe_distributions_figure(rows, references, FIGURES / "recipe_distributions.png")
    perception_distortion_figure(rows, runs, references, FIGURES / "perception_distortion.png")
    grouped_dirs = {run_dir_of(runs[label]["command"]) for labels in groups.values() for label in labels}
    swept = [d for d in sweeps if d in grouped_dirs]
    sweeps_figure(sweeps, swept, FIGURES / "blend_sweeps.png")
    real_runs = load("real_gan_stage.json")
    real_groups = recorded_groups(study.get("real_photos", {}), real_runs)
    if real_groups:
        real_dirs = [run_dir_of(real_runs[label]["command"]) for g in real_groups.values() for label in g]
        # the real-photos bar's PSNR floor: wdrn-x4 on each degraded val copy, as a sweep measured it
        reference = next(
            (sweeps[d]["psnr_reference"] for d in real_dirs if "psnr_reference" in sweeps.get(d, {})), None
        )
        real_arrival_figure(real_runs, real_groups, reference, FIGURES / "real_gan_arrival.png")
        if reference:
            real_frontier_figure(sweeps, real_runs, real_groups, reference, FIGURES / "real_frontier.png")
    text = (ROOT / "scripts" / "templates" / "experiments.md").read_text()
    text = text.replace("{{reliable_gan}}", reliable_gan_text(rows, study))
    text = text.replace("{{recipe_table}}", recipe_table(rows))
    text = text.replace("{{all_runs}}", all_runs_table(runs))
    text = text.replace("{{real_table}}", recipe_table(recipe_rows(real_runs, sweeps, real_groups)))
    (DOCS / "experiments.md").write_text(text)
    print(f"wrote {DOCS / 'experiments.md'} and its figures in {FIGURES}")


def reliable_gan_text(rows: list[dict], study: dict) -> str:
    """The question and, per recipe, its median and worst seed against the bar."""
    lines = [study["question"], ""]
    for row in rows:
        met = sum(1 for p in row["points"].values() if p and p["niqe"] <= NIQE_BAR)
        lines.append(
            f"- {row['recipe']}: median NIQE {row['median']:.2f}, worst seed {row['worst']:.2f}; "
            f"{met} of {len(row['points'])} seeds at or below {NIQE_BAR} within {GAN_PSNR_BUDGET} dB "
            "of `wdrn-x4`."
        )
    return "\n".join(lines)


def all_runs_table(runs: dict) -> str:
    """Every GAN run on record: its rule point and its most natural checkpoint."""
    lines = [
        "| run | seed | steps | rule point NIQE / PSNR (step) | most natural NIQE (step) |",
        "|---|---|---|---|---|",
    ]
    for label, run in runs.items():
        rule = best_point(run["curve"], GAN_PSNR_BUDGET)
        natural = min((p for p in run["curve"] if p["step"] > 0), key=lambda p: p["niqe"])
        rule_cell = f"{rule['niqe']:.2f} / {rule['psnr']:.2f} ({rule['step']:,})" if rule else "none"
        lines.append(
            f"| {label} | {seed_of(run['command'])} | {run['steps']:,} | {rule_cell} | "
            f"{natural['niqe']:.2f} ({natural['step']:,}) |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
