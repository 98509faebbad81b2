import pytest
import torch
from torch import nn

from hf_srgan.losses import (
    AdversarialLoss,
    PerceptualLoss,
    TextureLoss,
    artefact_loss,
    artefact_map,
    gradient_penalty,
    grid_loss,
    patch_gram,
    pixel_loss,
)
from hf_srgan.models import build_feature_extractor
from hf_srgan.models.vgg import VGG19Features


class LinearCritic(nn.Module):
    """D(x) = <w, x>: its input gradient is w everywhere, so the penalty is (||w|| - 1)^2."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, x):
        return (x * self.weight).flatten(1).sum(1)


def test_gradient_penalty_of_a_linear_critic():
    w = torch.full((1, 3, 2, 2), 0.5)  # ||w|| = sqrt(12 * 0.25) = sqrt(3)
    gp = gradient_penalty(LinearCritic(w), torch.rand(4, 3, 2, 2), torch.rand(4, 3, 2, 2))
    assert gp.item() == pytest.approx((3**0.5 - 1) ** 2, rel=1e-5)


def test_gradient_penalty_is_zero_for_unit_norm_critic_and_has_gradients():
    w = torch.zeros(1, 3, 2, 2)
    w[0, 0, 0, 0] = 1.0
    critic = LinearCritic(w)
    gp = gradient_penalty(critic, torch.rand(2, 3, 2, 2), torch.rand(2, 3, 2, 2))
    assert gp.item() == pytest.approx(0.0, abs=1e-10)
    critic.weight.data.mul_(2)
    gp = gradient_penalty(critic, torch.rand(2, 3, 2, 2), torch.rand(2, 3, 2, 2))
    gp.backward()  # the penalty trains the critic (double backward)
    assert critic.weight.grad.abs().sum() > 0


def test_wgan_losses_on_hand_computed_scores():
    real, fake = torch.ones(2, 1, 1, 1), torch.zeros(2, 1, 1, 1)
    critic = LinearCritic(torch.full((1, 1, 1, 1), 3.0))  # scores: real 3, fake 0; ||grad|| = 3
    loss = AdversarialLoss("wgan-gp", gp_weight=10.0, drift_weight=1e-3)
    expected = 0 - 3 + 1e-3 * 3**2 + 10 * (3 - 1) ** 2
    assert loss.critic_loss(critic, real, fake).item() == pytest.approx(expected)
    assert loss.generator_loss(torch.tensor([2.0, 4.0])).item() == pytest.approx(-3.0)


class OffsetCritic(torch.nn.Module):
    """Scores = mean pixel + a learnable offset: the direction WGAN scores drift in."""

    def __init__(self, offset: float) -> None:
        super().__init__()
        self.offset = torch.nn.Parameter(torch.tensor(offset))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(1, 2, 3)) + self.offset


@pytest.mark.parametrize("drift_weight", [0.0, 1e-3])
def test_the_drift_term_is_what_pulls_drifted_scores_back_to_zero(drift_weight):
    critic = OffsetCritic(1000.0)
    real, fake = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    AdversarialLoss("wgan-gp", drift_weight=drift_weight).critic_loss(critic, real, fake).backward()
    # E[D(fake)] - E[D(real)] and the penalty do not depend on the offset; only the drift term does.
    assert critic.offset.grad.item() == pytest.approx(2 * drift_weight * 1000.0, rel=1e-2, abs=1e-6)


def test_bce_losses_match_sigmoid_cross_entropy():
    loss = AdversarialLoss("bce")
    critic = LinearCritic(torch.ones(1, 1, 1, 1))
    real, fake = torch.full((1, 1, 1, 1), 2.0), torch.full((1, 1, 1, 1), -1.0)
    expected = -torch.log(torch.sigmoid(torch.tensor(2.0))) - torch.log(1 - torch.sigmoid(torch.tensor(-1.0)))
    assert loss.critic_loss(critic, real, fake).item() == pytest.approx(expected.item(), rel=1e-6)
    assert loss.generator_loss(torch.tensor([0.0])).item() == pytest.approx(
        torch.log(torch.tensor(2.0)).item()
    )


def test_unknown_losses_are_rejected():
    with pytest.raises(ValueError):
        AdversarialLoss("lsgan")
    with pytest.raises(ValueError):
        pixel_loss("huber")


def test_pixel_losses():
    a, b = torch.zeros(1, 3, 2, 2), torch.full((1, 3, 2, 2), 0.5)
    assert pixel_loss("l1")(a, b).item() == pytest.approx(0.5)
    assert pixel_loss("mse")(a, b).item() == pytest.approx(0.25)


def test_perceptual_loss_compares_vgg_features():
    torch.manual_seed(0)
    vgg = VGG19Features(("relu1_2", "relu2_2"), weights=None)
    loss = PerceptualLoss(vgg, {"relu1_2": 1.0, "relu2_2": 0.5})
    x = torch.rand(1, 3, 16, 16, requires_grad=True)
    assert loss(x, x.detach()).item() == pytest.approx(0.0)
    value = loss(x, torch.rand(1, 3, 16, 16))
    value.backward()
    assert value.item() > 0 and x.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="does not return"):
        PerceptualLoss(vgg, {"relu5_4": 1.0})


def test_perceptual_loss_on_efficientnet_features():
    features = build_feature_extractor("efficientnet_lite0", ("stage2", "stage5"))
    loss = PerceptualLoss(features, {"stage2": 0.5, "stage5": 0.5})
    hr = torch.rand(1, 3, 64, 64)
    sr = hr.clone().requires_grad_(True)
    assert loss(sr, hr).item() == pytest.approx(0.0)
    blurred = torch.nn.functional.avg_pool2d(hr, 5, 1, 2).requires_grad_(True)
    value = loss(blurred, hr)
    value.backward()
    assert value.item() > 0 and blurred.grad.abs().sum() > 0


def test_hinge_loss():
    adversarial = AdversarialLoss("hinge")
    critic = torch.nn.Sequential(torch.nn.Flatten(0), torch.nn.Identity())  # score = the value itself
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0])
    # relu(1 - real) = [0, 0.5], relu(1 + fake) = [0, 1]
    assert adversarial.critic_loss(critic, real, fake).item() == pytest.approx(0.25 + 0.5)
    assert adversarial.generator_loss(fake).item() == pytest.approx(1.0)


def test_lazy_gradient_penalty_applies_every_nth_step_with_n_times_the_weight():
    torch.manual_seed(0)
    critic = torch.nn.Sequential(torch.nn.Conv2d(3, 1, 3), torch.nn.Flatten(), torch.nn.LazyLinear(1))
    critic(torch.rand(1, 3, 8, 8))
    real, fake = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    eager, lazy = (
        AdversarialLoss("wgan-gp", drift_weight=0),
        AdversarialLoss("wgan-gp", gp_every=3, drift_weight=0),
    )
    wasserstein = (critic(fake).mean() - critic(real).mean()).item()
    lazy_losses = [lazy.critic_loss(critic, real, fake).item() for _ in range(4)]
    assert lazy_losses[1] == pytest.approx(wasserstein) and lazy_losses[2] == pytest.approx(wasserstein)
    torch.manual_seed(1)
    eager_penalty = eager.critic_loss(critic, real, fake).item() - wasserstein
    torch.manual_seed(1)
    lazy.calls = 0
    assert lazy.critic_loss(critic, real, fake).item() - wasserstein == pytest.approx(
        3 * eager_penalty, rel=1e-5
    )


def test_grid_loss_singles_out_errors_that_repeat_with_the_scale():
    torch.manual_seed(0)
    hr = torch.rand(2, 3, 64, 64)
    yy, xx = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
    lattice = ((yy % 4 < 2) ^ (xx % 4 < 2)).float() * 0.1 - 0.05  # a period-4 checkerboard
    noise = torch.randn(2, 3, 64, 64) * lattice.std()  # as much error, but not phase-locked
    assert grid_loss(hr, hr).item() == 0
    assert grid_loss(hr + lattice, hr) > 4 * grid_loss(hr + noise, hr)
    assert pixel_loss("l1")(hr + lattice, hr) < 2 * pixel_loss("l1")(hr + noise, hr)  # L1 cannot tell


def test_patch_gram_is_the_mean_channel_product_per_window_whatever_the_arrangement():
    features = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(1, 2, 4, 4)
    grams = patch_gram(features, 2)  # four 2x2 windows
    window = features[0, :, :2, 2:].reshape(2, 4)  # the top-right one, unfold's second
    assert grams.shape == (4, 2, 2)
    assert torch.allclose(grams[1], window @ window.T / 4)
    flipped = features.clone()
    flipped[..., :2, 2:] = features[..., :2, 2:].flip(-1)  # rearranged inside that window only
    assert torch.allclose(patch_gram(flipped, 2), grams)


def test_texture_loss_prefers_texture_to_blur_and_names_missing_layers():
    torch.manual_seed(0)
    features = build_feature_extractor("efficientnet_lite0", ("stage1", "stage2"))
    loss = TextureLoss(features, {"stage1": 1.0, "stage2": 1.0}, patch_px=16)
    hr = torch.rand(1, 3, 64, 64)
    assert loss(hr, hr).item() == pytest.approx(0.0)
    other_noise = torch.rand(1, 3, 64, 64)  # different pixels, the same statistics
    blurred = torch.nn.functional.avg_pool2d(hr, 5, 1, 2).requires_grad_(True)
    value = loss(blurred, hr)
    value.backward()
    assert loss(other_noise, hr).item() < value.item() and blurred.grad.abs().sum() > 0
    l1 = torch.nn.functional.l1_loss
    assert l1(other_noise, hr) > l1(blurred, hr)  # where a pixel loss prefers the blur
    with pytest.raises(ValueError, match="does not return"):
        TextureLoss(features, {"stage7": 1.0})


def test_the_artefact_map_marks_busy_errors_only_where_the_ema_model_does_better():
    torch.manual_seed(0)
    hr = torch.rand(1, 3, 32, 32)
    ripples = 0.2 * torch.sin(torch.arange(32.0) * 2.5).expand(1, 3, 32, 32)
    sr = hr.clone()
    sr[..., :, :16] += ripples[..., :, :16]  # ripples on the left half only
    reference = hr + 0.05  # the EMA model: a flat, small error everywhere
    weight = artefact_map(sr, hr, reference)
    assert weight.shape == (1, 1, 32, 32) and not weight.requires_grad
    # busy and worse than the reference: an artefact (bar the ripples' zero crossings)
    assert (weight[..., 4:-4, 4:12] > 0).float().mean() > 0.6
    assert weight[..., :, 24:].abs().max() == 0  # no error at all: nothing to mark
    # where the reference is as wrong as the output (texture both invent), the map leaves it alone
    assert artefact_map(sr, hr, sr).abs().max() == 0


def test_the_artefact_loss_pulls_the_ripples_towards_hr():
    hr = torch.rand(1, 3, 32, 32)
    sr = (hr + 0.2 * torch.sin(torch.arange(32.0) * 2.5)).requires_grad_()
    loss = artefact_loss(sr, hr, reference=hr)
    loss.backward()
    assert loss > 0 and sr.grad.abs().sum() > 0
