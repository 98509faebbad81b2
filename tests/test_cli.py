import json

import numpy as np
import pytest
from PIL import Image

from hf_srgan import SRGenerator
from hf_srgan.cli import main


@pytest.fixture
def model_dir(tmp_path, tiny_model):
    path = tmp_path / "model"
    tiny_model.save_pretrained(path)
    return path


def test_upscale_files_and_folders_and_report_bad_ones(tmp_path, model_dir, capsys):
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    Image.new("RGB", (8, 6), "red").save(inputs / "a.png")
    Image.new("RGBA", (5, 5)).save(inputs / "sub" / "b.png")
    (inputs / "broken.png").write_bytes(b"")
    single = tmp_path / "c.jpg"
    Image.new("L", (4, 4)).save(single)
    out = tmp_path / "out"
    code = main(["upscale", str(inputs), str(single), "-o", str(out), "--model", str(model_dir)])
    assert code == 1  # one bad file fails the run, but not the batch
    assert Image.open(out / "a_x4.png").size == (32, 24)
    assert Image.open(out / "sub" / "b_x4.png").mode == "RGBA"  # the input tree is mirrored
    assert Image.open(out / "c_x4.png").mode == "L"
    err = capsys.readouterr()
    assert "broken.png: empty file" in err.err
    assert "3 upscaled" in err.out and "1 failed" in err.out


def test_never_overwrites_an_input(tmp_path, model_dir):
    source = tmp_path / "photo_x4.png"
    Image.new("RGB", (4, 4)).save(source)
    (tmp_path / "photo.png").write_bytes(source.read_bytes())
    before = source.read_bytes()
    assert (
        main(
            [
                "upscale",
                str(tmp_path / "photo.png"),
                str(source),
                "-o",
                str(tmp_path),
                "--model",
                str(model_dir),
            ]
        )
        == 1
    )
    assert source.read_bytes() == before


def test_big_images_are_tiled(tmp_path, model_dir):
    path = tmp_path / "big.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (70, 90, 3), np.uint8)).save(path)
    assert (
        main(["upscale", str(path), "-o", str(tmp_path / "o"), "--model", str(model_dir), "--tile", "32"])
        == 0
    )
    assert Image.open(tmp_path / "o" / "big_x4.png").size == (360, 280)


