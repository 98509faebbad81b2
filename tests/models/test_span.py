"""The efficient generator: re-parameterizable convs fold exactly, and what is saved is the folded model."""

import json

import torch

from hf_srgan.models import PRESETS, SRGenerator, count_parameters
from hf_srgan.models.span import RepConv


def test_a_rep_conv_folds_into_one_conv_with_the_same_output():
    torch.manual_seed(0)
    for in_ch, out_ch in ((8, 8), (3, 8)):  # with and without the identity branch
        conv = RepConv(in_ch, out_ch)
        folded = RepConv(in_ch, out_ch, folded=True)
        weight, bias = conv.folded_weights()
        folded.conv.weight.data, folded.conv.bias.data = weight, bias
        x = torch.randn(2, in_ch, 9, 7)
        assert torch.allclose(conv(x), folded(x), atol=1e-5)


def test_the_lite_preset_folds_saves_and_loads_as_plain_convs(tmp_path):
    torch.manual_seed(0)
    model = SRGenerator(**PRESETS["lite"]).eval()
    for p in model.parameters():  # training moves the branches away from their initial values
        p.data += 0.01 * torch.randn_like(p)
    folded = model.fold()
    x = torch.rand(1, 3, 20, 24)
    with torch.no_grad():
        assert torch.allclose(model(x), folded(x), atol=1e-4)
    assert count_parameters(folded) < count_parameters(model) < 500_000
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["reparameterized"] is True
    loaded = SRGenerator.from_pretrained(tmp_path)
    assert not any("conv1x1" in name for name in loaded.state_dict())
    with torch.no_grad():
        assert torch.allclose(loaded(x), model(x), atol=1e-4)
        assert loaded(x).shape == (1, 3, 80, 96)
