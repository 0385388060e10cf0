"""foxlike-quantus: every Quantus metric offered or said why not, scores equal to Quantus's own, nothing left changed."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import foxlike
import pytorch_grad_cam
import quantus
from foxlike_quantus.catalogue import NOT_OFFERED, OFFERED
from foxlike_quantus.metrics import METRICS
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from quantus.helpers.enums import ScoreDirection

QUANTUS_METRICS = {name for name in dir(quantus) if inspect.isclass(getattr(quantus, name))
                   and issubclass(getattr(quantus, name), quantus.Metric) and getattr(quantus, name) is not quantus.Metric}


def grad_cam(model, inputs, targets, **_):
    """A Quantus explain_func written by hand: grad-cam's Grad-CAM on the digits CNN (or Quantus's randomised copy
    of it) at its last map before the pooling, ``features[3]``, the layer foxlike's search finds."""
    batch = torch.as_tensor(inputs)
    cam = pytorch_grad_cam.GradCAM(model, [model.features[3]])
    try:
        return cam(batch, [ClassifierOutputTarget(int(t)) for t in targets])[:, None]
    finally:
        cam.activations_and_grads.release()
        model.zero_grad(set_to_none=True)


def quantus_directly(name, model, images, labels, attributions, seed=0, **params):
    np.random.seed(seed)
    torch.manual_seed(seed)
    metric = getattr(quantus, OFFERED[name].quantus)(disable_warnings=True, display_progressbar=False, **params)
    return metric(model=model, x_batch=images.numpy(), y_batch=labels.numpy(), a_batch=attributions.numpy(),
                  channel_first=True, explain_func=grad_cam, device="cpu", batch_size=len(images), softmax=False)


def test_every_quantus_metric_is_offered_or_said_why_not():
    offered = {o.quantus for o in OFFERED.values()}

    assert offered | set(NOT_OFFERED) == QUANTUS_METRICS
    assert not offered & set(NOT_OFFERED)
    assert len(offered) == 26 and {m.name for m in METRICS} == set(OFFERED)


def test_direction_and_group_are_quantus_own():
    for offered in OFFERED.values():
        cls = getattr(quantus, offered.quantus)
        assert offered.higher_is_better == (cls.score_direction == ScoreDirection.HIGHER), offered.quantus
        assert offered.group == cls.evaluation_category.value.lower(), offered.quantus


@pytest.fixture(scope="module")
def explained_digits(digits):
    images, labels = digits.test_images[:4], digits.test_labels[:4]
    with foxlike.explain(digits.model, ["gradcam.grad_cam"], target=labels) as xai_model:
        _, explanations = xai_model(images)
    return images, labels, explanations["gradcam.grad_cam"].attributions


# A metric of each kind: from the attributions alone, re-explaining perturbed inputs, re-explaining
# randomised copies of the model, and a curve per sample scored by its area.
@pytest.mark.parametrize("name, params", [
    ("quantus.sparseness", {}),
    ("quantus.faithfulness_estimate", {"features_in_step": 4}),
    ("quantus.max_sensitivity", {"nr_samples": 3}),
    ("quantus.mprt", {"return_last_correlation": True}),
    ("quantus.pixel_flipping", {"features_in_step": 8}),
])
def test_scores_equal_quantus_called_directly_with_the_same_explainer(digits, explained_digits, name, params):
    images, labels, attributions = explained_digits
    with foxlike.explain(digits.model, ["gradcam.grad_cam"], target=labels,
                         metrics={name: {**params, "softmax": False}}) as xai_model:
        _, explanations = xai_model(images)
    ours = explanations["gradcam.grad_cam"].metrics[name]
    theirs = quantus_directly(name, digits.model, images, labels, attributions, **params)
    if OFFERED[name].per_sample == "area":
        theirs = [np.trapezoid(curve, dx=1) for curve in theirs]

    assert ours.shape == (4,) and torch.isfinite(ours).all()
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs, dtype=np.float64), rtol=1e-5, atol=1e-6)


def test_a_metric_leaves_the_model_and_the_callers_random_state_as_they_were(digits, explained_digits):
    images, labels, _ = explained_digits
    before = {k: v.clone() for k, v in digits.model.state_dict().items()}
    np.random.seed(123)
    torch.manual_seed(123)
    numpy_state, torch_state = np.random.get_state()[1].copy(), torch.random.get_rng_state()

    with foxlike.explain(digits.model, ["gradcam.grad_cam"], metrics=["quantus.mprt", "quantus.random_logit"]) as xai_model:
        _, explanations = xai_model(images)

    assert set(explanations["gradcam.grad_cam"].metrics) == {"quantus.mprt", "quantus.random_logit"}
    assert all(torch.equal(before[k], v) for k, v in digits.model.state_dict().items())
    assert np.array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(torch.random.get_rng_state(), torch_state)


def test_a_parameter_the_quantus_metric_does_not_take_is_refused_with_the_ones_it_does(digits):
    with pytest.raises(foxlike.ParameterError, match="does not take nr_sample.*nr_samples"):
        foxlike.explain(digits.model, ["gradcam.grad_cam"], metrics={"quantus.max_sensitivity": {"nr_sample": 3}})


def test_layer_shaped_attributions_are_refused_with_the_fix(digits):
    with foxlike.explain(digits.model, ["cv.layer_integrated_gradients"], metrics=["quantus.sparseness"]) as xai_model, \
            pytest.raises(foxlike.ParameterError, match="upsample=True"):
        xai_model(digits.test_images[:2])
