"""Measure the bundled models and render their model cards, figures and the README's tables.

    python scripts/make_model_card.py                      # evaluate everything, then render
    python scripts/make_model_card.py --measure wdrn-x4-gan --keep-self-ensemble
    python scripts/make_model_card.py --render             # render from docs/eval_results.json

Evaluation is `hf_srgan.evaluation.evaluate_generators`, the same call as `hf-srgan evaluate`
(Y channel, shave 4, SR rounded to uint8, each set's own LR images, fp32, default tiling); the
PSNR-oriented models are also measured with `--self-ensemble` on Set5 and Set14. It writes
docs/eval_results.json, docs/eval_self_ensemble.json, docs/comparison.png,
docs/figures/perception_distortion_bsd100.png, each bundled folder's README.md (its Hub card:
one template, the standard sections) and the blocks between the markers in README.md and
docs/benchmarks.md. The
history of experiments is not here: it is docs/experiments.md (scripts/make_experiments_report.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from huggingface_hub import ModelCard

from hf_srgan.evaluation import evaluate_generators, format_table
from hf_srgan.model_card import (
    HUB_DATASETS,
    PUBLISHED_ORG,
    REPO_URL,
    TRAINING_DATA_PROSE,
    eval_results,
    write_terms,
)
from hf_srgan.models import SRGenerator, count_parameters
from hf_srgan.pretrained import BUNDLED_DIR, DEFAULT_MODEL, MODEL_USES, bundled_models, model_guide
from hf_srgan.recipe_files import recipe_paths
from hf_srgan.reports import (
    CROPS,
    DATA,
    DEGRADED_RESULTS,
    FIGURE_MODELS,
    REAL_FIGURE,
    artefact_table,
    comparison_figure,
    degraded_table,
    degraded_tables,
    perception_distortion_figure,
)
from hf_srgan.texture import BLENDS, DENOISE, TEXTURE, Blend

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS_NOTE = (
    "What NIQE rewards wrongly (`hf_srgan.metrics`): **blocks** is the Y gradient across the 32-px grid "
    "of the input's JPEG blocks over the gradient elsewhere (1.0: no grid; above HR's, blocks kept or "
    "sharpened), **flat noise** the RMS of the finest band where the clean HR is flat (HR's own value "
    "is the floor; BSD100's mean is over the images that have flat regions)."
)
SETS = ["Set5", "Set14", "BSD100"]
RESULTS = ROOT / "docs" / "eval_results.json"
SELF_ENSEMBLE_RESULTS = ROOT / "docs" / "eval_self_ensemble.json"
SELF_ENSEMBLE_SETS = ["Set5", "Set14"]
SELF_ENSEMBLE_MODELS = ["wdrn-x4", "srresnet-x4"]
COMPARISON = ROOT / "docs" / "comparison.png"
PERCEPTION_DISTORTION = ROOT / "docs" / "figures" / "perception_distortion_bsd100.png"
DENOISE_SWEEP = ROOT / "docs" / "denoise_strength.json"  # scripts/interpolation_sweep.py, its docstring
GAN_MODEL, REAL_MODEL = TEXTURE.end, DENOISE.end
EXPERIMENTS_URL = f"{REPO_URL}/blob/main/docs/experiments.md"
TRAINING_URL = f"{REPO_URL}/blob/main/docs/training.md"

PUBLISHED = """| published x4 reference (PSNR dB / SSIM, Y) | Set5 | Set14 | BSD100 |
|---|---|---|---|
| bicubic | 28.42 / 0.8104 | 26.00 / 0.7027 | 25.96 / 0.6675 |
| SRResNet (Ledig et al. 2017, 1.5 M params, 10^6 steps) | 32.05 / 0.9019 | 28.49 / 0.8184 | 27.58 / 0.7620 |
| SRGAN (Ledig et al. 2017) | 29.40 / 0.8472 | 26.02 / 0.7397 | 25.16 / 0.6688 |
| ESRGAN RRDB, PSNR-oriented (16.7 M params) | 32.73 / 0.9011 | 28.99 / 0.7917 | 27.85 / 0.7455 |"""

DESCRIPTIONS = {
    "wdrn-x4": "A Weighted Dense Residual Network trained for fidelity (L1/MSE to the HR image): the "
    "default model of hf-srgan.",
    "wdrn-x4-fast": "A 6.5x cheaper WDRN (the `wdrn-small-rgb` preset: 32 channels, 4 blocks of 4 dense "
    "layers, the last sub-pixel stage makes RGB itself) trained from scratch with L1: for large images "
    "on CPUs, a little below `wdrn-x4` in PSNR.",
    "span-x4": "An efficient generator in the style of SPAN (NTIRE 2024 winner): 6 blocks of "
    "re-parameterizable convs (3x3 + 1x1 + identity while training, one 3x3 as shipped) with "
    "parameter-free attention, all at the input's resolution, then one PixelShuffle to RGB; trained "
    "from scratch with L1: for large images on CPUs, close to `wdrn-x4` in PSNR.",
    "srresnet-x4": "The SRGAN paper's SRResNet generator, trained exactly like `wdrn-x4`: the baseline.",
    "wdrn-x4-gan": "`wdrn-x4` fine-tuned as an SRGAN (frequency separation: L1 on blurred SR and HR, an "
    "EfficientNet-Lite0 perceptual loss, WGAN-GP against the SRGAN conv critic on the high band), then "
    "blended with `wdrn-x4`'s weights: invents natural-looking texture (lower NIQE) at some cost in PSNR. "
    "The design's transfer-learning critic (frozen EfficientNet-Lite0 features, `--discriminator features`) "
    "is not in it: alone it levelled off near NIQE 5 over three seeds, and beside this critic it made both "
    "seeds tried worse (docs/experiments.md).",
    "wdrn-x4-real": "`wdrn-x4` continued on realistic degradations (blur, resize, noise, JPEG; some noise "
    "left uncompressed, as in photos saved losslessly) with L1 to the clean image, then a GAN stage on the "
    "same degradations (content losses against the clean image, hinge loss against a critic on frozen "
    "EfficientNet-Lite0 features of the high band), blended 0.9 with its PSNR stage: removes JPEG blocks "
    "and noise, then restores texture.",
}

LIMITATIONS = {
    "all": [
        "Trained on a 2-core CPU for hours, not on GPUs for days: below the published PSNR figures "
        "of the same architectures; training continues from these weights with `--init_generator`.",
        "Weights for non-commercial research and education only (their training data's terms).",
    ],
    "bicubic": [
        "Trained for bicubic downscaling only: JPEG blocks, noise and blur in real photos are "
        "enlarged, not removed (`wdrn-x4-real` is the model for those)."
    ],
    GAN_MODEL: [
        "Invents texture: not for evidence, medical images or text you need to read. It sharpens "
        "JPEG blocks and noise into speckle: clean inputs only."
    ],
    REAL_MODEL: [
        "A little below `wdrn-x4` in PSNR on clean images (the table). On noisy inputs it smooths flat "
        "areas rather than inventing grain in them (NIQE highest on the noise level).",
        "Invents some texture: not for evidence, medical images or text you need to read.",
    ],
}


def measure(models: list[str], sets: list[str], self_ensemble: bool = False) -> dict:
    folders = [DATA / "benchmark" / name for name in sets]
    return evaluate_generators(
        models,
        folders,
        with_niqe=not self_ensemble,
        tile="auto",
        overlap=16,
        dtype="float32",
        self_ensemble=self_ensemble,
    )


def training_info(name: str) -> dict:
    path = BUNDLED_DIR / name / "training.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def reproduce_block(model: str) -> str:
    """The commands that remake `model`: each stage's recipe file, then bundling it (or the blend)."""
    info = training_info(model)
    stages = info["stages"]
    lines = []
    if any("runs/data/" in stage["command"] for stage in stages):
        lines.append("python scripts/make_validation_split.py   # the held-out split some stages validate on")
    if any("runs/data/val-bsd200-" in stage["command"] for stage in stages):
        lines.append(
            "python scripts/make_degraded_benchmark.py --sets runs/data/val-bsd200 --out runs/data"
            "   # its degraded copies"
        )
    paths = recipe_paths(model)
    inherited = [path.parent.name for path in paths if path.parent.name != model]
    if inherited:
        lines.append(
            f"# stages 1-{len(inherited)}: remake {inherited[0]} first (the commands in its model card)"
        )
    for index, (stage, path) in enumerate(zip(stages, paths, strict=True)):
        if path.parent.name != model:
            continue
        lines.append(f"accelerate launch train_accelerate.py --config {path.relative_to(ROOT)}")
        if index + 1 < len(stages) and stages[index + 1]["init_generator"] == f"{stage['run']}/final":
            continue  # the next stage starts from this run's export: nothing to bundle in between
        bundle = f"python scripts/bundle_model.py {stage['run']} {path.parent.name} --step {stage['steps']}"
        if index == len(stages) - 1 and "interpolation" in info:
            blend = info["interpolation"]
            bundle = bundle.replace(f" {path.parent.name} ", f" {model} ")
            bundle += f" --interpolate_with {blend['psnr_model']} --alpha {blend['alpha']:g}"
        lines.append(bundle)
    if "task_vector" in info:
        vector = info["task_vector"]
        note = f"   # {vector['finetuned']} as of commit {vector['commit']}" if "commit" in vector else ""
        lines.append(
            f"python scripts/bundle_model.py {model} {model} --add_task_vector {vector['finetuned']} "
            f"{vector['base']} {vector['strength']:g}{note}"
        )
    return "```bash\n" + "\n".join(lines) + "\n```"


