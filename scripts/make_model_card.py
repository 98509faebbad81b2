"""Measure the bundled models and write every published figure from that one measurement.

    python scripts/make_model_card.py            # evaluate, then render
    python scripts/make_model_card.py --render   # re-render from docs/eval_results.json

Evaluation is `hf_srgan.evaluation.evaluate_generators`, the same call as `hf-srgan evaluate`
(Y channel, shave 4, SR rounded to uint8, each set's own LR images, fp32, default tiling).
The PSNR-oriented models are also measured with `--self-ensemble` on Set5 and Set14 (8x the
compute, so not on BSD100). It writes docs/eval_results.json, docs/eval_self_ensemble.json,
docs/comparison.png, model_card.md (the Hub card of wdrn-x4),
the README.md card of each bundled folder, and the table between the eval markers in README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import textwrap
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData
from PIL import Image, ImageDraw

from hf_srgan.evaluation import bicubic_upscale, evaluate_generators, format_table
from hf_srgan.inference import upscale
from hf_srgan.models import SRGenerator, count_parameters
from hf_srgan.pretrained import BUNDLED_DIR, DEFAULT_MODEL, bundled_models

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HF_SRGAN_DATA", ROOT.parent / "shared" / "data"))
SETS = ["Set5", "Set14", "BSD100"]
RESULTS = ROOT / "docs" / "eval_results.json"
SELF_ENSEMBLE_RESULTS = ROOT / "docs" / "eval_self_ensemble.json"
SELF_ENSEMBLE_SETS = ["Set5", "Set14"]
SELF_ENSEMBLE_MODELS = ["wdrn-x4", "srresnet-x4"]
COMPARISON = ROOT / "docs" / "comparison.png"

PUBLISHED = """| published x4 reference (PSNR dB / SSIM, Y) | Set5 | Set14 | BSD100 |
|---|---|---|---|
| bicubic | 28.42 / 0.8104 | 26.00 / 0.7027 | 25.96 / 0.6675 |
| SRResNet (Ledig et al. 2017, 1.5 M params, 10^6 steps) | 32.05 / 0.9019 | 28.49 / 0.8184 | 27.58 / 0.7620 |
| SRGAN (Ledig et al. 2017) | 29.40 / 0.8472 | 26.02 / 0.7397 | 25.16 / 0.6688 |
| EDSR-baseline (Lim et al. 2017, 1.5 M params) | ~32.1 | | |
| ESRGAN RRDB, PSNR-oriented (16.7 M params) | 32.73 / 0.9011 | 28.99 / 0.7917 | 27.85 / 0.7455 |"""

DESCRIPTIONS = {
    "wdrn-x4": "WDRN, PSNR-oriented, the default model of hf_srgan.",
    "srresnet-x4": "The SRGAN paper's SRResNet generator, trained exactly like wdrn-x4: the baseline.",
    "wdrn-x4-gan": "wdrn-x4 fine-tuned with a WGAN-GP critic (pixel content loss + adversarial term).",
}

CITATION = """```bibtex
@inproceedings{ledig2017srgan,
  title={Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network},
  author={Ledig, Christian and Theis, Lucas and Husz{\\'a}r, Ferenc and others},
  booktitle={CVPR}, year={2017}
}
@inproceedings{huang2017densenet,
  title={Densely Connected Convolutional Networks},
  author={Huang, Gao and Liu, Zhuang and van der Maaten, Laurens and Weinberger, Kilian Q.},
  booktitle={CVPR}, year={2017}
}
@inproceedings{gulrajani2017wgangp,
  title={Improved Training of {W}asserstein {GAN}s},
  author={Gulrajani, Ishaan and Ahmed, Faruk and Arjovsky, Martin and Dumoulin, Vincent and Courville, Aaron},
  booktitle={NeurIPS}, year={2017}
}
```"""


def measure(models: list[str], sets: list[str], self_ensemble: bool = False) -> dict:
    folders = [DATA / "benchmark" / name for name in sets]
    return evaluate_generators(
        models, folders, tile="auto", overlap=16, dtype="float32", self_ensemble=self_ensemble
    )


def training_info(name: str) -> dict:
    path = BUNDLED_DIR / name / "training.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def description(name: str) -> str:
    """DESCRIPTIONS plus which stages used MSE, read from the recorded commands so it cannot drift."""
    stages = training_info(name).get("stages", [])
    mse = [str(number) for number, stage in enumerate(stages, 1) if "--pixel_loss mse" in stage["command"]]
    losses = f" Pixel loss L1, MSE in stage(s) {', '.join(mse)}." if mse else ""
    return DESCRIPTIONS.get(name, "") + losses


def eval_results(results: dict, model: str) -> list[EvalResult]:
    rows = []
    for set_name, scores in results[model].items():
        for metric, value, digits in (("psnr", scores["psnr"], 2), ("ssim", scores["ssim"], 4)):
            rows.append(
                EvalResult(
                    task_type="image-to-image",
                    task_name="4x super-resolution",
                    dataset_type=set_name,
                    dataset_name=set_name,
                    metric_type=metric,
                    metric_name=f"{metric.upper()} (Y channel, shave 4)",
                    metric_value=round(value, digits),
                )
            )
    return rows


def hr_megapixels(stages: list[dict]) -> float:
    """HR pixels seen over all stages: patch counts alone hide a change of patch size."""
    return sum(stage["samples_seen"] * stage["patch_size"] ** 2 for stage in stages) / 1e6


def training_section(name: str) -> str:
    info = training_info(name)
    if not info:
        return "No training record bundled."
    stages = info["stages"]
    lines = [
        f"- Total: {info['steps']:,} generator steps, {info['samples_seen']:,} training patches seen "
        f"({hr_megapixels(stages):,.0f} Mpx of HR patches), {info['train_seconds'] / 3600:.2f} h of "
        f"training in {len(stages)} stage(s)"
    ]
    for number, stage in enumerate(stages, 1):
        lines += [
            f"- Stage {number}: `{stage['command']}`",
            f"  - {stage['steps']:,} steps, batch {stage['batch_size']}, {stage['samples_seen']:,} patches "
            f"({stage['patch_size']} px HR); data: {stage['train_data']}",
            f"  - Hardware: {stage['hardware']}",
            f"  - Wall time: {stage['train_seconds'] / 3600:.2f} h ({stage['time_source']})",
        ]
    return "\n".join(lines)


def comparison_figure() -> None:
    """Crops of a CC0 photo (scikit-image's chelsea): bicubic | each bundled model | HR."""
    from skimage import data

    hr = Image.fromarray(data.chelsea())
    hr = hr.crop((0, 0, hr.width // 4 * 4, hr.height // 4 * 4))
    lr = hr.resize((hr.width // 4, hr.height // 4), Image.Resampling.BICUBIC)
    panels = [("bicubic", bicubic_upscale(lr, 4))]
    panels += [
        (name, upscale(SRGenerator.from_pretrained(name), lr))
        for name in ("wdrn-x4", "wdrn-x4-gan")
        if name in bundled_models()
    ]
    panels.append(("HR", hr))
    box = (150, 60, 310, 220)  # the eyes and fur
    width = box[2] - box[0]
    figure = Image.new("RGB", (width * 2 * len(panels), (box[3] - box[1]) * 2 + 24), "white")
    draw = ImageDraw.Draw(figure)
    for i, (label, image) in enumerate(panels):
        crop = image.crop(box).resize((width * 2, (box[3] - box[1]) * 2), Image.Resampling.NEAREST)
        figure.paste(crop, (i * width * 2, 24))
        draw.text((i * width * 2 + 6, 6), label, fill="black")
    COMPARISON.parent.mkdir(exist_ok=True)
    figure.save(COMPARISON)


def self_ensemble_section(results: dict, ensembled: dict) -> str:
    """Each PSNR-oriented model's single-pass row followed by its self-ensemble row."""
    rows = {}
    for name in SELF_ENSEMBLE_MODELS:
        rows[name] = {s: results[name][s] for s in SELF_ENSEMBLE_SETS}
        rows[f"{name} + self-ensemble"] = ensembled[name]
    return format_table(rows)


def render_card(results: dict, ensembled: dict, model: str) -> ModelCard:
    generator = SRGenerator.from_pretrained(model)
    card_data = ModelCardData(
        library_name="hf-srgan",
        license="mit",
        pipeline_tag="image-to-image",
        tags=["super-resolution", "image-to-image", "srgan", "wdrn", "pytorch_model_hub_mixin"],
        datasets=["T91", "BSD200", "DIV2K", "Flickr2K"],
        model_name=model,
        eval_results=eval_results(results, model),
    )
    table = format_table(results)
    others = "\n".join(f"- `{name}`: {description(name)}" for name in results if name != "bicubic")
    default_steps = training_info(DEFAULT_MODEL).get("steps", 0)
    training = "\n\n".join(f"**{name}**\n\n{training_section(name)}" for name in results if name != "bicubic")
    content = f"""---
{card_data.to_yaml()}
---

# {model}

{description(model)} {count_parameters(generator) / 1e6:.2f} M parameters, 4x upscaling,
RGB in [0, 1] to RGB in [0, 1]. Bundled with the `hf-srgan` package and loadable offline by name.

## Architecture

A **Weighted Dense Residual Network** (WDRN) generator: a 3x3 head, 8 dense residual blocks
(each of 4 densely connected 3x3 conv + PReLU layers, fused by a 1x1 conv and added back to the
block input), where the input of every block is a *weighted concatenation* of all earlier block
outputs (one learned scalar per source, then a 1x1 conv) instead of SRGAN's plain sums; then two
PixelShuffle x2 stages and a 3x3 tail. No batch norm. See `hf_srgan/models/generator.py`.

## Models in this family

{others}

## Evaluation

Y-channel PSNR (dB) / SSIM, SR rounded to uint8, 4 px shaved, using each benchmark's own
MATLAB-bicubic LR images; bicubic measured the same way. Produced by
`python scripts/make_model_card.py`, which calls the same code as
`hf-srgan evaluate --model {" ".join(m for m in results if m != "bicubic")} --data Set5 Set14 BSD100`.

{table}

{PUBLISHED}

`--self-ensemble` (in `upscale()`, `hf-srgan upscale` and `hf-srgan evaluate`) averages the
outputs for the 8 flips/rotations of the input, as the "+" rows of published tables (EDSR+) do:
8x the compute. Same protocol, `hf-srgan evaluate --self-ensemble`, single-pass rows repeated:

{self_ensemble_section(results, ensembled)}

The published rows are single-pass and were trained for about a million steps on GPUs; ours
were trained on a 2-core CPU for {default_steps:,} steps (see below), which is why they sit below.

## Visual comparison

Crops of a CC0 photo (scikit-image `chelsea`, downscaled 4x with PIL bicubic), shown 2x:
bicubic | {" | ".join(m for m in ("wdrn-x4", "wdrn-x4-gan") if m in results)} | HR.

![comparison](docs/comparison.png)

## Training

Made with `train_accelerate.py` only. Data: the local T91 + BSD200 + DIV2K + Flickr2K HR
images (`../shared/data/train`), random HR patches (size per stage below; each from an image
picked uniformly, or in proportion to its area where a stage says `--image_sampling area`), LR
by antialiased bicubic, flips and rotations; L1 loss, or MSE where a stage's command says
`--pixel_loss mse`; Set5 for validation. `wdrn-x4` and `srresnet-x4` were trained at the same
time on one 2-core machine, one thread each, in the same stages with the same data, batch,
patch size, loss, schedule and number of steps (so the same samples seen): from scratch with a
constant learning rate, then continued from the saved weights with a cosine decay. Terms: T91
and Flickr2K research use, BSD (BSDS300) non-commercial research and education, DIV2K academic
research only. The weights inherit these restrictions.

{training}

## Usage

```python
from PIL import Image
from hf_srgan import SRGenerator, upscale

model = SRGenerator.from_pretrained("{model}")  # bundled; or "org/{model}" on the Hub, or a folder
upscale(model, Image.open("photo.jpg"), dtype="auto").save("photo_x4.png")
```

`hf-srgan upscale photo.jpg -o out/ --model {model}` does the same from the shell.

## Limitations

- Trained for bicubic degradation only: JPEG artefacts, noise and blur in real photos are
  upscaled, not removed.
- Short CPU training: below published PSNR figures; retrain longer with the same command on a GPU.
- `wdrn-x4-gan` uses a pixel content loss (ImageNet VGG19 weights cannot be downloaded where it
  was trained); with VGG weights, `--content_loss vgg` is the documented default.
- The GAN model invents texture; do not use it where fidelity matters (medical, forensic).
- `wdrn-x4-gan` had only a few hundred GAN steps: it adds a fine checkerboard pattern as well as
  texture (see the comparison image); it is a first GAN stage, not a finished perceptual model.

## Citation

{CITATION}
"""
    return ModelCard(content)


def status_note(results: dict, ensembled: dict) -> str:
    """The README's status paragraph: where the bundled weights stand against bicubic and SRResNet."""
    set5 = {name: scores["Set5"]["psnr"] for name, scores in results.items()}
    wdrn, info = set5[DEFAULT_MODEL], training_info(DEFAULT_MODEL)
    text = (
        f"**Status of the bundled weights.** `{DEFAULT_MODEL}` and `srresnet-x4` were trained on a "
        f"2-core CPU for {info['steps']:,} steps each ({info['samples_seen']:,} patches, in "
        f"{len(info['stages'])} stages; exact commands in [model_card.md](model_card.md)). On Set5 "
        f"`{DEFAULT_MODEL}` beats bicubic by {wdrn - set5['bicubic']:.2f} dB and the same-budget SRResNet "
        f"by {wdrn - set5['srresnet-x4']:.2f} dB, but is below the published SRResNet ({wdrn:.2f} vs "
        "32.05 dB), which took about a million steps. With `--self-ensemble` (8x the compute) it "
        f"reaches {ensembled[DEFAULT_MODEL]['Set5']['psnr']:.2f} dB on Set5 (SRResNet "
        f"{ensembled['srresnet-x4']['Set5']['psnr']:.2f}). Training continues from the shipped weights "
        f"with `--init_generator {DEFAULT_MODEL}`."
    )
    return textwrap.fill(text, 98, initial_indent="> ", subsequent_indent="> ", break_on_hyphens=False)


def replace_block(text: str, name: str, content: str) -> str:
    """Replace what lies between `<!-- name:start -->` and `<!-- name:end -->`."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{content}\n{end}{tail}"


def update_readme(results: dict, ensembled: dict) -> None:
    readme = ROOT / "README.md"
    text = replace_block(readme.read_text(), "eval-table", format_table(results))
    readme.write_text(replace_block(text, "status", status_note(results, ensembled)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--render", action="store_true", help="skip evaluation; use docs/eval_results.json")
    args = parser.parse_args()
    if not args.render:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(measure(bundled_models(), SETS), indent=2))
        ensembled = measure(SELF_ENSEMBLE_MODELS, SELF_ENSEMBLE_SETS, self_ensemble=True)
        SELF_ENSEMBLE_RESULTS.write_text(json.dumps(ensembled, indent=2))
        comparison_figure()
    results = json.loads(RESULTS.read_text())
    ensembled = json.loads(SELF_ENSEMBLE_RESULTS.read_text())
    for model in bundled_models():
        render_card(results, ensembled, model).save(BUNDLED_DIR / model / "README.md")
    render_card(results, ensembled, DEFAULT_MODEL).save(ROOT / "model_card.md")
    update_readme(results, ensembled)
    print(format_table(results))
    print(self_ensemble_section(results, ensembled))


if __name__ == "__main__":
    main()
