"""foxlike-gradcam: every CAM method of pytorch-grad-cam, maps equal to grad-cam's own, the model left as it was."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import foxlike
import pytorch_grad_cam
from foxlike_gradcam.methods import EXPLAINERS
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

#: foxlike name -> (foxlike parameters, grad-cam constructor options, attributes set on the CAM, call options)
CASES = {
    "gradcam.score_cam": ({"batch_size": 8}, {}, {"batch_size": 8}, {}),
    "gradcam.ablation_cam": ({"batch_size": 16}, {"batch_size": 16}, {}, {}),
    "gradcam.kpca_cam": ({"kernel": "rbf"}, {"kernel": "rbf"}, {}, {}),
    "gradcam.fem": ({"k": 1}, {"k": 1}, {}, {}),
    "gradcam.sess": ({"num_scales": 2}, {"num_scales": 2}, {}, {}),
    "gradcam.refine_cam": ({"layer": ["features.0", "features.2"]}, {}, {}, {}),
    # grad-cam 1.5.7's ShapleyCAM calls detach_() on the layer's gradient, which fails where the layer's output is
    # flattened next (the gradient is a view), as the digits CNN's `features` is: the ReLU before its pooling
    "gradcam.shapley_cam": ({"layer": ["features.3"]}, {}, {}, {}),
}


def grad_cam_directly(cam_name, model, layers, inputs, targets, options=(), attributes=(), call=()):
    """What a grad-cam user writes; the gradients it leaves on the shared model are cleared after."""
    cam = getattr(pytorch_grad_cam, cam_name)(model, layers, **dict(options))
    for key, value in dict(attributes).items():
        setattr(cam, key, value)
    try:
        return torch.from_numpy(cam(inputs, targets, **dict(call))).unsqueeze(1)
    finally:
        for part in (cam, getattr(cam, "base_cam", None), *getattr(cam, "base_cam_per_layer", ())):
            if part is not None and hasattr(part, "activations_and_grads"):
                part.activations_and_grads.release()
        model.zero_grad(set_to_none=True)


def explained(model, name, params, inputs, target):
    with foxlike.explain(model, {name: params}, target=target) as xai_model:
        _, explanations = xai_model(inputs)
    return explanations[name]


def test_every_cam_method_grad_cam_exports_is_an_explainer():
    def is_cam_method(cls) -> bool:  # built on target layers, and explains targets
        return (isinstance(cls, type) and "target_layers" in inspect.signature(cls.__init__).parameters
                and "targets" in inspect.signature(getattr(cls, "forward", lambda: None)).parameters)

    cams = {name for name in dir(pytorch_grad_cam) if is_cam_method(getattr(pytorch_grad_cam, name))}

    assert {explainer.cam for explainer in EXPLAINERS} == cams
    assert len(EXPLAINERS) == 19


@pytest.mark.parametrize("explainer", [e for e in EXPLAINERS if e.name != "gradcam.finer_cam"], ids=lambda e: e.name)
def test_maps_equal_grad_cam_on_the_digits_cnn_for_each_samples_own_target(explainer, digits):
    model, images = digits.model, digits.test_images[:4]
    labels = digits.test_labels[:4]
    assert len(set(labels.tolist())) > 1  # different targets in one batch
    params, options, attributes, call = CASES.get(explainer.name, ({}, {}, {}, {}))
    layers = [] if explainer.name == "gradcam.full_grad" else [
        model.get_submodule(name) for name in params.get("layer", ["features.3"])]

    np.random.seed(0)  # RandomCAM draws from NumPy's global generator
    ours = explained(model, explainer.name, params, images, labels)
    np.random.seed(0)
    theirs = grad_cam_directly(explainer.cam, model, layers, images, [ClassifierOutputTarget(int(t)) for t in labels],
                               options, attributes, call)

    assert ours.passed, ours.warnings
    torch.testing.assert_close(ours.attributions, theirs, rtol=0, atol=1e-6)
    assert ours.extras["layers"] == ([] if explainer.name == "gradcam.full_grad" else params.get("layer", ["features.3"]))


def test_finer_cam_explains_the_target_against_its_nearest_classes_as_grad_cam_does(digits):
    model, images = digits.model, digits.test_images[:4]

    ours = explained(model, "gradcam.finer_cam", {"alpha": 0.5}, images, 3)
    theirs = grad_cam_directly("FinerCAM", model, [model.features[3]], images, None, call={"alpha": 0.5, "target_idx": 3})

    torch.testing.assert_close(ours.attributions, theirs, rtol=0, atol=1e-6)


def test_test_time_augmentation_passes_through(digits):
    model, images = digits.model, digits.test_images[:3]
    targets = [ClassifierOutputTarget(2)] * 3

    ours = explained(model, "gradcam.grad_cam", {"aug_smooth": True, "eigen_smooth": True}, images, 2)
    theirs = grad_cam_directly("GradCAM", model, [model.features[3]], images, targets,
                               call={"aug_smooth": True, "eigen_smooth": True})

    torch.testing.assert_close(ours.attributions, theirs, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ["gradcam.grad_cam", "gradcam.full_grad"])
def test_maps_equal_grad_cam_on_resnet18_at_its_last_block(name, resnet18, photos):
    explainer = next(e for e in EXPLAINERS if e.name == name)
    with torch.no_grad():
        target = resnet18(photos).argmax(dim=1)

    ours = explained(resnet18, name, {}, photos, None)
    layers = [] if name == "gradcam.full_grad" else [resnet18.layer4]
    theirs = grad_cam_directly(explainer.cam, resnet18, layers, photos, [ClassifierOutputTarget(int(t)) for t in target])

    assert ours.passed and ours.target.tolist() == target.tolist()
    assert ours.extras["layers"] == ([] if name == "gradcam.full_grad" else ["layer4"])
    torch.testing.assert_close(ours.attributions, theirs, rtol=0, atol=1e-6)


def test_the_gradients_grad_cam_leaves_and_its_hooks_are_gone_and_the_users_gradients_stay(digits):
    model = digits.model
    mine = {name: torch.full_like(p, 7.0) for name, p in model.named_parameters()}
    for name, p in model.named_parameters():
        p.grad = mine[name]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    try:
        with foxlike.explain(model, ["gradcam.grad_cam", "gradcam.full_grad", "gradcam.ablation_cam",
                                     "gradcam.shapley_cam"]) as xai_model:
            _, explanations = xai_model(digits.test_images[:2])

        assert all(e.passed for e in explanations.values())
        assert all(p.grad is mine[name] and bool((p.grad == 7.0).all()) for name, p in model.named_parameters())
        assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
        assert not any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks for m in model.modules())
    finally:
        model.zero_grad(set_to_none=True)


def test_ablation_cam_failing_half_way_leaves_the_layer_it_swapped_out_back_in_place(digits):
    from pytorch_grad_cam.ablation_layer import AblationLayer

    model = digits.model
    conv = model.features[2]

    def fail_while_ablating(module, args):
        if any(isinstance(m, AblationLayer) for m in model.modules()):
            raise RuntimeError("failed half way through Ablation-CAM")

    handle = model.classifier.register_forward_pre_hook(fail_while_ablating)
    try:
        with foxlike.explain(model, ["gradcam.ablation_cam"], strict=False) as xai_model, \
                pytest.warns(foxlike.FoxlikeWarning, match="failed half way"):
            _, explanations = xai_model(digits.test_images[:2])
    finally:
        handle.remove()

    assert "failed half way" in str(explanations["gradcam.ablation_cam"].error)
    assert model.features[2] is conv
    assert not any(isinstance(m, AblationLayer) for m in model.modules())


def test_methods_that_make_their_own_batches_refuse_per_sample_forward_arguments(digits):
    class Masked(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x, mask):
            return self.net(x * mask)

    images = digits.test_images[:2]
    with foxlike.explain(Masked(digits.model), ["gradcam.score_cam"]) as xai_model, \
            pytest.raises(foxlike.ParameterError, match="forward arguments with one row per sample"):
        xai_model(images, torch.ones_like(images))
    with foxlike.explain(Masked(digits.model), ["gradcam.grad_cam"]) as xai_model:
        _, explanations = xai_model(images, torch.ones_like(images))
    assert explanations["gradcam.grad_cam"].passed  # one call on the batch itself: the mask follows