def training_text(model: str) -> str:
    info = training_info(model)
    stages = info["stages"]
    last = stages[-1]
    hours = info["train_seconds"] / 3600
    return f"""Made with `train_accelerate.py` only: {info["steps"]:,} generator steps in {len(stages)}
stage(s), {info["samples_seen"]:,} patches, {hours:.1f} h on a 2-core CPU (last stage:
{last["hardware"]}).
Each stage is a recipe file; run them in order, each continuing the previous stage's weights
(`--init_generator`), to remake these weights:

{reproduce_block(model)}

The per-stage record (steps, batch, patch size, data, wall time, validation) is
[training.json](training.json); what was tried on the way, with curves and seeds, is the
[experiments report]({EXPERIMENTS_URL}); options and the data are explained in
[docs/training.md]({TRAINING_URL})."""


def evaluation_text(results: dict, ensembled: dict, model: str) -> str:
    rows = {name: {s: results[name][s] for s in SETS if s in results[name]} for name in results}
    text = f"""Y-channel PSNR (dB) / SSIM and NIQE (no reference, lower = more natural; HR's own score as
its row), 4 px shaved, SR rounded to uint8, on each benchmark's own MATLAB-bicubic LR images, fp32,
beside bicubic and the sibling models: `hf-srgan evaluate --niqe --model {model} --data Set5 Set14 BSD100`.

{format_table(rows)}

![PSNR against NIQE on BSD100 for every bundled model]({PERCEPTION_DISTORTION.name})"""
    if model != REAL_MODEL:  # its card shows the degraded benchmark instead
        text += f"\n\n{PUBLISHED}"
    if model in ensembled:
        text += (
            "\n\nWith `--self-ensemble` (8 flips/rotations averaged, 8x the compute): "
            + ", ".join(f"{s} {ensembled[model][s]['psnr']:.2f} dB" for s in SELF_ENSEMBLE_SETS)
            + "."
        )
    if model == REAL_MODEL and DEGRADED_RESULTS.is_file():
        text += f"""

On degraded copies of the benchmarks' LR images (`python scripts/eval_degraded.py`: JPEG quality
75; Gaussian noise sigma 10/255; blur sigma 1.2 before downscaling, then JPEG quality 60), scored
against the clean HR:

{degraded_table(json.loads(DEGRADED_RESULTS.read_text()))}

![JPEG and noisy inputs: bicubic | models | HR]({REAL_FIGURE.name})"""
    if model == REAL_MODEL and DENOISE_SWEEP.is_file():
        text += "\n\n" + denoise_text(json.loads(DENOISE_SWEEP.read_text())[REAL_MODEL])
    return text


