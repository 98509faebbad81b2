"""Training data: HR images from the Hub or local folders, LR/HR patch pairs made on the fly.

Sources go through `datasets.load_dataset` either way (``imagefolder`` for local folders), so the
offline stand-in (``../shared/data/train``) exercises the same code as the Hub. The default Hub
source is ``goodfellowliu/DIV2K`` restricted to ``DIV2K_train_HR.zip`` (800 HR images, column
``image``): it is a plain imagefolder repository, loadable by ``datasets`` >= 4 with no script.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import signal
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import datasets
import numpy as np
import torch
from PIL import Image, ImageFilter
from torch.utils.data import Dataset, IterableDataset

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
    source: str,
    image_column: str | None = None,
    hub_data_files: str | None = None,
    split: str = "train",
    streaming: bool = False,
) -> datasets.Dataset | datasets.IterableDataset:
    """One source as a dataset with a single ``image`` column: a local folder or a Hub dataset id.

    With `streaming`, nothing is downloaded or decoded up front: images arrive as the stream is read.
    """
    if os.path.isdir(source):  # a folder of images, or of parquet files as the Hub stores datasets
        builder = "parquet" if any(Path(source).glob("*.parquet")) else "imagefolder"
        dataset = datasets.load_dataset(builder, data_dir=source, split="train", streaming=streaming)
    else:
        if hub_data_files is None and source == DEFAULT_HUB_DATASET:
            hub_data_files = DEFAULT_HUB_DATA_FILES  # its repository also holds LR and validation zips
        dataset = datasets.load_dataset(
            source, data_files=hub_data_files or None, split=split, streaming=streaming
        )
    column = detect_image_column(dataset.features or {}, image_column)
    dataset = dataset.select_columns([column])
    return dataset.rename_column(column, "image") if column != "image" else dataset


def load_image_sources(sources: list[str], **kwargs) -> datasets.Dataset | datasets.IterableDataset:
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


def checked_degradation(degradation: Degradation | None, patch_size: int) -> Degradation:
    """The degradation (bicubic by default), once the HR patch is known to hold whole LR pixels."""
    degradation = degradation or Degradation()
    if patch_size % degradation.scale:
        raise ValueError(f"patch_size {patch_size} must be a multiple of the scale {degradation.scale}")
    return degradation


class BadImageError(ValueError):
    """A training image that cannot be decoded; the message names it."""


def open_image(record: dict, decode: bool = True, fallback_name: str = "image") -> Image.Image:
    """An undecoded ``datasets.Image`` record, opened (or only its header read); BadImageError names it."""
    name = record.get("path") or fallback_name
    try:
        image = Image.open(io.BytesIO(record["bytes"]) if record.get("bytes") else record["path"])
        if decode:
            image.load()  # a truncated file fails here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise BadImageError(f"{name}: {err}") from None
    return image


def random_patch_pair(
    image: np.ndarray, patch_size: int, degradation: Degradation, augment: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A random HR crop of an HxWx3 uint8 image (flipped/rotated if `augment`) and its LR version."""
    top = int(torch.randint(0, image.shape[0] - patch_size + 1, ()))
    left = int(torch.randint(0, image.shape[1] - patch_size + 1, ()))
    hr = image[top : top + patch_size, left : left + patch_size]
    if augment:
        if torch.rand(()) < 0.5:
            hr = hr[:, ::-1]
        if torch.rand(()) < 0.5:
            hr = hr[::-1]
        hr = np.rot90(hr, int(torch.randint(0, 4, ())))
    hr = np.ascontiguousarray(hr)
    return np.asarray(degradation(Image.fromarray(hr))), hr


