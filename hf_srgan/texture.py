"""A point of your own between two bundled models: `texture_model(0.5)`, `denoise_model(0.5)`.

Two such controls, each ESRGAN's network interpolation of two generators' weights
(`interpolate_generators`), where one was fine-tuned from the other:

- texture: 0 is `wdrn-x4` (faithful), 1 is `wdrn-x4-gan` (invented texture);
- denoise, for photos: 0 is `wdrn-x4` (keeps the input's noise and JPEG blocks, as a model trained
  on clean bicubic inputs does), 1 is `wdrn-x4-real` (removes the blocks and the noise):
  Real-ESRGAN's denoise strength, which interpolates its general model with and without
  denoising the same way. Measured in docs/denoise_strength.json (scripts/interpolation_sweep.py).

Blending 1.65 M parameters takes milliseconds; each value's model is kept, so a slider that goes
back and forth costs nothing after the first visit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from hf_srgan.models import SRGenerator, interpolate_generators

FAITHFUL_MODEL = "wdrn-x4"
TEXTURE_MODEL = "wdrn-x4-gan"
PHOTO_MODEL = "wdrn-x4-real"
TEXTURE_STEPS = 20  # values are rounded to 1/20: a slider's positions, and at most 21 cached models


@dataclass(frozen=True)
class Blend:
    """A control that moves between two models: `start` at 0, `end` at 1."""

    name: str
    start: str
    end: str
    meaning: str

    def model(self, value: float) -> SRGenerator:
        return texture_model(value, self.start, self.end)

    def describe(self, value: float) -> str:
        """What a result was made with, e.g. ``wdrn-x4 + texture 0.5 (wdrn-x4-gan)``."""
        return f"{self.start} + {self.name} {value:g} ({self.end})"


TEXTURE = Blend(
    "texture",
    FAITHFUL_MODEL,
    TEXTURE_MODEL,
    f"0 is faithful, 1 is {TEXTURE_MODEL}'s invented natural texture",
)
DENOISE = Blend(
    "denoise",
    FAITHFUL_MODEL,
    PHOTO_MODEL,
    f"0 keeps the photo's noise and JPEG blocks ({FAITHFUL_MODEL}), 1 removes the blocks and "
    f"the noise ({PHOTO_MODEL})",
)
# The control each model belongs to, by the model's name: choosing one sets the control to its end.
BLENDS = {FAITHFUL_MODEL: TEXTURE, TEXTURE_MODEL: TEXTURE, PHOTO_MODEL: DENOISE}


def blend_of(model: str) -> Blend | None:
    """The control `model` belongs to, for a bundled name or a published or saved copy of one.

    ``org/wdrn-x4-real`` blends with ``org/wdrn-x4`` and a folder ``.../wdrn-x4-real`` with
    ``.../wdrn-x4``: `scripts/publish_models.py` puts the bundled models side by side under one
    organisation, as `save_pretrained` copies do under one folder.
    """
    for name, blend in BLENDS.items():
        if model == name or model.endswith(f"/{name}"):
            where = model.removesuffix(name)
            return replace(blend, start=where + blend.start, end=where + blend.end)
    return None


@lru_cache(maxsize=4)
def _load(name: str) -> SRGenerator:
    return SRGenerator.from_pretrained(name)


@lru_cache(maxsize=2 * (TEXTURE_STEPS + 1))
def _blend(step: int, start: str, end: str) -> SRGenerator:
    if step == 0:
        return _load(start)
    if step == TEXTURE_STEPS:
        return _load(end)
    return interpolate_generators(_load(start), _load(end), step / TEXTURE_STEPS)


def texture_model(
    texture: float, faithful: str = FAITHFUL_MODEL, textured: str = TEXTURE_MODEL
) -> SRGenerator:
    """The generator at `texture` (0 = `faithful`, 1 = `textured`, rounded to 1/20), cached.

    `faithful` and `textured` are any two generators of one architecture where one was fine-tuned
    from the other (names, folders or Hub ids); the result is shared: do not train it in place.
    """
    if not 0.0 <= texture <= 1.0:
        raise ValueError(f"the blend must be within [0, 1], got {texture}")
    return _blend(round(texture * TEXTURE_STEPS), faithful, textured)


def denoise_model(denoise: float) -> SRGenerator:
    """`wdrn-x4-real` at denoise strength `denoise` (0 = `wdrn-x4`, 1 = `wdrn-x4-real`), cached."""
    return DENOISE.model(denoise)
