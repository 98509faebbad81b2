"""ONNX export through the CLI, and onnxruntime against PyTorch on the same inputs."""

import numpy as np
import pytest
import torch
from PIL import Image

pytest.importorskip("onnxruntime")

from hf_srgan.cli import main  # noqa: E402
from hf_srgan.inference import upscale  # noqa: E402
from hf_srgan.models import SRGenerator  # noqa: E402
from hf_srgan.onnx import OnnxGenerator, export_onnx  # noqa: E402

# float32 in both; the two runtimes pick different conv algorithms, so sums differ in rounding.
TOLERANCE = 1e-4


@pytest.mark.parametrize("shape", [(1, 3, 16, 20), (2, 3, 33, 17)])
def test_onnxruntime_matches_pytorch_at_any_size(tmp_path, tiny_model, shape):
    path = export_onnx(tiny_model, tmp_path / "tiny.onnx")
    onnx_model = OnnxGenerator(path)
    assert onnx_model.scale == 4
    x = torch.rand(*shape)
    with torch.no_grad():
        expected = tiny_model(x)
    np.testing.assert_allclose(onnx_model(x).numpy(), expected.numpy(), atol=TOLERANCE)


def test_cli_export_then_upscale_with_the_onnx_file(tmp_path, rgb_image):
    onnx_path = tmp_path / "wdrn-x4.onnx"
    assert main(["export", "--model", "wdrn-x4", "--onnx", str(onnx_path)]) == 0
    rgb_image.save(tmp_path / "a.png")
    args = ["upscale", str(tmp_path / "a.png"), "-o", str(tmp_path / "out"), "--dtype", "float32"]
    assert main([*args, "--model", str(onnx_path)]) == 0
    from_onnx = np.asarray(Image.open(tmp_path / "out" / "a_x4.png"), dtype=int)
    from_torch = np.asarray(
        upscale(SRGenerator.from_pretrained("wdrn-x4"), rgb_image, dtype="float32"), dtype=int
    )
    assert np.abs(from_onnx - from_torch).max() <= 1  # uint8 rounding of values within TOLERANCE


def test_a_foreign_onnx_file_is_refused(tmp_path, tiny_model):
    path = tmp_path / "plain.onnx"
    torch.onnx.export(tiny_model, (torch.rand(1, 3, 8, 8),), str(path), dynamo=False)
    with pytest.raises(ValueError, match="not exported by hf-srgan"):
        OnnxGenerator(path)


def test_the_efficient_model_exports_folded_and_matches_pytorch(tmp_path):
    from hf_srgan.models import PRESETS

    torch.manual_seed(0)
    model = SRGenerator(**PRESETS["lite"]).eval()  # unfolded: the export folds it
    onnx_model = OnnxGenerator(export_onnx(model, tmp_path / "lite.onnx"))
    x = torch.rand(1, 3, 12, 10)
    with torch.no_grad():
        expected = model(x)
    np.testing.assert_allclose(onnx_model(x).numpy(), expected.numpy(), atol=TOLERANCE)
