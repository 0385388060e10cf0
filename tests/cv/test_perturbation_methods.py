"""LIME and Kernel SHAP over superpixels, against exact answers."""
import itertools
import math

import pytest
import torch
from torch import nn

import foxlike
from foxlike.toolkit.surrogates import lime_similarity as similarity
from foxlike_cv.superpixels import grid_mask
from tests.cv.models import LinearImage


def explain(model, inputs, explainers, **options):
    with foxlike.explain(model, explainers, **options) as xai_model:
        return xai_model(inputs)[1]


def exact_shapley(model, image, mask, target, baseline=0.0):
    """Shapley values of the mask's features by enumerating every coalition."""
    k = int(mask.max()) + 1

    def value(coalition):
        keep = torch.zeros_like(image)
        for feature in coalition:
            keep[(mask == feature).expand_as(image)] = 1
        with torch.no_grad():
            return float(model((image * keep + baseline * (1 - keep))[None])[0, target])

    values = {s: value(s) for r in range(k + 1) for s in itertools.combinations(range(k), r)}
    phi = torch.zeros(k, dtype=torch.float64)
    for i in range(k):
        for subset, v in values.items():
            if i in subset:
                continue
            with_i = tuple(sorted(subset + (i,)))
            weight = math.factorial(len(subset)) * math.factorial(k - len(subset) - 1) / math.factorial(k)
            phi[i] += weight * (values[with_i] - v)
    return phi


class SmallMLP(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(36, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                                 nn.Linear(16, 3))

    def forward(self, x):
        return self.net(x) * 3


IMAGE = torch.randn(1, 1, 6, 6, generator=torch.Generator().manual_seed(1))
MASK = grid_mask(IMAGE, 2)[0]  # nine 2x2 cells


def test_kernel_shap_is_exact_on_a_linear_model():
    model = LinearImage()
    result = explain(model, IMAGE, {"cv.kernel_shap": {"feature_mask": MASK, "n_samples": 64}},
                     target=1)["cv.kernel_shap"]
    expected = exact_shapley(model, IMAGE[0], MASK, 1)
    torch.testing.assert_close(torch.tensor(result.extras["coefficients"][0], dtype=torch.float64), expected,
                               rtol=1e-5, atol=1e-5)  # the model computes in float32
    assert result.extras["exact"] == [False]  # 64 samples < 2^9 - 2: sampled, yet exact for a linear model


def test_kernel_shap_enumerates_small_problems_and_matches_exact_shapley():
    model = SmallMLP()
    result = explain(model, IMAGE, {"cv.kernel_shap": {"feature_mask": MASK, "n_samples": 600}},
                     target=2)["cv.kernel_shap"]
    assert result.extras["exact"] == [True]
    torch.testing.assert_close(torch.tensor(result.extras["coefficients"][0], dtype=torch.float64),
                               exact_shapley(model, IMAGE[0], MASK, 2), rtol=1e-5, atol=1e-5)


def test_kernel_shap_is_close_on_a_small_mlp_with_sampling_and_paired_beats_unpaired():
    model = SmallMLP()
    exact = exact_shapley(model, IMAGE[0], MASK, 0)
    errors = {True: [], False: []}
    for paired in (True, False):
        for seed in range(8):
            result = explain(model, IMAGE, {"cv.kernel_shap": {"feature_mask": MASK, "n_samples": 120,
                                                               "paired": paired, "seed": seed}},
                             target=0)["cv.kernel_shap"]
            phi = torch.tensor(result.extras["coefficients"][0], dtype=torch.float64)
            errors[paired].append(float((phi - exact).norm() / exact.norm()))
    paired_error = sum(errors[True]) / 8
    assert paired_error < 0.1
    assert paired_error < sum(errors[False]) / 8


def test_lime_with_a_plain_linear_surrogate_is_exact_on_a_linear_model():
    model = LinearImage()
    result = explain(model, IMAGE, {"cv.lime": {"feature_mask": MASK, "n_samples": 100}}, target=2)["cv.lime"]
    expected = exact_shapley(model, IMAGE[0], MASK, 2)  # for a linear model, each cell's own contribution
    torch.testing.assert_close(torch.tensor(result.extras["coefficients"][0], dtype=torch.float64), expected,
                               rtol=1e-5, atol=1e-5)
    # The input-shaped map spreads each cell's coefficient over its pixels.
    assert torch.equal(result.attributions[0, 0, :2, :2], torch.full((2, 2), float(result.attributions[0, 0, 0, 0])))


def test_the_lime_kernel_tells_near_samples_from_far_ones_where_captums_default_does_not():
    from skimage import data
    from skimage.transform import resize

    photo = torch.tensor(resize(data.coffee(), (64, 64)), dtype=torch.float32).permute(2, 0, 1)
    mask = grid_mask(photo[None], 8)[0, 0]  # 64 cells
    generator = torch.Generator().manual_seed(0)
    near = torch.ones(64, dtype=torch.int8)
    near[torch.randperm(64, generator=generator)[:4]] = 0
    far = torch.zeros(64, dtype=torch.int8)
    far[torch.randperm(64, generator=generator)[:8]] = 1
    ours = similarity(torch.stack([near, far]), 0.25)

    def captum_default(coalition):  # exp(-d^2 / 1.0^2), d the cosine distance of the raw images
        perturbed = photo * coalition[mask].float()
        d = 1 - torch.nn.functional.cosine_similarity(photo.flatten(), perturbed.flatten(), dim=0)
        return torch.exp(-d**2)

    captum = torch.stack([captum_default(near), captum_default(far)])
    assert ours[0] / ours[1] > 100  # ours: the near sample counts far more
    assert captum[0] / captum[1] < 2  # Captum's default: nearly the same weight


def test_slic_superpixels_on_a_real_photo():
    from skimage import data
    from skimage.transform import resize

    photo = torch.tensor(resize(data.astronaut(), (48, 48)), dtype=torch.float32).permute(2, 0, 1)[None]
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(16, 3))
    result = explain(model, photo, {"cv.lime": {"n_segments": 20, "n_samples": 120}}, target=0)["cv.lime"]
    mask = result.extras["feature_mask"]
    assert mask.shape == (1, 1, 48, 48)
    assert 8 <= len(mask.unique()) <= 40
    assert len(result.extras["coefficients"][0]) == len(mask.unique())
    assert result.passed


def test_a_feature_mask_that_does_not_fit_is_refused():
    with pytest.raises(foxlike.ParameterError, match="feature_mask of shape \\(5, 5\\) does not fit"):
        explain(LinearImage(), IMAGE, {"cv.lime": {"feature_mask": torch.zeros(5, 5, dtype=torch.long)}})
