"""Generators, critics and the VGG19 feature extractor."""

from hf_srgan.models.discriminator import SRGANDiscriminator, VGGFeatureDiscriminator
from hf_srgan.models.generator import PRESETS, WDRN_SMALL, ModelLoadError, SRGenerator, count_parameters
from hf_srgan.models.vgg import VGG19Features, VGGWeightsError

__all__ = [
    "PRESETS",
    "WDRN_SMALL",
    "ModelLoadError",
    "SRGANDiscriminator",
    "SRGenerator",
    "VGG19Features",
    "VGGFeatureDiscriminator",
    "VGGWeightsError",
    "count_parameters",
]
