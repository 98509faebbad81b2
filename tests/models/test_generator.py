import json
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from hf_srgan.models import (
    PRESETS,
    WDRN_SMALL,
    ModelLoadError,
    SRGenerator,
    add_task_vector,
    average_generators,
    count_parameters,
    interpolate_generators,
)

TINY = PRESETS["tiny"]


@pytest.mark.parametrize("arch", ["wdrn", "srresnet"])
@pytest.mark.parametrize("scale", [2, 4, 8])
def test_output_shape(arch, scale):
    model = SRGenerator(arch=arch, scale=scale, channels=8, num_blocks=2, num_layers=2, growth=4).eval()
    with torch.no_grad():
        out = model(torch.rand(2, 3, 7, 5))
    assert out.shape == (2, 3, 7 * scale, 5 * scale)


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_rgb_upsampler_runs_nothing_at_full_resolution_but_pixel_shuffle(scale):
    model = SRGenerator(scale=scale, upsampler="rgb", **PRESETS["tiny"]).eval()
    with torch.no_grad():
        out = model(torch.rand(2, 3, 7, 5))
    assert out.shape == (2, 3, 7 * scale, 5 * scale)
    assert isinstance(model.upsample[-1], torch.nn.PixelShuffle) and model.upsample[-2].out_channels == 12
    assert isinstance(model.tail, torch.nn.Identity)
    with pytest.raises(ValueError, match="upsampler"):
        SRGenerator(upsampler="nearest")


def test_sizes_match_the_documented_presets():
    assert 1.4e6 < count_parameters(SRGenerator()) < 1.8e6  # comparable with SRResNet
    assert count_parameters(SRGenerator(**PRESETS["srresnet"])) == pytest.approx(1.55e6, rel=0.01)
    assert 0.25e6 < count_parameters(SRGenerator(**WDRN_SMALL)) < 0.4e6


def test_wdrn_has_learned_source_weights_and_no_batch_norm():
    model = SRGenerator(num_blocks=3)
    names = [n for n, _ in model.named_parameters() if n.endswith("source_weights")]
    assert len(names) == 3  # mixes for blocks 1 and 2, plus the final mix
    assert model.body.final_mix.source_weights.shape == (4,)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in SRGenerator(**PRESETS["srresnet"]).modules())


def test_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="arch"):
        SRGenerator(arch="edsr")
    with pytest.raises(ValueError, match="scale"):
        SRGenerator(scale=3)
    with pytest.raises(ValueError, match="RGB batch"):
        SRGenerator(**PRESETS["tiny"])(torch.rand(1, 1, 8, 8))


def test_save_and_load_round_trip(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    assert {"config.json", "model.safetensors", "README.md"} <= {p.name for p in tmp_path.iterdir()}
    config = json.loads((tmp_path / "config.json").read_text())
    assert config == {
        "arch": "wdrn",
        "scale": 4,
        "upsampler": "features",
        "reparameterized": False,
        **PRESETS["tiny"],
    }
    loaded = SRGenerator.from_pretrained(tmp_path)
    assert not loaded.training
    x = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), tiny_model(x))


def test_model_card_has_hub_metadata(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path, model_card_kwargs={"eval_table": "| model | Set5 |"})
    card = (tmp_path / "README.md").read_text()
    for expected in (
        "library_name: hf-srgan",
        "pipeline_tag: image-to-image",
        "super-resolution",
        "| model | Set5 |",
    ):
        assert expected in card


