import pytest
import torch

from hf_srgan.augment import cutout, diff_augment, parse_augmentations, translation


def test_parse_augmentations_names_the_unknown_ones():
    assert parse_augmentations("color, translation") == ("color", "translation")
    assert parse_augmentations("") == ()
    with pytest.raises(ValueError, match="flip"):
        parse_augmentations("color,flip")


def test_translation_moves_content_and_fills_with_zeros():
    torch.manual_seed(0)
    x = torch.ones(64, 1, 16, 16)
    shifted = translation(x, ratio=0.25)
    zeros = (shifted == 0).flatten(1).sum(1)
    assert shifted.shape == x.shape and set(shifted.unique().tolist()) <= {0.0, 1.0}
    assert (zeros > 0).any() and (zeros < 16 * 16).all()  # some images moved, none vanished


def test_cutout_zeroes_at_most_a_quarter_of_each_image():
    x = torch.ones(32, 3, 20, 20)
    cut = (cutout(x, ratio=0.5) == 0).flatten(1).float().mean(1)
    assert (cut > 0).all() and (cut <= 0.25 + 1e-6).all()


def test_the_generator_gradient_flows_through_every_augmentation():
    x = torch.rand(4, 3, 24, 24, requires_grad=True)
    diff_augment(x, ("color", "translation", "cutout")).square().sum().backward()
    assert x.grad.abs().sum() > 0
