"""The one model card of hf_srgan: a template plus the metadata every card shares.

`SRGenerator.save_pretrained` / `push_to_hub` render it (through huggingface_hub's mixin), and so
do the training export and `scripts/make_model_card.py` for the bundled models, so a card
pushed after training and a bundled card carry the same metadata and sections. Optional
sections appear only when their values are given: ``description``, ``uses`` (intended uses and
limitations), ``usage_extra``, ``training_data``, ``training``, ``eval_table`` (Markdown), ``figure``.

Weights and code have different terms: the code is MIT, but weights trained on DIV2K (academic
research only) and BSD (non-commercial) inherit those restrictions. So the metadata says
``license: other`` and links the terms file that every saved folder carries.
"""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import EvalResult

REPO_URL = "https://github.com/hf-srgan/hf-srgan"
PUBLISHED_ORG = "hf-srgan"  # where the bundled models are published (scripts/publish_models.py --org)
DOCS_URL = f"{REPO_URL}#readme"
PAPER_URL = "https://arxiv.org/abs/1609.04802"  # SRGAN, Ledig et al. 2017
TERMS_FILE = "WEIGHTS_TERMS.md"
LICENSE_NAME = "hf-srgan-weights-research-only"
# Shared by every card; `SRGenerator.generate_model_card` adds the architecture (wdrn, srresnet, span).
TAGS = ["super-resolution", "image-to-image", "srgan", "hf-srgan"]

# Hub dataset ids for the data we train and evaluate on, where a public copy exists. T91, BSD200
# (BSDS300 train) and Flickr2K have no Hub copy we could match; cards name them in prose.
HUB_DATASETS = {
    "DIV2K": "eugenesiow/Div2k",
    "Set5": "eugenesiow/Set5",
    "Set14": "eugenesiow/Set14",
    "BSD100": "eugenesiow/BSD100",
}
TRAINING_DATA_PROSE = (
    "T91 (Yang et al. 2010), BSD200 (the BSDS300 training images), DIV2K (Agustsson and Timofte "
    "2017) and Flickr2K (Lim et al. 2017)"
)

WEIGHTS_TERMS = """# Terms of use of these weights

The hf-srgan code is MIT-licensed. These **weights** are a product of their training data and
inherit its terms:

- DIV2K: academic research only (https://data.vision.ee.ethz.ch/cvl/DIV2K/)
- BSD / BSDS300 (BSD200 training images, BSD100 evaluation): non-commercial research and education
- T91, Flickr2K, Set5, Set14: research use

Use them for non-commercial research and education. For other uses, retrain on data you may use
that way (`train_accelerate.py --train_data <your folder or Hub dataset>`).
"""

ARCHITECTURES = {
    "wdrn": (
        "A **Weighted Dense Residual Network** (WDRN): a 3x3 head, dense residual blocks (each of "
        "densely connected 3x3 conv + PReLU layers, fused by a 1x1 conv and added back to the block "
        "input), where every block's input is a *weighted concatenation* of all earlier block outputs "
        "(one learned scalar per source, then a 1x1 conv) instead of SRGAN's plain sums; then "
        "PixelShuffle x2 stages and a 3x3 tail. No batch norm. See `hf_srgan/models/generator.py`."
    ),
    "span": (
        "An efficient **SPAN-style** network (Wan et al. 2024): 3x3 convs at the input resolution in "
        "blocks gated by a parameter-free attention, (o + x) * (sigmoid(o) - 0.5), a long skip, and one "
        "PixelShuffle to RGB. Trained with re-parameterizable convs (3x3 + 1x1 + identity), saved folded "
        "into single 3x3 convs. See `hf_srgan/models/span.py`."
    ),
    "srresnet": (
        "The SRGAN paper's **SRResNet** generator (Ledig et al. 2017): a 9x9 head with PReLU, 16 "
        "residual blocks (conv-BN-PReLU-conv-BN), a conv-BN with a long skip, PixelShuffle x2 stages "
        "and a 9x9 tail. See `hf_srgan/models/generator.py`."
    ),
}

CITATION = """```bibtex
@inproceedings{ledig2017srgan,
  title={Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network},
  author={Ledig, Christian and Theis, Lucas and Husz{\\'a}r, Ferenc and others},
  booktitle={CVPR}, year={2017}
}
@inproceedings{gulrajani2017wgangp,
  title={Improved Training of {W}asserstein {GAN}s},
  author={Gulrajani, Ishaan and Ahmed, Faruk and Arjovsky, Martin and Dumoulin, Vincent and Courville, Aaron},
  booktitle={NeurIPS}, year={2017}
}
@inproceedings{sauer2021projectedgan,
  title={Projected {GAN}s Converge Faster},
  author={Sauer, Axel and Chitta, Kashyap and M{\\"u}ller, Jens and Geiger, Andreas},
  booktitle={NeurIPS}, year={2021}
}
```"""

MODEL_CARD_TEMPLATE = """---
{{ card_data }}
---

# {{ model_name | default("hf-srgan generator", true) }}

{{ description | default("A 4x single-image super-resolution generator.", true) }}
Made with [hf-srgan]({{ repo_url }}): RGB in [0, 1] to RGB in [0, 1], `scale` times larger.
{% if uses %}
## Intended uses and limitations

{{ uses }}
{% endif %}
## How to use

```python
from PIL import Image
from hf_srgan import SRGenerator, upscale

model = SRGenerator.from_pretrained("{{ repo_id | default("path/to/this/folder", true) }}")
upscale(model, Image.open("photo.jpg")).save("photo_x4.png")
```

or `hf-srgan upscale photo.jpg -o out/ --model {{ repo_id | default("path/to/this/folder", true) }}`
(`pip install hf-srgan`; any size, tiled; bf16 where the CPU has it).{{ usage_extra | default("", true) }}
{% if training_data %}
## Training data

{{ training_data }}
{% endif %}{% if training %}
## Training procedure

{{ training }}
{% endif %}
## Evaluation

{{ eval_table | default("Not evaluated yet.", true) }}
{% if figure %}
{{ figure }}
{% endif %}
## Architecture

{{ architecture }}

## Terms of use

The code is MIT; the weights inherit the terms of their training data:
see [{{ terms_file }}]({{ terms_file }}).

## Citation

{{ citation }}
"""


def card_fields(arch: str, **fields) -> dict:
    """Template values shared by every card: architecture text, terms link, citation, links."""
    return {
        "architecture": ARCHITECTURES[arch],
        "terms_file": TERMS_FILE,
        "citation": CITATION,
        **fields,
    }


def eval_results(results: dict[str, dict[str, dict]], model: str) -> list[EvalResult]:
    """model-index entries (PSNR, SSIM and NIQE where measured) for one row of an evaluation."""
    rows = []
    for set_name, scores in results[model].items():
        for metric, digits, name in (
            ("psnr", 2, "PSNR (Y channel, shave 4)"),
            ("ssim", 4, "SSIM (Y channel, shave 4)"),
            ("niqe", 2, "NIQE (Y channel, shave 4; lower is better)"),
        ):
            if metric not in scores:
                continue
            rows.append(
                EvalResult(
                    task_type="image-to-image",
                    task_name="4x super-resolution",
                    dataset_type=HUB_DATASETS.get(set_name, set_name),
                    dataset_name=set_name,
                    metric_type=metric,
                    metric_name=name,
                    metric_value=round(scores[metric], digits),
                )
            )
    return rows


def write_terms(folder: str | Path) -> None:
    """Put the weights' terms file beside the weights (the card's licence link points to it)."""
    (Path(folder) / TERMS_FILE).write_text(WEIGHTS_TERMS)
