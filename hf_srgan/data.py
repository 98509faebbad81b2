"""Training data: HR images from the Hub or local folders, LR/HR patch pairs made on the fly.

Sources go through `datasets.load_dataset` either way (``imagefolder`` for local folders), so the
offline stand-in (``../shared/data/train``) exercises the same code as the Hub. The default Hub
source is ``goodfellowliu/DIV2K`` restricted to ``DIV2K_train_HR.zip`` (800 HR images, column
``image``): it is a plain imagefolder repository, loadable by ``datasets`` >= 4 with no script.
"""

from __future__ import annotations

import io
import os
import signal
import warnings
from dataclasses import dataclass

import datasets
import numpy as np
import torch
from PIL import Image, ImageFilter
from torch.utils.data import Dataset

DEFAULT_HUB_DATASET = "goodfellowliu/DIV2K"
DEFAULT_HUB_DATA_FILES = "DIV2K_train_HR.zip"


def detect_image_column(features: datasets.Features, image_column: str | None = None) -> str:
    """The given column if it exists, else the first column of type `datasets.Image`."""
    if image_column is not None:
        if image_column not in features:
            raise ValueError(f"image column {image_column!r} not in dataset columns {list(features)}")
        return image_column
    for name, feature in features.items():
        if isinstance(feature, datasets.Image):
            return name
    raise ValueError(f"no image column among {list(features)}; pass --image_column")


def load_image_source(
    source: str, image_column: str | None = None, hub_data_files: str | None = None, split: str = "train"
) -> datasets.Dataset:
    """One source as a dataset with a single ``image`` column: a local folder or a Hub dataset id."""
    if os.path.isdir(source):
        dataset = datasets.load_dataset("imagefolder", data_dir=source, split="train")
    else:
        if hub_data_files is None and source == DEFAULT_HUB_DATASET:
            hub_data_files = DEFAULT_HUB_DATA_FILES  # its repository also holds LR and validation zips
        dataset = datasets.load_dataset(source, data_files=hub_data_files or None, split=split)
    column = detect_image_column(dataset.features, image_column)
    dataset = dataset.select_columns([column])
    return dataset.rename_column(column, "image") if column != "image" else dataset


def load_image_sources(sources: list[str], **kwargs) -> datasets.Dataset:
    """Several sources (folders and Hub ids) concatenated into one image dataset."""
    parts = [load_image_source(source, **kwargs) for source in sources]
    return datasets.concatenate_datasets(parts) if len(parts) > 1 else parts[0]


