"""`hf-srgan upscale` on folders: nothing overwritten, nothing half-written, nothing stops the batch."""

import os
import resource
import signal
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from hf_srgan.cli import main
from tests.conftest import REPO_ROOT


@pytest.fixture
def model_dir(tmp_path, tiny_model):
    path = tmp_path / "model"
    tiny_model.save_pretrained(path)
    return path


def noise(size, seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (*size, 3), np.uint8))


def upscale(*args, model_dir):
    return main(["upscale", *map(str, args), "--model", str(model_dir)])


def test_the_input_tree_is_mirrored_so_same_names_never_collide(tmp_path, model_dir):
    for sub in ("s1", "s2"):
        (tmp_path / "in" / sub).mkdir(parents=True)
        noise((6, 6), seed=len(sub)).save(tmp_path / "in" / sub / "x.png")
    assert upscale(tmp_path / "in", "-o", tmp_path / "out", model_dir=model_dir) == 0
    assert (tmp_path / "out" / "s1" / "x_x4.png").is_file() and (
        tmp_path / "out" / "s2" / "x_x4.png"
    ).is_file()


def test_two_inputs_for_one_output_are_refused_up_front_naming_both(tmp_path, model_dir, capsys):
    (tmp_path / "in").mkdir()
    noise((6, 6)).save(tmp_path / "in" / "photo.png")
    noise((6, 6)).save(tmp_path / "in" / "photo.jpg")
    assert upscale(tmp_path / "in", "-o", tmp_path / "out", model_dir=model_dir) == 2
    err = capsys.readouterr().err
    assert "photo.jpg" in err and "photo.png" in err and not (tmp_path / "out").exists()


def test_a_hard_linked_output_name_does_not_overwrite_the_other_file(tmp_path, model_dir):
    noise((6, 6)).save(tmp_path / "a.png")
    precious = tmp_path / "precious.png"
    noise((3, 3), seed=1).save(precious)
    before = precious.read_bytes()
    (tmp_path / "out").mkdir()
    os.link(precious, tmp_path / "out" / "a_x4.png")
    assert upscale(tmp_path / "a.png", "-o", tmp_path / "out", model_dir=model_dir) == 0
    assert precious.read_bytes() == before
    assert Image.open(tmp_path / "out" / "a_x4.png").size == (24, 24)


def test_output_folder_inside_the_input_folder_is_not_upscaled_again(tmp_path, model_dir):
    noise((6, 6)).save(tmp_path / "a.png")
    for _ in range(2):
        assert upscale(tmp_path, "-o", tmp_path / "out", model_dir=model_dir) == 0
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["a_x4.png"]


def test_a_write_failure_is_reported_and_the_batch_goes_on(tmp_path, model_dir, capsys):
    (tmp_path / "in").mkdir()
    noise((6, 6)).save(tmp_path / "in" / "a.png")
    noise((6, 6)).save(tmp_path / "in" / "b.png")
    (tmp_path / "out" / "a_x4.png").mkdir(parents=True)  # a folder where the file should go
    assert upscale(tmp_path / "in", "-o", tmp_path / "out", model_dir=model_dir) == 1
    assert (tmp_path / "out" / "b_x4.png").is_file()
    assert "1 upscaled" in capsys.readouterr().out
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary files


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (30_000, 30_000))


def test_a_full_disk_leaves_no_truncated_output_and_keeps_a_good_old_one(tmp_path, model_dir):
    """RLIMIT_FSIZE makes every write past 30 kB fail the way a full disk does."""
    (tmp_path / "in").mkdir()
    noise((80, 80)).save(tmp_path / "in" / "big.png")  # its 320 px output is ~100 kB: cannot be written
    Image.new("RGB", (6, 6), "red").save(tmp_path / "in" / "small.png")
    out = tmp_path / "out"
    out.mkdir()
    Image.new("RGB", (2, 2), "blue").save(out / "big_x4.png")  # a good earlier output
    before = (out / "big_x4.png").read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "hf_srgan.cli", "upscale", str(tmp_path / "in"), "-o", str(out)]
        + ["--model", str(model_dir)],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 1, result.stderr
    assert "big.png" in result.stderr and "1 upscaled" in result.stdout
    assert (out / "big_x4.png").read_bytes() == before
    assert Image.open(out / "small_x4.png").size == (24, 24)
    assert sorted(p.name for p in out.iterdir()) == ["big_x4.png", "small_x4.png"]


def test_broken_links_and_symlink_loops_are_failed_inputs_not_fatal(tmp_path, model_dir, capsys):
    (tmp_path / "in").mkdir()
    noise((6, 6)).save(tmp_path / "in" / "good.png")
    (tmp_path / "in" / "dangling.png").symlink_to(tmp_path / "nowhere.png")
    (tmp_path / "in" / "loop.png").symlink_to(tmp_path / "in" / "loop.png")
    assert upscale(tmp_path / "in", "-o", tmp_path / "out", model_dir=model_dir) == 1
    captured = capsys.readouterr()
    assert "dangling.png" in captured.err and "loop.png" in captured.err
    assert (tmp_path / "out" / "good_x4.png").is_file() and "1 upscaled" in captured.out


def test_nan_weights_fail_loudly_instead_of_writing_a_black_image(tmp_path, tiny_model):
    for parameter in tiny_model.parameters():
        parameter.data.fill_(float("nan"))
    tiny_model.save_pretrained(tmp_path / "broken")
    noise((6, 6)).save(tmp_path / "a.png")
    assert upscale(tmp_path / "a.png", "-o", tmp_path / "out", model_dir=tmp_path / "broken") != 0
    assert not (tmp_path / "out" / "a_x4.png").exists()


def test_float_tiffs_in_range_are_upscaled_and_others_refused(tmp_path, capsys):
    gradient = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8)
    Image.fromarray(gradient, mode="F").save(tmp_path / "ok.tif")
    Image.fromarray(gradient * 1000, mode="F").save(tmp_path / "hdr.tif")
    assert (
        upscale(tmp_path / "ok.tif", tmp_path / "hdr.tif", "-o", tmp_path / "out", model_dir="wdrn-x4") == 1
    )
    result = np.asarray(Image.open(tmp_path / "out" / "ok_x4.png"), dtype=np.float64)
    assert result.mean() == pytest.approx(gradient.mean() * 255, abs=10)  # not black
    assert "hdr.tif" in capsys.readouterr().err


def test_png_transparency_key_becomes_alpha(tmp_path, model_dir):
    image = Image.new("L", (6, 6), 0)
    image.putpixel((0, 0), 255)
    image.save(tmp_path / "keyed.png", transparency=0)
    assert upscale(tmp_path / "keyed.png", "-o", tmp_path / "out", model_dir=model_dir) == 0
    assert Image.open(tmp_path / "out" / "keyed_x4.png").mode == "LA"
