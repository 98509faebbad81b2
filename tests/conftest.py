"""Shared fixtures: the real benchmark data (by path, never copied) and tiny models."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from hf_srgan.models.generator import PRESETS, SRGenerator

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("HF_SRGAN_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA_DIR / "benchmark").is_dir():
        pytest.skip(f"benchmark data not found at {DATA_DIR} (set HF_SRGAN_DATA)")
    return DATA_DIR


@pytest.fixture
def tiny_model() -> SRGenerator:
    torch.manual_seed(0)
    return SRGenerator(**PRESETS["tiny"]).eval()


@pytest.fixture
def rgb_image() -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
