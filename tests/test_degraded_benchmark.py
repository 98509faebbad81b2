import sys

import numpy as np

from hf_srgan.evaluation import bicubic_upscale, evaluate, load_benchmark
from scripts import make_degraded_benchmark


def test_degraded_sets_are_seeded_and_evaluate_like_benchmarks(data_dir, tmp_path, monkeypatch):
    for out in ("a", "b"):
        monkeypatch.setattr(sys, "argv", ["x", "--sets", "Set5", "--out", str(tmp_path / out)])
        make_degraded_benchmark.main()
    for level in make_degraded_benchmark.LEVELS:
        first, second = (load_benchmark(tmp_path / out / f"Set5-{level}") for out in ("a", "b"))
        assert all(
            np.array_equal(np.asarray(p.lr), np.asarray(q.lr)) for p, q in zip(first, second, strict=True)
        )
    clean = evaluate({"bicubic": lambda lr: bicubic_upscale(lr, 4)}, [data_dir / "benchmark/Set5"])
    noisy = evaluate({"bicubic": lambda lr: bicubic_upscale(lr, 4)}, [tmp_path / "a" / "Set5-noise"])
    assert noisy["bicubic"]["Set5-noise"]["psnr"] < clean["bicubic"]["Set5"]["psnr"] - 0.3
