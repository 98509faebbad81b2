"""The model card template that `SRGenerator.save_pretrained` writes as README.md.

`huggingface_hub` renders it with Jinja: ``card_data`` is the YAML front matter (library name,
tags, pipeline tag) and the other fields come from ``model_card_kwargs``, e.g. the validation
table that `train_accelerate.py` measured.
"""

MODEL_CARD_TEMPLATE = """---
{{ card_data }}
---

# {{ model_name | default("hf-srgan generator", true) }}

A 4x single-image super-resolution generator made with
[hf-srgan]({{ repo_url | default("https://github.com/hf-srgan/hf-srgan", true) }}).
It maps an RGB image with values in [0, 1] to an RGB image `scale` times larger.

{{ description | default("", true) }}

## Usage

```python
from PIL import Image
from hf_srgan import SRGenerator, upscale

model = SRGenerator.from_pretrained("{{ repo_id | default("path/to/this/folder", true) }}")
upscale(model, Image.open("photo.png")).save("photo_x4.png")
```

or from the command line:
`hf-srgan upscale photo.png -o out/ --model {{ repo_id | default("path/to/this/folder", true) }}`.

## Evaluation

{{ eval_table | default("Not evaluated yet.", true) }}
"""
