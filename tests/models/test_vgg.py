import pytest
import torch
from safetensors.torch import save_file

from hf_srgan.models.vgg import LAYER_NAMES, VGG19Features, VGGWeightsError, build_vgg19_features


@pytest.fixture
def vgg_file(tmp_path):
    """A VGG19 safetensors file in the torchvision/timm key layout, with random weights."""
    torch.manual_seed(0)
    features = build_vgg19_features(len(LAYER_NAMES))
    path = tmp_path / "vgg19.safetensors"
    tensors = {f"features.{k}": v for k, v in features.state_dict().items()}
    save_file({**tensors, "head.fc.weight": torch.zeros(2, 2)}, path)  # extra keys like timm's are ignored
    return path, tensors


def test_layer_names_follow_torchvision_indices():
    assert LAYER_NAMES[:4] == ["conv1_1", "relu1_1", "conv1_2", "relu1_2"]
    assert LAYER_NAMES.index("relu2_2") == 8
    assert LAYER_NAMES.index("relu5_4") == 35
    assert len(LAYER_NAMES) == 36


def test_loads_weights_and_returns_requested_layers(vgg_file):
    path, tensors = vgg_file
    vgg = VGG19Features(("relu2_2", "relu5_4"), weights=str(path))
    torch.testing.assert_close(vgg.features[34].weight, tensors["features.34.weight"])
    out = vgg(torch.rand(1, 3, 64, 64))
    assert out["relu2_2"].shape == (1, 128, 32, 32)
    assert out["relu5_4"].shape == (1, 512, 4, 4)


def test_is_frozen_and_stays_in_eval_mode(vgg_file):
    vgg = VGG19Features(("relu1_2",), weights=str(vgg_file[0]))
    vgg.train()
    assert not vgg.training
    assert not any(p.requires_grad for p in vgg.parameters())


def test_normalises_inputs_with_imagenet_statistics():
    vgg = VGG19Features(("conv1_1",), weights=None)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1).expand(1, 3, 8, 8)
    expected = vgg.features[0].bias.view(1, -1, 1, 1)  # a mean-coloured image normalises to zeros
    torch.testing.assert_close(vgg(mean)["conv1_1"][..., 1:-1, 1:-1], expected.expand(1, 64, 6, 6))


def test_missing_weights_say_how_to_provide_them(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(VGGWeightsError, match="--vgg_weights"):
        VGG19Features(weights=str(tmp_path / "nowhere.safetensors"))


def test_incomplete_weights_are_rejected(tmp_path):
    path = tmp_path / "partial.safetensors"
    save_file({"features.0.weight": torch.zeros(64, 3, 3, 3)}, path)
    with pytest.raises(VGGWeightsError, match="do not fit"):
        VGG19Features(("relu1_2",), weights=str(path))


def test_unknown_layer():
    with pytest.raises(ValueError, match="unknown VGG19 layers"):
        VGG19Features(("relu9_9",), weights=None)