def denoise_text(sweep: dict) -> str:
    """What the denoise control does, from its sweep on the held-out noisy and JPEG copies."""
    points = [p for p in sweep["curve"] if p["alpha"] in (0.0, 0.5, 1.0)]
    noise = ", ".join(f"{p['alpha']:g}: {p['sets']['val-bsd200-noise']['flat_noise']:.2f}" for p in points)
    blocks = ", ".join(f"{p['alpha']:g}: {p['sets']['val-bsd200-jpeg75']['blockiness']:.2f}" for p in points)
    psnr = ", ".join(f"{p['alpha']:g}: {p['psnr']:.2f} dB" for p in points)
    return (
        f"The denoise control on 10 held-out BSD200 images (`python scripts/interpolation_sweep.py "
        f"{REAL_MODEL} --psnr_model wdrn-x4 ...`): flat-area noise on the noisy copy {noise}; JPEG "
        f"blockiness on the q75 copy {blocks} (1.0: no 8-px grid); mean PSNR over its copies {psnr}."
    )


def limitations_text(model: str) -> str:
    items = LIMITATIONS["all"] + LIMITATIONS.get(model, LIMITATIONS["bicubic"] if model != REAL_MODEL else [])
    return f"Use it for {MODEL_USES.get(model, 'images')}.\n\n" + "\n".join(f"- {item}" for item in items)


