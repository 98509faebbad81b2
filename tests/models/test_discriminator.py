import pytest
import torch

from hf_srgan.losses import gradient_penalty
from hf_srgan.models import (
    FeatureDiscriminator,
    SRGANDiscriminator,
    UNetDiscriminator,
    build_feature_extractor,
)


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


def test_srgan_critic_sees_a_random_offset_only_while_training():
    torch.manual_seed(0)
    critic = SRGANDiscriminator(base_channels=8, max_shift=8)
    image = torch.rand(1, 3, 48, 48)
    scores = {round(critic(image).item(), 6) for _ in range(12)}
    assert len(scores) > 1  # the stride grid moves from call to call
    critic.eval()
    assert critic(image).item() == critic(image).item()


@pytest.mark.parametrize(("sigma", "blind"), [(1.5, True), (0.0, False)])
def test_highpass_critic_is_blind_to_colour_shifts(sigma, blind):
    """Shading and colour are the pixel loss's job: the high-pass critic gets no gradient along them."""
    torch.manual_seed(0)
    critic = SRGANDiscriminator(base_channels=8, highpass_sigma=sigma).eval()
    image = (torch.rand(1, 3, 48, 48) * 0.5).requires_grad_()
    critic(image).backward()
    along_a_constant_shift = image.grad.sum(dim=(2, 3)).abs().max() / image.grad.abs().sum()
    assert (along_a_constant_shift < 1e-6) == blind


def test_spectral_norm_option():
    critic = SRGANDiscriminator(base_channels=8, spectral_norm=True)
    assert any("parametrizations" in name for name, _ in critic.named_parameters())


def test_feature_critic_trains_only_its_heads_and_keeps_its_projections_fixed():
    features = build_feature_extractor("efficientnet_lite0", ("stage2", "stage3", "stage5", "stage7"))
    critic = FeatureDiscriminator(features, projection_channels=16, hidden=8)
    trainable = {n.split(".")[0] for n, p in critic.named_parameters() if p.requires_grad}
    assert trainable == {"heads"}
    assert critic.projection_stage7.shape == (16, 320, 1, 1)
    assert "projection_stage7" in critic.state_dict()  # checkpoints keep the random projection
    x = torch.rand(2, 3, 96, 80)
    scores = critic(x)
    scores.sum().backward()
    assert scores.shape == (2,)
    assert all(p.grad is not None for p in critic.heads.parameters())


def test_feature_critic_supports_the_gradient_penalty():
    features = build_feature_extractor("vgg19", ("relu2_2", "relu3_4"), vgg_weights=None)
    critic = FeatureDiscriminator(features, projection_channels=0, hidden=8)
    penalty = gradient_penalty(critic, torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32))
    penalty.backward()
    assert penalty.item() > 0 and critic.heads["relu2_2"][0].weight.grad.abs().sum() > 0


def test_cross_scale_mixing_lets_the_fine_heads_see_the_deep_features():
    torch.manual_seed(0)
    features = build_feature_extractor("efficientnet_lite0", ("stage2", "stage7"))
    plain = FeatureDiscriminator(features, projection_channels=16, hidden=8).eval()
    mixed = FeatureDiscriminator(features, projection_channels=16, hidden=8, cross_scale=True).eval()
    mixed.load_state_dict(plain.state_dict())  # same heads, same projections: only the mixing differs
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():  # silence the stage7 head: the scores are the stage2 head's alone
        for critic in (plain, mixed):
            critic.heads["stage7"][-1].weight.zero_()
            critic.heads["stage7"][-1].bias.zero_()
    assert not torch.allclose(plain(x), mixed(x))  # with mixing, the stage2 head sees stage7
    with pytest.raises(ValueError, match="projection_channels"):
        FeatureDiscriminator(features, projection_channels=0, cross_scale=True)


def test_feature_critic_augments_only_while_training():
    features = build_feature_extractor("efficientnet_lite0", ("stage2",))
    critic = FeatureDiscriminator(features, projection_channels=8, hidden=8, augment=("color", "cutout"))
    x = torch.rand(2, 3, 48, 48)
    critic.eval()
    assert torch.equal(critic(x), critic(x))
    critic.train()
    assert not torch.equal(critic(x), critic(x))


def test_high_band_feature_critic_cannot_see_shading():
    torch.manual_seed(0)
    features = build_feature_extractor("efficientnet_lite0", ("stage2", "stage5"))
    plain = FeatureDiscriminator(features, projection_channels=8, hidden=8).eval()
    high_band = FeatureDiscriminator(features, projection_channels=8, hidden=8, highpass_sigma=2.0).eval()
    high_band.load_state_dict(plain.state_dict())
    x = torch.rand(2, 3, 64, 64) * 0.5
    brighter = x + 0.3  # the same texture, other shading
    with torch.no_grad():
        assert not torch.allclose(plain(x), plain(brighter), atol=1e-3)
        assert torch.allclose(high_band(x), high_band(brighter), atol=1e-4)


@pytest.mark.parametrize("size", [(32, 32), (96, 96), (40, 72), (36, 36)])
def test_unet_critic_scores_every_pixel_of_any_size(size):
    critic = UNetDiscriminator(base_channels=8)
    assert critic(torch.rand(2, 3, *size)).shape == (2, *size)


def test_unet_critic_answers_locally_where_an_image_critic_averages():
    """A change in one corner moves the per-pixel scores there far more than in the far corner."""
    torch.manual_seed(0)
    critic = UNetDiscriminator(base_channels=8).eval()
    image = torch.rand(1, 3, 64, 64)
    rippled = image.clone()
    rippled[..., :16, :16] += 0.3 * torch.sign(torch.randn(1, 3, 16, 16))
    with torch.no_grad():
        change = (critic(rippled) - critic(image)).abs()[0]
    assert change[:16, :16].mean() > 5 * change[-16:, -16:].mean()


def test_gradient_penalty_of_a_per_pixel_critic_is_that_of_its_image_mean():
    torch.manual_seed(0)
    critic = UNetDiscriminator(base_channels=8, spectral_norm=False)
    real, fake = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    torch.manual_seed(1)
    per_pixel = gradient_penalty(critic, real, fake)
    torch.manual_seed(1)
    image_mean = gradient_penalty(lambda x: critic(x).mean(dim=(1, 2)), real, fake)
    assert torch.allclose(per_pixel, image_mean)
