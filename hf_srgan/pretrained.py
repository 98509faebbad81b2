"""Generators bundled inside the package, loadable offline by name."""

from __future__ import annotations

from pathlib import Path

BUNDLED_DIR = Path(__file__).parent / "pretrained"
DEFAULT_MODEL = "wdrn-x4"
MODEL_USES = {
    "wdrn-x4": "clean images (screenshots, renders, lossless photos): the most faithful",
    "span-x4": "large images on a CPU: 6-8x faster than wdrn-x4, within 0.2 dB of it",
    "wdrn-x4-fast": "superseded by span-x4, which is faster and sharper; kept for existing users",
    "wdrn-x4-real": "photos as people share them: JPEG artefacts, noise, softness",
    "wdrn-x4-gan": "clean images, with invented natural texture (fur, grass): not for fine text or evidence",
    "srresnet-x4": "the classic SRGAN generator, the baseline wdrn-x4 is measured against",
}
"""Which bundled model suits which input, in one line each (the Space, the CLI help and the README)."""


def bundled_models() -> list[str]:
    """Names of the generators shipped in `hf_srgan/pretrained/`."""
    if not BUNDLED_DIR.is_dir():
        return []
    return sorted(p.name for p in BUNDLED_DIR.iterdir() if (p / "config.json").is_file())


def model_guide() -> str:
    """One line per bundled model that has a use written down: what input it is for."""
    return "\n".join(f"- {name}: {MODEL_USES[name]}" for name in bundled_models() if name in MODEL_USES)


def resolve_bundled(name_or_path: str) -> str:
    """The bundled folder for a bundled name, otherwise the argument unchanged (a path or Hub id).

    A folder that exists under the given name wins: `./wdrn-x4` is the user's, not ours.
    """
    if name_or_path in bundled_models() and not Path(name_or_path).exists():
        return str(BUNDLED_DIR / name_or_path)
    return name_or_path
