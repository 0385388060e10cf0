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


class ImageAndMetadata(nn.Module):
    """A CNN on the image plus a linear term on three metadata values: their Shapley values are known."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.meta = nn.Linear(3, 4)
        self.head = nn.Linear(2 * 8 * 8, 4)

    def forward(self, image, meta):
        return self.head(torch.relu(self.conv(image)).flatten(1)) + self.meta(meta)


def test_kernel_shap_attributes_an_image_and_its_metadata_over_one_joint_coalition():
    model, image, meta = ImageAndMetadata(), torch.rand(2, 1, 8, 8), torch.rand(2, 3)
    whole_image = torch.zeros(8, 8, dtype=torch.long)  # the image as one feature: 4 features, every coalition
    with foxlike.explain(model, {"cv.kernel_shap": {"feature_mask": (whole_image, None)}}, target=1) as xai_model:
        _, explanations = xai_model((image, meta))
    explained = explanations["cv.kernel_shap"]
    on_image, on_meta = explained.attributions
    assert on_image.shape == image.shape and on_meta.shape == meta.shape and all(explained.extras["exact"])
    torch.testing.assert_close(on_meta, model.meta.weight[1] * meta, atol=1e-5, rtol=1e-5)  # additive: exact
    assert explained.passed


def test_per_sample_baselines_are_each_samples_reference():
    name = "cv.kernel_shap"
    model, images = ImageAndMetadata(), torch.rand(3, 1, 8, 8)
    references = torch.rand(3, 1, 8, 8)
    quarters = (torch.arange(64).reshape(8, 8) // 4 % 2) + 2 * (torch.arange(64).reshape(8, 8) // 32)
    params = {"feature_mask": (quarters, None), "n_samples": 256}  # 4 + 3 features: every coalition, exact
    with foxlike.explain(model, {name: {**params, "baselines": (references, 0.0)}}, target=0) as xai_model:
        _, together = xai_model((images, torch.zeros(3, 3)))
    for i in range(3):
        with foxlike.explain(model, {name: {**params, "baselines": (references[i:i + 1], 0.0)}},
                             target=0) as xai_model:
            _, alone = xai_model((images[i:i + 1], torch.zeros(1, 3)))
        torch.testing.assert_close(together[name].attributions[0][i], alone[name].attributions[0][0])


@pytest.mark.parametrize("name, params, message", [
    ("cv.lime", {"baselines": torch.rand(3, 1, 8, 8)}, "baselines of shape \\(3, 1, 8, 8\\) cannot be broadcast"),
    ("cv.kernel_shap", {"baselines": (0.0, 0.0, 0.0)}, "baselines has 3 entries for 1 inputs"),
    ("cv.kernel_shap", {"feature_mask": torch.zeros(5, 5, dtype=torch.long)}, "feature_mask of shape \\(5, 5\\) does not fit"),
])
def test_references_and_masks_that_do_not_fit_the_inputs_are_refused(name, params, message):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(72, 3))
    with pytest.raises(foxlike.ParameterError, match=message):
        with foxlike.explain(model, {name: {"segmentation": "grid", **params}}, target=0) as xai_model:
            xai_model(torch.rand(4, 1, 8, 8))


def test_perturbation_batches_are_sized_for_the_input_on_the_cpu():
    from foxlike.model import ExplainedModel
    from foxlike.toolkit.chunking import MAX_PERTURBATIONS, perturbations_per_batch

    model = ExplainedModel(torch.nn.Flatten(), lambda o: o, "logits")
    assert perturbations_per_batch(model, torch.zeros(2, 3, 224, 224), "auto") == 16  # measured fastest there
    assert perturbations_per_batch(model, torch.zeros(2, 1, 8, 8), "auto") == MAX_PERTURBATIONS
    # several inputs: the values of one sample of each count together
    assert perturbations_per_batch(model, (torch.zeros(2, 3, 224, 224), torch.zeros(2, 3, 224, 224)), "auto") == 8
    assert perturbations_per_batch(model, torch.zeros(2, 3, 224, 224), 5) == 5


@pytest.mark.parametrize("name", ["cv.kernel_shap", "cv.lime", "cv.occlusion"])
def test_an_explicit_perturbation_batch_changes_nothing_but_the_batching(name, digits):
    params = {"n_samples": 64} if name != "cv.occlusion" else {"window": 2}
    results = []
    for per_eval in ("auto", 3):
        with foxlike.explain(digits.model, {name: {**params, "perturbations_per_eval": per_eval}}) as xai_model:
            results.append(xai_model(digits.test_images[:2])[1][name].attributions)
    torch.testing.assert_close(results[0], results[1], rtol=1e-4, atol=1e-5)
    with pytest.raises(foxlike.ParameterError, match="perturbations_per_eval"):
        foxlike.explain(digits.model, {name: {"perturbations_per_eval": 0}})