def blend_usage(blend: Blend) -> str:
    """How to pick your own point on the model's blend control, from Python and the command line."""
    # the flag alone works where the default model is one of the control's two ends
    model = "" if BLENDS.get(DEFAULT_MODEL) is blend else f"--model {blend.end} "
    cli = f"{model}--{blend.name} 0.5"
    return (
        f"\n\nYour own {blend.name} strength, where {blend.meaning}: "
        f"`hf_srgan.{blend.name}_model(0.5)` or `hf-srgan upscale photo.jpg -o out/ {cli}` "
        "(a blend of the two models' weights)."
    )


def render_card(results: dict, ensembled: dict, model: str) -> ModelCard:
    generator = SRGenerator.from_pretrained(model)
    inits = [stage["init_generator"] for stage in training_info(model).get("stages", [])]
    # the last bundled model it continues (stages in between may start from runs' exports)
    base = next((init for init in reversed(inits) if init in bundled_models() and init != model), None)
    blend = BLENDS.get(model)
    return generator.generate_model_card(
        model_name=model,
        repo_id=f"{PUBLISHED_ORG}/{model}",
        description=f"{DESCRIPTIONS.get(model, '')} {count_parameters(generator) / 1e6:.2f} M parameters.",
        uses=limitations_text(model),
        usage_extra=blend_usage(blend) if blend else "",
        training_data=f"The HR images of {TRAINING_DATA_PROSE} (the 291-image set plus stand-ins for "
        "DIV2K/Flickr2K); LR patches made on the fly. Ten BSD200 images are held out for choosing "
        "checkpoints; the reported benchmarks are never used in training or choices.",
        training=training_text(model),
        eval_table=evaluation_text(results, ensembled, model),
        figure=f"Crops from the benchmarks' own LR inputs at 2x: bicubic | {' | '.join(FIGURE_MODELS)} | HR."
        f"\n\n![comparison]({COMPARISON.name})",
        base_model=f"{PUBLISHED_ORG}/{base}" if base else None,
        eval_results=eval_results(results, model),
        datasets=[HUB_DATASETS["DIV2K"]],
    )


def replace_block(text: str, name: str, content: str) -> str:
    """Replace what lies between `<!-- name:start -->` and `<!-- name:end -->`."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{content}\n{end}{tail}"


def update_docs(results: dict) -> None:
    """The README's results table and model guide, and docs/benchmarks.md's degraded-photo tables."""
    readme = ROOT / "README.md"
    text = replace_block(readme.read_text(), "eval-table", format_table(results))
    readme.write_text(replace_block(text, "model-guide", model_guide()))
    if DEGRADED_RESULTS.is_file():
        benchmarks = ROOT / "docs" / "benchmarks.md"
        degraded = json.loads(DEGRADED_RESULTS.read_text())
        tables = degraded_tables(degraded)
        if artefacts := artefact_table(degraded):
            tables += f"\n\n{ARTEFACTS_NOTE}\n\n{artefacts}"
        benchmarks.write_text(replace_block(benchmarks.read_text(), "degraded-table", tables))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--render", action="store_true", help="skip evaluation; use docs/eval_results.json")
    parser.add_argument(
        "--measure", nargs="+", default=None, help="re-measure only these models and keep the others' rows"
    )
    parser.add_argument(
        "--keep-self-ensemble", action="store_true", help="reuse docs/eval_self_ensemble.json"
    )
    args = parser.parse_args()
    if not args.render:
        if args.measure:  # bicubic and HR come back with them, measured the same way
            results = {**json.loads(RESULTS.read_text()), **measure(args.measure, SETS)}
            results = {
                name: results[name] for name in ["HR", "bicubic", *bundled_models()] if name in results
            }
        else:
            results = measure(bundled_models(), SETS)
        RESULTS.write_text(json.dumps(results, indent=2))
        if not args.keep_self_ensemble:
            ensembled = measure(SELF_ENSEMBLE_MODELS, SELF_ENSEMBLE_SETS, self_ensemble=True)
            SELF_ENSEMBLE_RESULTS.write_text(json.dumps(ensembled, indent=2))
        comparison_figure(CROPS, FIGURE_MODELS, COMPARISON)
    results = json.loads(RESULTS.read_text())
    ensembled = json.loads(SELF_ENSEMBLE_RESULTS.read_text())
    perception_distortion_figure(results, "BSD100", PERCEPTION_DISTORTION)
    for model in bundled_models():
        folder = BUNDLED_DIR / model
        render_card(results, ensembled, model).save(folder / "README.md")
        for figure in (COMPARISON, PERCEPTION_DISTORTION, *([REAL_FIGURE] if model == REAL_MODEL else [])):
            shutil.copy(figure, folder / figure.name)  # the card links its figures beside itself
        write_terms(folder)
    update_docs(results)
    print(format_table(results))


if __name__ == "__main__":
    main()
