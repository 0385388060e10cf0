"""Layer IG, conductance and Grad-CAM on the layer foxlike finds: the last feature map the head consumes."""
import pytest
import torch

import foxlike
from foxlike.model import ExplainedModel
from foxlike.toolkit.layers import find_layer
from tests.cv.models import NoConv, ReversedRegistration


def explain(model, inputs, explainers, **options):
    with foxlike.explain(model, explainers, **options) as xai_model:
        return xai_model(inputs)[1]


def test_the_layer_found_is_the_last_map_to_run_not_the_last_registered():
    model = ReversedRegistration()
    assert [n for n, m in model.named_children()][:2] == ["runs_last", "runs_first"]
    found, layout = find_layer(ExplainedModel(model, lambda o: o, "logits"), torch.randn(2, 1, 8, 8))
    assert found is model.relu_last and layout.kind == "channels_first" and layout.grid == (8, 8)
    assert not any(m._forward_hooks for m in model.modules())


def test_layer_ig_on_the_detected_layer_equals_captum_on_that_layer():
    from captum.attr import LayerIntegratedGradients

    model, inputs = ReversedRegistration(), torch.randn(3, 1, 8, 8)
    result = explain(model, inputs, {"cv.layer_integrated_gradients": {"n_steps": 32}},
                     target=[0, 2, 1])["cv.layer_integrated_gradients"]
    expected = LayerIntegratedGradients(model, model.relu_last).attribute(
        inputs, baselines=0.0, target=torch.tensor([0, 2, 1]), n_steps=32)
    torch.testing.assert_close(result.attributions, expected)
    assert result.extras["layer"] == "relu_last"
    assert [c.name for c in result.checks if c.passed] == ["shape", "finite", "non_zero", "completeness"]


def test_layer_ig_with_the_trapezoid_rule_has_weights_that_sum_to_one():
    from captum.attr import LayerIntegratedGradients

    torch.manual_seed(0)
    model, inputs = ReversedRegistration(), torch.randn(3, 1, 8, 8)
    params = {"n_steps": 8, "method": "riemann_trapezoid"}
    result = explain(model, inputs, {"cv.layer_integrated_gradients": params}, target=0,
                     strict=False)["cv.layer_integrated_gradients"]
    captum = LayerIntegratedGradients(model, model.relu_last).attribute(inputs, baselines=0.0, target=0, **params)
    torch.testing.assert_close(result.attributions, captum * 8 / 7)
    with torch.no_grad():
        expected = model(inputs)[:, 0] - model(torch.zeros_like(inputs))[:, 0]
    ours, theirs = ((a.flatten(1).sum(1) - expected).abs().max() for a in (result.attributions, captum))
    assert ours < theirs / 2  # closer to F(x) - F(0): the rule is second order once its weights sum to 1


@pytest.mark.parametrize("layer", ["runs_first", "module"])
def test_the_layer_can_be_named_or_given(layer):
    model = ReversedRegistration()
    chosen = model.runs_first if layer == "module" else layer
    result = explain(model, torch.randn(2, 1, 8, 8),
                     {"cv.layer_integrated_gradients": {"layer": chosen}})["cv.layer_integrated_gradients"]
    assert result.extras["layer"] == "runs_first"


def test_an_unknown_layer_name_lists_the_layers():
    with pytest.raises(foxlike.ParameterError, match="no layer named 'features.9'.*runs_last, runs_first"):
        explain(ReversedRegistration(), torch.randn(2, 1, 8, 8),
                {"cv.grad_cam": {"layer": "features.9"}})


def test_a_model_without_a_feature_map_says_how_to_name_a_layer():
    with pytest.raises(foxlike.ParameterError, match="No layer of the model gives a feature map.*layer='<dotted.name>'"):
        explain(NoConv(), torch.randn(2, 1, 8, 8), ["cv.grad_cam"])
    result = explain(NoConv(), torch.randn(2, 1, 8, 8), {"cv.layer_integrated_gradients": {"layer": "fc"}})
    assert result["cv.layer_integrated_gradients"].attributions.shape == (2, 3)


def test_upsampled_layer_ig_has_the_input_size():
    result = explain(ReversedRegistration(), torch.randn(2, 1, 8, 8),
                     {"cv.layer_integrated_gradients": {"upsample": True}})["cv.layer_integrated_gradients"]
    assert result.attributions.shape == (2, 1, 8, 8)
    assert "completeness" not in [c.name for c in result.checks]  # resizing does not keep the sum


def test_grad_cam_is_input_sized_and_depends_on_the_target(digits):
    images = digits.test_images[:4]
    # relu=False: at the pooled map a class the image is not has only negative evidence, which ReLU zeroes
    maps = [explain(digits.model, images, {"cv.grad_cam": {"relu": False}}, target=t)["cv.grad_cam"].attributions
            for t in (0, 1)]
    assert maps[0].shape == (4, 1, 8, 8)
    assert not torch.allclose(maps[0], maps[1])


def test_conductance_sums_to_the_output_difference():
    result = explain(ReversedRegistration(), torch.randn(3, 1, 8, 8),
                     {"cv.layer_conductance": {"n_steps": 64}}, rtol=0.02)["cv.layer_conductance"]
    assert result.passed and result.attributions.shape == (3, 4, 8, 8)