def test_errors_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code = main(["upscale", str(tmp_path), "-o", str(tmp_path / "o"), "--model", str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("hf-srgan: error:") and err.count("\n") == 1


def test_evaluate_prints_model_and_bicubic_rows(data_dir, model_dir, capsys):
    set5 = str(data_dir / "benchmark" / "Set5")
    assert main(["evaluate", "--model", str(model_dir), "--data", set5, "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["bicubic"]["Set5"]["psnr"] == pytest.approx(28.42, abs=0.1)
    assert results[str(model_dir)]["Set5"]["images"] == 5
    assert main(["evaluate", "--model", str(model_dir), "--data", set5]) == 0
    assert "| bicubic |" in capsys.readouterr().out
    assert main(["evaluate", "--model", str(model_dir), "--data", set5, "--json", "--self-ensemble"]) == 0
    ensembled = json.loads(capsys.readouterr().out)[str(model_dir)]["Set5"]["psnr"]
    assert ensembled != results[str(model_dir)]["Set5"]["psnr"]


def test_evaluate_rejects_a_non_benchmark_folder(tmp_path, model_dir, capsys):
    assert main(["evaluate", "--model", str(model_dir), "--data", str(tmp_path)]) == 2
    assert "not a benchmark folder" in capsys.readouterr().err


def test_sixteen_bit_png_stays_sixteen_bit(tmp_path, model_dir):
    source = tmp_path / "depth.png"
    Image.fromarray(np.linspace(0, 65535, 100).reshape(10, 10).astype(np.uint16)).save(source)
    assert main(["upscale", str(source), "-o", str(tmp_path / "o"), "--model", str(model_dir)]) == 0
    out = Image.open(tmp_path / "o" / "depth_x4.png")
    assert out.size == (40, 40) and np.asarray(out).max() > 255


def test_outscale_sets_the_size_and_the_name(tmp_path, model_dir, capsys):
    Image.new("RGB", (8, 6), "red").save(tmp_path / "a.png")
    args = ["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--model", str(model_dir)]
    assert main([*args, "--outscale", "1.5"]) == 0
    assert Image.open(tmp_path / "o" / "a_x1.5.png").size == (12, 9)
    with pytest.raises(SystemExit):
        main([*args, "--outscale", "-1"])
    assert "must be a positive number" in capsys.readouterr().err


def test_upscale_help_says_which_bundled_model_suits_which_input(capsys):
    from hf_srgan.pretrained import MODEL_USES, bundled_models

    with pytest.raises(SystemExit):
        main(["upscale", "--help"])
    out = capsys.readouterr().out
    assert all(f"- {name}: {MODEL_USES[name]}" in out for name in bundled_models())


def upscale_with_saved_copies(tmp_path, model: str, control: str) -> np.ndarray:
    """a.png upscaled at `control` 0.5 by a saved copy of `model`, saved beside a copy of wdrn-x4:
    copies side by side keep the control (`hf_srgan.texture.blend_of`)."""
    for name in ("wdrn-x4", model):
        SRGenerator.from_pretrained(name).save_pretrained(tmp_path / "copies" / name)
    args = ["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path / "copy"), "--dtype", "float32"]
    assert main([*args, "--model", str(tmp_path / "copies" / model), control, "0.5"]) == 0
    return np.asarray(Image.open(tmp_path / "copy" / "a_x4.png"), np.float64)


def test_denoise_sits_between_wdrn_x4_and_wdrn_x4_real(tmp_path, capsys):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (12, 16, 3), np.uint8)).save(tmp_path / "a.png")
    outputs = {}
    for denoise in ("0", "0.5", "1"):
        args = ["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path / denoise), "--dtype", "float32"]
        assert main([*args, "--model", "wdrn-x4-real", "--denoise", denoise]) == 0
        outputs[denoise] = np.asarray(Image.open(tmp_path / denoise / "a_x4.png"), np.float64)
    assert (
        main(["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path / "plain"), "--dtype", "float32"]) == 0
    )
    assert np.array_equal(outputs["0"], np.asarray(Image.open(tmp_path / "plain" / "a_x4.png"), np.float64))
    ends = np.abs(outputs["1"] - outputs["0"]).mean()
    assert ends > 0.5
    assert max(np.abs(outputs["0.5"] - outputs[end]).mean() for end in ("0", "1")) < ends
    assert main(["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path / "x"), "--denoise", "0.5"]) == 2
    assert "--denoise is wdrn-x4-real's control" in capsys.readouterr().err
    assert np.array_equal(outputs["0.5"], upscale_with_saved_copies(tmp_path, "wdrn-x4-real", "--denoise"))


def test_texture_sits_between_the_faithful_and_the_textured_model(tmp_path, capsys):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (12, 16, 3), np.uint8)).save(tmp_path / "a.png")
    outputs = {}
    for texture in ("0", "0.5", "1"):
        out = tmp_path / texture
        assert (
            main(
                [
                    "upscale",
                    str(tmp_path / "a.png"),
                    "-o",
                    str(out),
                    "--texture",
                    texture,
                    "--dtype",
                    "float32",
                ]
            )
            == 0
        )
        outputs[texture] = np.asarray(Image.open(out / "a_x4.png"), np.float64)
    ends = np.abs(outputs["1"] - outputs["0"]).mean()
    assert ends > 0.5  # the two models differ
    assert (
        np.abs(outputs["0.5"] - outputs["0"]).mean() < ends
        and np.abs(outputs["0.5"] - outputs["1"]).mean() < ends
    )
    assert (
        main(
            [
                "upscale",
                str(tmp_path / "a.png"),
                "-o",
                str(tmp_path / "x"),
                "--texture",
                "0.5",
                "--model",
                "srresnet-x4",
            ]
        )
        == 2
    )
    assert "--texture blends" in capsys.readouterr().err
    assert np.array_equal(outputs["0.5"], upscale_with_saved_copies(tmp_path, "wdrn-x4-gan", "--texture"))
    with pytest.raises(SystemExit):
        main(["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path / "y"), "--texture", "2"])
    assert "between 0 and 1" in capsys.readouterr().err