def ignore_stop_signals(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: leave SIGTERM/SIGINT to the trainer.

    `kill -TERM -- -PGID` (schedulers, service managers) reaches the workers too; if they died
    first, the trainer would crash on a dead worker before it could write its checkpoint.
    """
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class SharedImageCache:
    """Decoded training images in one uint8 file, memory-mapped by every process that trains.

    The in-memory cache is a full copy per process: 8 DDP processes on DIV2K hold 8 x 6.6 GB.
    Memory-mapped, the pages live once in the OS page cache, shared by all processes and loader
    workers, and a later run with the same images and patch size starts without decoding.
    `key` identifies the images; a file written for other images is rebuilt, never reused.
    """

    def __init__(self, path: str | Path, key: str) -> None:
        self.path, self.key = Path(path), key
        self.index_path = self.path.with_suffix(".json")

    def load(self) -> dict | None:
        """The cached scan (indices, counts, names) with ``arrays`` as views of the file, or None."""
        if not (self.index_path.is_file() and self.path.is_file()):
            return None
        index = json.loads(self.index_path.read_text())
        if index.get("key") != self.key:
            return None
        flat = np.load(self.path, mmap_mode="r")
        index["arrays"] = [
            flat[offset : offset + math.prod(shape)].reshape(shape)
            for offset, shape in zip(index.pop("offsets"), index.pop("shapes"), strict=True)
        ]
        return index

    def save(self, arrays: list[np.ndarray], scan: dict) -> None:
        """Write the arrays and the scan, each to a temporary file renamed into place, index last."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        sizes = [a.size for a in arrays]
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist() if arrays else []
        tmp = self.path.with_name(self.path.name + ".tmp.npy")
        flat = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(sum(sizes),))
        for offset, array in zip(offsets, arrays, strict=True):
            flat[offset : offset + array.size] = array.reshape(-1)
        flat.flush()
        del flat
        os.replace(tmp, self.path)
        index = {**scan, "key": self.key, "offsets": offsets, "shapes": [list(a.shape) for a in arrays]}
        tmp_index = self.index_path.with_name(self.index_path.name + ".tmp")
        tmp_index.write_text(json.dumps(index))
        os.replace(tmp_index, self.index_path)


