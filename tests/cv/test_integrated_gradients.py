"""cv.integrated_gradients: closed form, memory-bounded chunks, adaptive steps, SmoothGrad."""
import pytest
import torch
from torch import nn

import foxlike
from foxlike.model import ExplainedModel
from foxlike.toolkit.chunking import bytes_per_row, rows_per_chunk
from tests.models import Quadratic


def explain(model, inputs, explainers, **options):
    with foxlike.explain(model, explainers, **options) as xai_model:
        return xai_model(inputs)[1]


@pytest.mark.parametrize("method, rtol", [
    # The IG integrand of a quadratic is linear along the path: the midpoint and trapezoid rules are exact
    # (Captum's trapezoid weights sum to (n - 1) / n, 1.6% short at 64 steps, until foxlike corrects them).
    ("gausslegendre", 1e-5), ("riemann_middle", 1e-5), ("riemann_trapezoid", 1e-5),
    ("riemann_left", 0.05), ("riemann_right", 0.05),
])
def test_every_integration_method_approaches_the_closed_form(method, rtol):
    torch.manual_seed(0)  # unseeded, a sample whose F(x) - F(baseline) is near 0 fails completeness now and then
    model = Quadratic(features=16)
    inputs, baseline = torch.randn(3, 16), 0.5
    result = explain(model, inputs, {"cv.integrated_gradients": {"method": method, "n_steps": 64,
                                                                 "baselines": baseline}},
                     target=[0, 1, 2], rtol=0.1)["cv.integrated_gradients"]
    expected = model.weight.detach()[[0, 1, 2]] * (inputs**2 - baseline**2)
    error = (result.attributions - expected).abs().max() / expected.abs().max()
    assert error <= rtol


def test_auto_chunks_stay_within_the_memory_budget_and_change_nothing():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.Tanh(), nn.Conv2d(16, 16, 3, padding=1), nn.Tanh(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 5))
    inputs = torch.randn(4, 3, 16, 16)
    per_row = bytes_per_row(ExplainedModel(model, lambda o: o, "logits"), inputs)
    # The two tanh outputs of 16x16x16 floats are saved, at the very least (the second conv's input is the
    # first tanh's output: one tensor, counted once).
    assert per_row >= 2 * 16 * 16 * 16 * 4
    budget_mb = 40 * per_row / 2**20  # about 2 MiB: 33 rows a chunk, a tenth of the 400 asked for
    rows = rows_per_chunk(ExplainedModel(model, lambda o: o, "logits"), inputs, 100, budget_mb)
    assert rows * per_row <= budget_mb * 2**20 and rows < 100 * 4
    params = {"n_steps": 100, "memory_budget_mb": budget_mb}
    chunked = explain(model, inputs, {"cv.integrated_gradients": params})["cv.integrated_gradients"]
    whole = explain(model, inputs, {"cv.integrated_gradients": {"n_steps": 100, "internal_batch_size": None}})
    torch.testing.assert_close(chunked.attributions, whole["cv.integrated_gradients"].attributions,
                               rtol=1e-4, atol=1e-6)


def test_bytes_per_row_grows_with_the_image():
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten(1), nn.LazyLinear(2))
    small, large = torch.randn(1, 1, 8, 8), torch.randn(1, 1, 16, 16)
    sizes = []
    for inputs in (small, large):
        model[3] = nn.LazyLinear(2)
        model(inputs)
        sizes.append(bytes_per_row(ExplainedModel(model, lambda o: o, "logits"), inputs))
    assert 3.5 < sizes[1] / sizes[0] < 4.5


def test_bytes_per_row_leaves_out_the_weights_autograd_saves():
    # 4 MiB of weights, 32 KiB of activations per row: the weights are there once, whatever the chunk.
    model = nn.Sequential(nn.Linear(256, 4096), nn.Tanh(), nn.Linear(4096, 3))
    per_row = bytes_per_row(ExplainedModel(model, lambda o: o, "logits"), torch.randn(2, 256))
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    assert 4096 * 4 <= per_row < weights / 50  # at least the tanh output; nowhere near the weights


def test_adaptive_steps_reach_the_tolerance_and_record_it():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 3))
    with torch.no_grad():
        model[0].weight.mul_(3)
    inputs = torch.randn(6, 8) * 2
    params = {"n_steps": 4, "method": "riemann_trapezoid", "adaptive_rtol": 1e-3}
    result = explain(model, inputs, {"cv.integrated_gradients": params}, rtol=1e-3)["cv.integrated_gradients"]
    extras = result.extras
    assert extras["converged"] and max(extras["relative_error"]) <= 1e-3
    assert max(extras["n_steps"]) > 4  # four steps were not enough for some sample
    assert result.passed  # the core's own completeness check agrees at the same tolerance
    fixed = explain(model, inputs, {"cv.integrated_gradients": {"n_steps": 4, "method": "riemann_trapezoid"}},
                    strict=False, rtol=1e-3)["cv.integrated_gradients"]
    assert not fixed.passed


def test_smoothgrad_variant_averages_over_noise():
    model = Quadratic(features=10)
    inputs = torch.randn(2, 10)
    torch.manual_seed(0)
    results = explain(model, inputs, {"cv.integrated_gradients_smoothgrad": {"stdevs": 0.5, "nt_samples": 16},
                                      "cv.integrated_gradients": {}}, target=0)
    smooth, plain = (results[n].attributions for n in ("cv.integrated_gradients_smoothgrad",
                                                       "cv.integrated_gradients"))
    assert smooth.shape == plain.shape and not torch.allclose(smooth, plain, rtol=1e-2)
    # For sum w x^2 the expected SmoothGrad-IG is w (x^2 + sigma^2): the noise adds w sigma^2 on average.
    expected = model.weight.detach()[0] * (inputs**2 + 0.25)
    assert torch.corrcoef(torch.stack([smooth.flatten(), expected.flatten()]))[0, 1] > 0.9


def test_baselines_of_the_wrong_shape_or_type_are_refused():
    with pytest.raises(foxlike.ParameterError, match="cannot be broadcast"):
        explain(Quadratic(), torch.randn(2, 12), {"cv.integrated_gradients": {"baselines": torch.zeros(5)}})
    with pytest.raises(foxlike.ParameterError, match="must be a number"):
        explain(Quadratic(), torch.randn(2, 12), {"cv.integrated_gradients": {"baselines": "noise"}})
