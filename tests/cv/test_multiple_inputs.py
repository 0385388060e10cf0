"""The cv explainers on a model of several inputs: an image and its metadata, attributed per input."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import foxlike


class Product(nn.Module):
    """x1 . x2 in its first output: IG from zero gives each input exactly x1 * x2 / 2; the gradient for x1 is x2."""

    def forward(self, x1, x2):
        return torch.stack([(x1 * x2).sum(1), (x1 * x1).sum(1) + x2.sum(1)], dim=1)


class ImageAndMetadata(nn.Module):
    """A small CNN over an image, its features joined with a metadata vector before the head."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(16 + 5, 32), nn.ReLU(), nn.Linear(32, 3))

    def forward(self, image, metadata):
        return self.head(torch.cat([self.conv(image), metadata], dim=1))


def explain(model, inputs, explainers, **options):
    with foxlike.explain(model, explainers, **options) as xai_model:
        _, explanations = xai_model(inputs)
    return explanations


@pytest.mark.parametrize("params", [{}, {"n_steps": 64}], ids=["adaptive", "fixed"])
def test_integrated_gradients_gives_each_input_its_closed_form_share(params):
    x1, x2 = torch.rand(3, 4) + 0.5, torch.rand(3, 4) + 0.5
    explained = explain(Product(), (x1, x2), {"cv.integrated_gradients": params}, target=0)["cv.integrated_gradients"]
    first, second = explained.attributions
    torch.testing.assert_close(first, x1 * x2 / 2, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(second, x1 * x2 / 2, rtol=1e-4, atol=1e-5)
    assert explained.passed and any(c.name == "completeness" for c in explained.checks)


def test_integrated_gradients_takes_a_reference_per_input():
    x1, x2 = torch.rand(3, 4) + 0.5, torch.rand(3, 4) + 0.5
    # From (0, 1): F = x1 . x2 along x1 = t x1, x2 = 1 + t (x2 - 1); x2's share is the integral of x1 * t dx2.
    explained = explain(Product(), (x1, x2), {"cv.integrated_gradients": {"baselines": (0.0, 1.0)}},
                        target=0)["cv.integrated_gradients"]
    first, second = explained.attributions
    torch.testing.assert_close(second, x1 * (x2 - 1) / 2, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(first + second, x1 * x2 - 0.0, rtol=1e-4, atol=1e-5)  # F(x) - F(0, 1) = x1 . x2
    assert explained.passed


def test_a_tuple_of_references_of_the_wrong_length_is_refused():
    with pytest.raises(foxlike.ParameterError, match="baselines has 3 entries for 2 inputs"):
        explain(Product(), (torch.rand(2, 4), torch.rand(2, 4)),
                {"cv.integrated_gradients": {"baselines": (0.0, 0.0, 0.0)}}, target=0)


@pytest.mark.parametrize("name", ["cv.saliency", "cv.input_x_gradient"])
def test_gradient_methods_give_the_gradient_of_each_input(name):
    x1, x2 = torch.rand(3, 4) + 0.5, torch.rand(3, 4) + 0.5
    first, second = explain(Product(), (x1, x2), [name], target=0)[name].attributions
    expected = (x2, x1) if name == "cv.saliency" else (x1 * x2, x2 * x1)
    torch.testing.assert_close(first, expected[0])
    torch.testing.assert_close(second, expected[1])


def test_occlusion_patches_the_image_and_removes_metadata_values_one_at_a_time():
    model = ImageAndMetadata().eval()
    image, metadata = torch.rand(2, 3, 8, 8), torch.rand(2, 5)
    explained = explain(model, (image, metadata), {"cv.occlusion": {"window": 4}}, target=1)["cv.occlusion"]
    on_image, on_metadata = explained.attributions
    assert on_image.shape == image.shape and on_metadata.shape == metadata.shape
    with torch.no_grad():
        full = model(image, metadata)[:, 1]
        for j in range(5):
            removed = metadata.clone()
            removed[:, j] = 0.0
            torch.testing.assert_close(on_metadata[:, j], full - model(image, removed)[:, 1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["cv.integrated_gradients", "cv.saliency", "cv.input_x_gradient", "cv.gradient_shap",
                                  "cv.deeplift", "cv.deeplift_shap", "cv.guided_backprop", "cv.occlusion",
                                  "cv.kernel_shap", "cv.lime"])
def test_every_multi_input_explainer_explains_an_image_with_metadata(name):
    model = ImageAndMetadata().eval()
    image, metadata = torch.rand(2, 3, 8, 8), torch.rand(2, 5)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    params = {"n_samples": 64} if name in ("cv.kernel_shap", "cv.lime") else {}
    explained = explain(model, (image, metadata), {name: params}, strict=False)[name]
    assert isinstance(explained.attributions, tuple)
    assert [a.shape for a in explained.attributions] == [image.shape, metadata.shape]
    assert {c.input for c in explained.checks if c.name == "shape"} == {0, 1}
    failed = [c for c in explained.checks if not c.passed]
    assert not failed, failed
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
