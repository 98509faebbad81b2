"""A point of your own between fidelity and invented texture: `texture_model(0.5)`.

``texture`` 0 is `wdrn-x4` (faithful), 1 is `wdrn-x4-gan` (invented texture), and anything between
is ESRGAN's network interpolation of the two generators' weights (`interpolate_generators`).
Blending 1.65 M parameters takes milliseconds; each texture value's model is kept, so a slider
that goes back and forth costs nothing after the first visit.
"""

from __future__ import annotations

from functools import lru_cache

from hf_srgan.models import SRGenerator, interpolate_generators

FAITHFUL_MODEL = "wdrn-x4"
TEXTURE_MODEL = "wdrn-x4-gan"
TEXTURE_STEPS = 20  # texture is rounded to 1/20: a slider's positions, and at most 21 cached models


@lru_cache(maxsize=4)
def _load(name: str) -> SRGenerator:
    return SRGenerator.from_pretrained(name)


@lru_cache(maxsize=TEXTURE_STEPS + 1)
def _blend(step: int, faithful: str, textured: str) -> SRGenerator:
    if step == 0:
        return _load(faithful)
    if step == TEXTURE_STEPS:
        return _load(textured)
    return interpolate_generators(_load(faithful), _load(textured), step / TEXTURE_STEPS)


def texture_model(
    texture: float, faithful: str = FAITHFUL_MODEL, textured: str = TEXTURE_MODEL
) -> SRGenerator:
    """The generator at `texture` (0 = `faithful`, 1 = `textured`, rounded to 1/20), cached.

    `faithful` and `textured` are any two generators of one architecture where one was fine-tuned
    from the other (names, folders or Hub ids); the result is shared: do not train it in place.
    """
    if not 0.0 <= texture <= 1.0:
        raise ValueError(f"texture must be within [0, 1], got {texture}")
    return _blend(round(texture * TEXTURE_STEPS), faithful, textured)
