from dataclasses import replace

import pytest
import torch

from hf_srgan import SRGenerator, denoise_model, texture_model
from hf_srgan.texture import DENOISE, FAITHFUL_MODEL, PHOTO_MODEL, TEXTURE, TEXTURE_MODEL, blend_of


def test_texture_ends_are_the_two_models_and_the_middle_is_their_blend():
    faithful = SRGenerator.from_pretrained(FAITHFUL_MODEL)
    textured = SRGenerator.from_pretrained(TEXTURE_MODEL)
    name = "tail.weight"
    assert torch.equal(texture_model(0).state_dict()[name], faithful.state_dict()[name])
    assert torch.equal(texture_model(1).state_dict()[name], textured.state_dict()[name])
    middle = texture_model(0.5).state_dict()[name]
    assert torch.allclose(middle, (faithful.state_dict()[name] + textured.state_dict()[name]) / 2)


def test_each_texture_step_is_blended_once():
    assert texture_model(0.3) is texture_model(0.31)  # rounded to the same slider step, cached
    assert texture_model(0.3) is not texture_model(0.35)


def test_texture_outside_0_1_is_refused():
    with pytest.raises(ValueError, match="within"):
        texture_model(1.5)


def test_denoise_runs_from_the_faithful_to_the_photo_model():
    name = "tail.weight"
    faithful, photo = (
        SRGenerator.from_pretrained(m).state_dict()[name] for m in (FAITHFUL_MODEL, PHOTO_MODEL)
    )
    assert torch.equal(denoise_model(0).state_dict()[name], faithful)
    assert torch.equal(denoise_model(1).state_dict()[name], photo)
    assert torch.allclose(
        denoise_model(0.25).state_dict()[name], faithful + 0.25 * (photo - faithful), atol=1e-6
    )
    assert denoise_model(0.5) is not texture_model(0.5)  # each control caches its own blends


def test_a_published_or_saved_copy_keeps_its_control_with_its_sibling(tmp_path):
    assert blend_of("hf-srgan/wdrn-x4-real") == replace(
        DENOISE, start="hf-srgan/wdrn-x4", end="hf-srgan/wdrn-x4-real"
    )
    assert blend_of("wdrn-x4-gan") == TEXTURE and blend_of("org/wdrn-x4").end == "org/wdrn-x4-gan"
    assert blend_of("srresnet-x4") is None and blend_of("org/my-wdrn-x4-real") is None
    for name in (FAITHFUL_MODEL, PHOTO_MODEL):  # two saved copies, side by side
        SRGenerator.from_pretrained(name).save_pretrained(tmp_path / name)
    copied = blend_of(str(tmp_path / PHOTO_MODEL))
    assert copied.start == str(tmp_path / FAITHFUL_MODEL)
    assert torch.equal(
        copied.model(0.5).state_dict()["tail.weight"], denoise_model(0.5).state_dict()["tail.weight"]
    )