def test_loading_is_strict(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    weights = load_file(tmp_path / "model.safetensors")
    save_file({**weights, "extra.weight": torch.zeros(1)}, tmp_path / "model.safetensors")
    with pytest.raises(ModelLoadError, match="Unexpected key"):
        SRGenerator.from_pretrained(tmp_path)
    weights.pop("head.weight")
    save_file(weights, tmp_path / "model.safetensors")
    with pytest.raises(ModelLoadError, match="Missing key"):
        SRGenerator.from_pretrained(tmp_path)


def test_missing_files_and_bad_ids_are_clear_errors(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tiny_model.save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="missing model.safetensors"):
        SRGenerator.from_pretrained(tmp_path)
    with pytest.raises(ModelLoadError, match="could not load"):
        SRGenerator.from_pretrained("not a/valid repo id!")
    with pytest.raises(ModelLoadError, match="could not load"):
        SRGenerator.from_pretrained("nobody/not-in-the-cache")


def test_pickle_weights_are_never_loaded(tmp_path, tiny_model):
    tiny_model.save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    torch.save(tiny_model.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(ModelLoadError, match="missing model.safetensors"):
        SRGenerator.from_pretrained(tmp_path)


def test_hub_id_loads_offline_from_a_hub_cache(tmp_path, tiny_model, monkeypatch):
    """The code path of `from_pretrained("org/name")`, served by a real cache layout on disk."""
    cache = tmp_path / "hub"
    snapshot = cache / "models--org--wdrn-tiny" / "snapshots" / ("a" * 40)
    tiny_model.save_pretrained(snapshot)
    (cache / "models--org--wdrn-tiny" / "refs").mkdir()
    (cache / "models--org--wdrn-tiny" / "refs" / "main").write_text("a" * 40)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    loaded = SRGenerator.from_pretrained("org/wdrn-tiny", cache_dir=cache)
    for name, tensor in tiny_model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], tensor)
    shutil.rmtree(snapshot)
    with pytest.raises(ModelLoadError):
        SRGenerator.from_pretrained("org/wdrn-tiny", cache_dir=cache)


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("model.safetensors", b"", "model.safetensors is not a readable safetensors file"),
        ("model.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{", "model.safetensors is not a readable"),
        ("config.json", b"{broken", "config.json is not a valid generator config"),
        ("config.json", b"[1, 2]", "config.json is not a valid generator config"),
        ("config.json", b'{"channels": "many"}', "channels must be an integer"),
        ("config.json", b'{"channels": 1000000000}', "channels must be an integer from 1 to 1024"),
    ],
)
def test_broken_files_raise_model_load_error_naming_the_file(tmp_path, tiny_model, file, content, message):
    tiny_model.save_pretrained(tmp_path)
    (tmp_path / file).write_bytes(content)
    with pytest.raises(ModelLoadError, match=message):
        SRGenerator.from_pretrained(tmp_path)


def test_an_existing_local_folder_wins_over_a_bundled_name(tmp_path, tiny_model, monkeypatch):
    tiny_model.save_pretrained(tmp_path / "wdrn-x4")
    monkeypatch.chdir(tmp_path)
    assert SRGenerator.from_pretrained("wdrn-x4").body.blocks[0].layers[0][0].out_channels == 8


def test_interpolation_blends_every_weight_and_keeps_the_ends():
    torch.manual_seed(0)
    psnr_model, gan_model = SRGenerator(**TINY), SRGenerator(**TINY)
    x = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        for alpha, expected in ((0.0, psnr_model), (1.0, gan_model)):
            blend = interpolate_generators(psnr_model, gan_model, alpha)
            assert torch.allclose(blend(x), expected(x), atol=1e-6)  # float rounding of p + (g - p)
        halfway = interpolate_generators(psnr_model, gan_model, 0.25).state_dict()
    for name, weight in psnr_model.state_dict().items():
        assert torch.allclose(halfway[name], 0.75 * weight + 0.25 * gan_model.state_dict()[name])


def test_a_task_vector_moves_what_a_fine_tune_learned_onto_a_sibling():
    torch.manual_seed(0)
    base, finetuned, sibling = SRGenerator(**TINY), SRGenerator(**TINY), SRGenerator(**TINY)
    moved = add_task_vector(sibling, base, finetuned, 0.5).state_dict()
    for name, weight in sibling.state_dict().items():
        expected = weight + 0.5 * (finetuned.state_dict()[name] - base.state_dict()[name])
        assert torch.allclose(moved[name], expected)
    with pytest.raises(ValueError, match="one architecture"):
        add_task_vector(sibling, base, SRGenerator(**{**TINY, "channels": 12}), 0.5)


def test_a_soup_is_the_weight_by_weight_mean_of_its_runs():
    torch.manual_seed(0)
    runs = [SRGenerator(**TINY) for _ in range(3)]
    soup = average_generators(runs).state_dict()
    for name, weight in soup.items():
        assert torch.allclose(weight, sum(run.state_dict()[name] for run in runs) / 3)
    assert not torch.equal(soup["head.weight"], runs[0].state_dict()["head.weight"])
    with pytest.raises(ValueError, match="one architecture"):
        average_generators([runs[0], SRGenerator(**{**TINY, "channels": 12})])


def test_interpolation_refuses_other_architectures_and_alphas():
    psnr_model = SRGenerator(**TINY)
    with pytest.raises(ValueError, match="one architecture"):
        interpolate_generators(psnr_model, SRGenerator(**{**TINY, "channels": 12}), 0.5)
    with pytest.raises(ValueError, match="alpha"):
        interpolate_generators(psnr_model, SRGenerator(**TINY), 1.5)
