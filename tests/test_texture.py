import pytest
import torch

from hf_srgan import SRGenerator, texture_model
from hf_srgan.texture import FAITHFUL_MODEL, TEXTURE_MODEL


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
