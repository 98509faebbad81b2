"""ONNX export and an onnxruntime generator that `upscale()` and the CLI use like a PyTorch one.

    hf-srgan export --model wdrn-x4 --onnx wdrn-x4.onnx   # opset 17, float32, dynamic batch/height/width
    hf-srgan upscale photo.jpg -o out/ --model wdrn-x4.onnx

The graph is exported in float32 with TorchScript-based `torch.onnx.export` (the dynamo exporter
needs onnxscript and gains nothing for a plain conv net). `OnnxGenerator` runs it with
onnxruntime's CPU provider; it needs the optional extra: `pip install 'hf-srgan[onnx]'`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from hf_srgan.models.generator import SRGenerator

OPSET = 17
SCALE_KEY = "hf_srgan_scale"


def export_onnx(model: SRGenerator, path: str | Path, opset: int = OPSET) -> Path:
    """Write `model` as ONNX with dynamic N, H, W; the scale and config go into the metadata."""
    path = Path(path)
    model = model.fold().float().eval()  # re-parameterizable convs as the single conv they sum to
    example = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (example,),
            str(path),
            input_names=["lr"],
            output_names=["sr"],
            dynamic_axes={
                "lr": {0: "batch", 2: "height", 3: "width"},
                "sr": {0: "batch", 2: "out_height", 3: "out_width"},
            },
            opset_version=opset,
            dynamo=False,
        )
    import onnx

    graph = onnx.load(str(path))
    metadata = {SCALE_KEY: str(model.scale), "hf_srgan_config": json.dumps(model._hub_mixin_config)}
    for key, value in metadata.items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(graph, str(path))
    return path


class OnnxGenerator(nn.Module):
    """An exported generator run by onnxruntime, with the `SRGenerator` interface `upscale()` needs.

    Input and output are float32 torch tensors on the CPU; reduced precision does not apply
    (the graph is float32), so callers should pass ``dtype="float32"``.
    """

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        super().__init__()
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise ImportError("ONNX models need onnxruntime: pip install 'hf-srgan[onnx]'") from err
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.path = Path(path)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        metadata = self.session.get_modelmeta().custom_metadata_map
        if SCALE_KEY not in metadata:
            raise ValueError(f"{path} was not exported by hf-srgan (no {SCALE_KEY} in its metadata)")
        self.scale = int(metadata[SCALE_KEY])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lr = np.ascontiguousarray(x.detach().float().cpu().numpy())
        (sr,) = self.session.run(["sr"], {"lr": lr})
        return torch.from_numpy(sr)
