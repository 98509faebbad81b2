import math

import numpy as np
from PIL import Image

from hf_srgan.evaluation import BenchmarkPair, bicubic_upscale, score_set


def pair(name: str, hr: np.ndarray) -> BenchmarkPair:
    image = Image.fromarray(hr.astype(np.uint8))
    return BenchmarkPair(name, image.resize((16, 16), Image.Resampling.BICUBIC), image)


def test_flat_noise_of_a_set_skips_images_without_a_flat_region():
    """A photo with texture everywhere has no flat pixels; it must not turn the set's mean into NaN."""
    rng = np.random.default_rng(0)
    busy = rng.integers(0, 256, (64, 64, 3))  # no 7x7 window is flat
    flat = np.full((64, 64, 3), 128) + rng.integers(-1, 2, (64, 64, 3))
    both = score_set(
        [pair("busy", busy), pair("flat", flat)], lambda lr: bicubic_upscale(lr, 4), 4, with_artefacts=True
    )
    flat_only = score_set([pair("flat", flat)], lambda lr: bicubic_upscale(lr, 4), 4, with_artefacts=True)
    assert math.isfinite(both["flat_noise"]) and both["flat_noise"] == flat_only["flat_noise"]
    assert both["images"] == 2 and math.isfinite(both["psnr"])
