"""hf_srgan: 4x single-image super-resolution with GANs (WDRN and SRGAN), built the Hugging Face way."""

from hf_srgan.imageio import ImageLoadError, open_image
from hf_srgan.inference import upscale
from hf_srgan.models import SRGenerator
from hf_srgan.pretrained import DEFAULT_MODEL, bundled_models
from hf_srgan.texture import denoise_model, texture_model

__version__ = "0.1.0"
__all__ = [
    "DEFAULT_MODEL",
    "ImageLoadError",
    "SRGenerator",
    "bundled_models",
    "open_image",
    "denoise_model",
    "texture_model",
    "upscale",
]
