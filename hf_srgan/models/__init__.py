"""Generators, critics and the frozen pretrained feature networks (VGG19, EfficientNet-Lite0)."""

from hf_srgan.models.discriminator import FeatureDiscriminator, SRGANDiscriminator, UNetDiscriminator
from hf_srgan.models.efficientnet import EfficientNetLite0Features, FeatureWeightsError
from hf_srgan.models.features import BACKBONE_LAYERS, build_feature_extractor
from hf_srgan.models.generator import (
    PRESETS,
    WDRN_SMALL,
    ModelLoadError,
    SRGenerator,
    add_task_vector,
    average_generators,
    count_parameters,
    interpolate_generators,
)
from hf_srgan.models.vgg import VGG19Features, VGGWeightsError

__all__ = [
    "BACKBONE_LAYERS",
    "PRESETS",
    "WDRN_SMALL",
    "EfficientNetLite0Features",
    "FeatureDiscriminator",
    "FeatureWeightsError",
    "ModelLoadError",
    "SRGANDiscriminator",
    "UNetDiscriminator",
    "SRGenerator",
    "VGG19Features",
    "VGGWeightsError",
    "add_task_vector",
    "average_generators",
    "build_feature_extractor",
    "count_parameters",
    "interpolate_generators",
]
