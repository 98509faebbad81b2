import pytest
import torch

from hf_srgan.models import SRGANDiscriminator, VGGFeatureDiscriminator


@pytest.mark.parametrize("size", [(32, 32), (96, 96), (40, 72)])
def test_srgan_critic_scores_any_size(size):
    critic = SRGANDiscriminator(base_channels=8)
    scores = critic(torch.rand(3, 3, *size))
    assert scores.shape == (3,)


def test_srgan_critic_has_eight_convs_and_no_sigmoid_or_batch_norm():
    critic = SRGANDiscriminator()
    convs = [m for m in critic.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [c.stride[0] for c in convs] == [1, 2, 1, 2, 1, 2, 1, 2]
    assert not any(isinstance(m, torch.nn.Sigmoid | torch.nn.BatchNorm2d) for m in critic.modules())
    with torch.no_grad():  # an unbounded Wasserstein score, not a probability
        critic.head[-1].bias.fill_(5.0)
        assert critic(torch.rand(1, 3, 32, 32)).item() > 1.0


def test_spectral_norm_option():
    critic = SRGANDiscriminator(base_channels=8, spectral_norm=True)
    assert any("parametrizations" in name for name, _ in critic.named_parameters())


def test_vgg_feature_critic_trains_only_its_head():
    critic = VGGFeatureDiscriminator(layer="relu2_2", vgg_weights=None, hidden=16)
    trainable = {n.split(".")[0] for n, p in critic.named_parameters() if p.requires_grad}
    assert trainable == {"head"}
    scores = critic(torch.rand(2, 3, 48, 40))
    scores.sum().backward()
    assert scores.shape == (2,)
