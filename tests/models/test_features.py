import pytest

from hf_srgan.models.features import build_feature_extractor, feature_channels, parse_layer_weights


def test_builds_either_backbone_by_name():
    vgg = build_feature_extractor("vgg19", ("relu2_2",), vgg_weights=None)
    lite = build_feature_extractor("efficientnet_lite0", ("stage2", "stage7"))
    assert feature_channels(vgg) == {"relu2_2": 128}
    assert feature_channels(lite) == {"stage2": 24, "stage7": 320}


def test_unknown_backbone_or_layer_lists_the_valid_ones():
    with pytest.raises(ValueError, match="efficientnet_lite0.*vgg19"):
        build_feature_extractor("resnet50", ("layer4",))
    with pytest.raises(ValueError, match="choose from.*relu5_4"):
        build_feature_extractor("vgg19", ("stage2",), vgg_weights=None)


def test_layer_weight_specs():
    assert parse_layer_weights("stage3:0.5, stage5") == {"stage3": 0.5, "stage5": 1.0}
    with pytest.raises(ValueError, match="name:weight"):
        parse_layer_weights("stage3:lots")
    with pytest.raises(ValueError, match="no layers"):
        parse_layer_weights(" , ")