@dataclass
class Degradation:
    """How LR patches are made from HR ones: optional Gaussian blur, then antialiased bicubic."""

    scale: int = 4
    blur_sigma: float = 0.0

    def __call__(self, hr: Image.Image) -> Image.Image:
        if self.blur_sigma > 0:
            hr = hr.filter(ImageFilter.GaussianBlur(self.blur_sigma))
        # PIL's bicubic widens its kernel when shrinking, i.e. it antialiases (plain torch bicubic doesn't).
        return hr.resize((hr.width // self.scale, hr.height // self.scale), Image.Resampling.BICUBIC)


class BadImageError(ValueError):
    """A training image that cannot be decoded; the message names it."""


def ignore_stop_signals(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: leave SIGTERM/SIGINT to the trainer.

    `kill -TERM -- -PGID` (schedulers, service managers) reaches the workers too; if they died
    first, the trainer would crash on a dead worker before it could write its checkpoint.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class SRPatchDataset(Dataset):
    """Random HR crops with their LR counterparts, augmented with flips and 90-degree rotations.

    An epoch is `samples_per_epoch` patches. With ``image_sampling="uniform"`` sample i comes from
    image i % n_images, so every image is seen equally often, however small. With ``"area"`` each
    patch is drawn uniformly from all possible crops of all images, so a 2K photo counts as much
    as the dozens of small images that hold the same number of pixels. Images smaller than the
    patch are skipped and counted (`skipped`). With `cache=True` decoded images are kept in memory
    as uint8 arrays, which is the right call for the few hundred images of the classic sets.
    """

    def __init__(
        self,
        images: datasets.Dataset,
        patch_size: int = 96,
        degradation: Degradation | None = None,
        samples_per_epoch: int = 16_000,
        cache: bool = True,
        augment: bool = True,
        image_sampling: str = "uniform",
        max_bad_fraction: float = 0.01,
    ) -> None:
        if image_sampling not in ("uniform", "area"):
            raise ValueError(f"image_sampling must be 'uniform' or 'area', got {image_sampling!r}")
        self.degradation = degradation or Degradation()
        if patch_size % self.degradation.scale:
            raise ValueError(
                f"patch_size {patch_size} must be a multiple of the scale {self.degradation.scale}"
            )
        # Decoded here rather than by `datasets`, so every failure can name its file.
        self.images = images.cast_column("image", datasets.Image(decode=False))
        self.patch_size = patch_size
        self.samples_per_epoch = samples_per_epoch
        self.augment = augment
        self.image_sampling = image_sampling
        self.indices: list[int] = []
        crop_counts: list[int] = []
        self.cached: list[np.ndarray] | None = [] if cache else None
        self.skipped = 0
        self.bad_images: list[str] = []
        for i in range(len(images)):
            try:
                image = self._open(i, decode=cache)  # not cached: only the header, decoded per patch
                if min(image.size) < patch_size:
                    self.skipped += 1
                    continue
                pixels = np.asarray(image.convert("RGB")) if self.cached is not None else None
            except BadImageError as err:
                self.bad_images.append(str(err))
                continue
            self.indices.append(i)
            crop_counts.append((image.width - patch_size + 1) * (image.height - patch_size + 1))
            if self.cached is not None:
                self.cached.append(pixels)
        total = len(self.indices) + len(self.bad_images)
        if self.bad_images and len(self.bad_images) > max_bad_fraction * total:
            raise ValueError(
                f"{len(self.bad_images)} of {total} training images are unreadable, more than "
                f"{max_bad_fraction:.0%}: " + "; ".join(self.bad_images[:5])
            )
        if not self.indices:
            raise ValueError(f"no training image is at least {patch_size}x{patch_size} pixels")
        self.crop_counts = torch.tensor(crop_counts, dtype=torch.float64)

    def __len__(self) -> int:
        return self.samples_per_epoch

    def _open(self, i: int, decode: bool) -> Image.Image:
        """Image i, from its bytes or path, decoded or only its header read; BadImageError names it."""
        record = self.images[i]["image"]
        name = record.get("path") or f"image #{i}"
        try:
            image = Image.open(io.BytesIO(record["bytes"]) if record.get("bytes") else record["path"])
            if decode:
                image.load()  # a truncated file fails here
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
            raise BadImageError(f"{name}: {err}") from None
        return image

    def _image(self, k: int) -> np.ndarray:
        if self.cached is not None:
            return self.cached[k]
        return np.asarray(self._open(self.indices[k], decode=True).convert("RGB"))

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        k = int(torch.multinomial(self.crop_counts, 1)) if self.image_sampling == "area" else index
        try:
            image = self._image(k % len(self.indices))
        except BadImageError as err:  # lazy decoding found a broken file: say which, use another
            warnings.warn(f"skipping unreadable training image {err}", stacklevel=2)
            return self[int(torch.randint(0, len(self), ()))]
        size = self.patch_size
        top = int(torch.randint(0, image.shape[0] - size + 1, ()))
        left = int(torch.randint(0, image.shape[1] - size + 1, ()))
        hr = image[top : top + size, left : left + size]
        if self.augment:
            if torch.rand(()) < 0.5:
                hr = hr[:, ::-1]
            if torch.rand(()) < 0.5:
                hr = hr[::-1]
            hr = np.rot90(hr, int(torch.randint(0, 4, ())))
        hr = np.ascontiguousarray(hr)
        lr = np.asarray(self.degradation(Image.fromarray(hr)))
        return to_tensor(lr), to_tensor(hr)


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> 3xHxW float in [0, 1]."""
    return torch.tensor(array).permute(2, 0, 1).float().div_(255.0)