class SRPatchDataset(Dataset):
    """Random HR crops with their LR counterparts, augmented with flips and 90-degree rotations.

    An epoch is `samples_per_epoch` patches. With ``image_sampling="uniform"`` sample i comes from
    image i % n_images, so every image is seen equally often, however small. With ``"area"`` each
    patch is drawn uniformly from all possible crops of all images, so a 2K photo counts as much
    as the dozens of small images that hold the same number of pixels. Images smaller than the
    patch are skipped and counted (`skipped`). With `cache=True` decoded images are kept in memory
    as uint8 arrays, which is the right call for the few hundred images of the classic sets;
    with `cache_file` they go to one memory-mapped file shared by all processes (`SharedImageCache`).

    Sample i of epoch e is the same patch whoever draws it (seeded by `seed`, e and i): the
    patches do not depend on the number of processes or loader workers, so 2 processes at batch 8
    train on exactly the patches of 1 process at batch 16, and a resumed run sees what it would
    have seen.
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
        seed: int = 0,
        cache_file: str | Path | None = None,
    ) -> None:
        if image_sampling not in ("uniform", "area"):
            raise ValueError(f"image_sampling must be 'uniform' or 'area', got {image_sampling!r}")
        self.degradation = checked_degradation(degradation, patch_size)
        # Decoded here rather than by `datasets`, so every failure can name its file.
        self.images = images.cast_column("image", datasets.Image(decode=False))
        self.patch_size = patch_size
        self.samples_per_epoch = samples_per_epoch
        self.augment = augment
        self.image_sampling = image_sampling
        self.seed, self.epoch = seed, 0
        shared = SharedImageCache(cache_file, self._key()) if cache and cache_file else None
        scan = shared.load() if shared else None
        if scan is None:
            scan = self._scan(decode=cache)
            if shared:
                shared.save(scan.pop("arrays"), scan)
                scan = shared.load()  # views of the file: the decoded copies are freed
        self.indices, self.skipped, self.bad_images = scan["indices"], scan["skipped"], scan["bad_images"]
        self.cached: list[np.ndarray] | None = scan["arrays"] if cache else None
        crop_counts = scan["crop_counts"]
        total = len(self.indices) + len(self.bad_images)
        if self.bad_images and len(self.bad_images) > max_bad_fraction * total:
            raise ValueError(
                f"{len(self.bad_images)} of {total} training images are unreadable, more than "
                f"{max_bad_fraction:.0%}: " + "; ".join(self.bad_images[:5])
            )
        if not self.indices:
            raise ValueError(f"no training image is at least {patch_size}x{patch_size} pixels")
        self.crop_counts = torch.tensor(crop_counts, dtype=torch.float64)

    def _key(self) -> str:
        """What the shared cache must match: the patch size and every image (path, size, mtime)."""
        digest = hashlib.sha256(f"{len(self.images)} {self.patch_size}".encode())
        for i in range(len(self.images)):  # row by row: a Hub dataset's bytes never all in memory
            record = self.images[i]["image"]
            path, data = record.get("path"), record.get("bytes")
            if data is None and path and os.path.exists(path):
                stat = os.stat(path)
                digest.update(f"|{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
            else:
                digest.update(f"|{path}:{hashlib.sha256(data or b'').hexdigest()}".encode())
        return digest.hexdigest()

    def _scan(self, decode: bool) -> dict:
        """Which images are usable (big enough, readable), their crop counts and, if `decode`, pixels."""
        scan = {"indices": [], "crop_counts": [], "skipped": 0, "bad_images": [], "arrays": []}
        for i in range(len(self.images)):
            try:
                image = self._open(i, decode=decode)  # not decoded: only the header, decoded per patch
                if min(image.size) < self.patch_size:
                    scan["skipped"] += 1
                    continue
                if decode:
                    scan["arrays"].append(np.asarray(image.convert("RGB")))
            except BadImageError as err:
                scan["bad_images"].append(str(err))
                continue
            scan["indices"].append(i)
            scan["crop_counts"].append(
                (image.width - self.patch_size + 1) * (image.height - self.patch_size + 1)
            )
        return scan

    def __len__(self) -> int:
        return self.samples_per_epoch

    def set_epoch(self, epoch: int) -> None:
        """Called by Accelerate's loader at each epoch, so epochs draw different patches."""
        self.epoch = epoch

    def _open(self, i: int, decode: bool) -> Image.Image:
        return open_image(self.images[i]["image"], decode, fallback_name=f"image #{i}")

    def _image(self, k: int) -> np.ndarray:
        if self.cached is not None:
            return self.cached[k]
        return np.asarray(self._open(self.indices[k], decode=True).convert("RGB"))

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.random.fork_rng(devices=[]):  # leave the trainer's own random stream alone
            seed = np.random.SeedSequence((self.seed, self.epoch, index)).generate_state(1)[0]
            torch.manual_seed(int(seed))
            return self._patch(index)

    def _patch(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        k = int(torch.multinomial(self.crop_counts, 1)) if self.image_sampling == "area" else index
        try:
            image = self._image(k % len(self.indices))
        except BadImageError as err:  # lazy decoding found a broken file: say which, use another
            warnings.warn(f"skipping unreadable training image {err}", stacklevel=2)
            return self._patch(int(torch.randint(0, len(self), ())))
        lr, hr = random_patch_pair(image, self.patch_size, self.degradation, self.augment)
        return to_tensor(lr), to_tensor(hr)


class StreamingPatchDataset(IterableDataset):
    """Patches cut from a stream of images, for datasets too big to decode up front.

    Each decoded image gives `patches_per_image` random patches, since decoding a 2K PNG costs
    as much as cutting and degrading dozens of patches from it. Patches wait in a buffer of
    `buffer_size` and leave it in random order, so a batch mixes many images rather than holding
    one image's patches side by side. Shard the stream per process before wrapping it
    (`datasets.distributed.split_dataset_by_node`); DataLoader workers split their process's
    shards among themselves (``datasets`` does that when iterated inside a worker). The stream
    has no length: an epoch ends when it runs out, and `set_epoch` reshuffles its order.
    """

    def __init__(
        self,
        images: datasets.IterableDataset,
        patch_size: int = 96,
        degradation: Degradation | None = None,
        patches_per_image: int = 16,
        buffer_size: int = 1024,
        augment: bool = True,
    ) -> None:
        self.degradation = checked_degradation(degradation, patch_size)
        self.images = images.cast_column("image", datasets.Image(decode=False))
        self.patch_size = patch_size
        self.patches_per_image = patches_per_image
        self.buffer_size = buffer_size
        self.augment = augment

    def set_epoch(self, epoch: int) -> None:
        self.images.set_epoch(epoch)

    def _patches(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for record in self.images:
            try:
                image = np.asarray(open_image(record["image"]).convert("RGB"))
            except BadImageError as err:
                warnings.warn(f"skipping unreadable training image {err}", stacklevel=2)
                continue
            if min(image.shape[:2]) < self.patch_size:
                continue
            for _ in range(self.patches_per_image):
                yield random_patch_pair(image, self.patch_size, self.degradation, self.augment)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        buffer: list[tuple[np.ndarray, np.ndarray]] = []
        for pair in self._patches():
            buffer.append(pair)
            if len(buffer) >= self.buffer_size:
                yield self._pop_random(buffer)
        while buffer:
            yield self._pop_random(buffer)

    @staticmethod
    def _pop_random(buffer: list[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, torch.Tensor]:
        i = int(torch.randint(0, len(buffer), ()))
        buffer[i], buffer[-1] = buffer[-1], buffer[i]
        lr, hr = buffer.pop()
        return to_tensor(lr), to_tensor(hr)


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> 3xHxW float in [0, 1]."""
    return torch.tensor(array).permute(2, 0, 1).float().div_(255.0)
