"""Work that foxlike shares, against what a Captum user writes for the same answer.

- ``gradient/*``: saliency on resnet18. A Captum user runs the prediction
  (for the target), then ``Saliency.attribute``, which runs the model again;
  foxlike takes the gradient from the prediction's own graph
  (:mod:`foxlike.prediction_graph`). The floor is one forward and one backward.
- ``gradcam/captum+forward``: the Grad-CAM group's fair Captum row: with the
  forward a Captum user needs for the target (the plain row is handed it).
- ``combined/*``: one request of saliency, input x gradient, Grad-CAM and IG
  against the four asked for one at a time.
- ``fixed/*``: the fixed cost per call on a 2-layer MLP, where the model's own
  work is small: 200 calls per timed run.
"""
from __future__ import annotations

import torch

from .measure import Prepared
from .sizes import Sizes
from .workloads import argmax_target, images, resnet18

COMBINED = {"cv.saliency": {}, "cv.input_x_gradient": {}, "cv.grad_cam": {"layer": "layer4"},
            "cv.integrated_gradients": {"n_steps": 16}}
FIXED_CALLS = 200


def _foxlike(model, inputs, explainers):
    import foxlike

    def run():
        with foxlike.explain(model, explainers=explainers, strict=False) as xai_model:
            return xai_model(inputs)[1]

    return run


def _resnet(sizes: Sizes, device: str):
    return resnet18(device), images(sizes.gradcam_batch, sizes.image, device), images(1, 32, device, seed=2)


def gradient_captum(sizes: Sizes, device: str) -> Prepared:
    """Captum: forward + argmax + ``Saliency.attribute``."""
    from captum.attr import Saliency

    model, inputs, small = _resnet(sizes, device)
    saliency = Saliency(model)

    def run(x=inputs):
        with torch.no_grad():
            target = model(x).argmax(dim=1)
        return saliency.attribute(x, target=target)

    return Prepared(run, warmup=lambda: run(small))


def gradient_foxlike(sizes: Sizes, device: str) -> Prepared:
    """foxlike ``cv.saliency``: prediction, target, gradient from the prediction's graph, checks."""
    model, inputs, small = _resnet(sizes, device)
    return Prepared(_foxlike(model, inputs, ["cv.saliency"]), warmup=_foxlike(model, small, ["cv.saliency"]))


def gradcam_captum_with_forward(sizes: Sizes, device: str) -> Prepared:
    """Captum: forward + argmax + ``LayerGradCam`` on layer4 + ``interpolate``."""
    from captum.attr import LayerAttribution, LayerGradCam

    model, inputs, small = _resnet(sizes, device)
    cam = LayerGradCam(model, model.layer4)

    def run(x=inputs):
        with torch.no_grad():
            target = model(x).argmax(dim=1)
        return LayerAttribution.interpolate(cam.attribute(x, target=target), tuple(x.shape[-2:]), "bilinear")

    return Prepared(run, warmup=lambda: run(small))


def combined(together: bool):
    def case(sizes: Sizes, device: str) -> Prepared:
        model, inputs, small = _resnet(sizes, device)
        if together:
            return Prepared(_foxlike(model, inputs, COMBINED), warmup=_foxlike(model, small, COMBINED))
        runs = [_foxlike(model, inputs, {name: params}) for name, params in COMBINED.items()]
        return Prepared(lambda: [run() for run in runs], warmup=_foxlike(model, small, COMBINED))

    case.__doc__ = ("foxlike: " + " + ".join(COMBINED) + (" in one request" if together else ", one request each"))
    return case


def _mlp(device: str):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)).to(device).eval()
    return model, torch.randn(8, 64, device=device)


def fixed_captum(sizes: Sizes, device: str) -> Prepared:
    """Captum, 200 calls: forward + argmax + ``Saliency.attribute`` on a 2-layer MLP, batch 8."""
    from captum.attr import Saliency

    model, inputs = _mlp(device)
    saliency = Saliency(model)

    def once():
        with torch.no_grad():
            target = model(inputs).argmax(dim=1)
        return saliency.attribute(inputs, target=target)

    return Prepared(lambda: [once() for _ in range(FIXED_CALLS)], warmup=once)


def fixed_foxlike(sizes: Sizes, device: str) -> Prepared:
    """foxlike, 200 calls: a ``with foxlike.explain`` block with cv.saliency on the same MLP."""
    model, inputs = _mlp(device)
    once = _foxlike(model, inputs, ["cv.saliency"])
    return Prepared(lambda: [once() for _ in range(FIXED_CALLS)], warmup=once)


def shared_work_cases() -> dict:
    return {
        "gradient/captum+forward": gradient_captum,
        "gradient/foxlike": gradient_foxlike,
        "gradcam/captum+forward": gradcam_captum_with_forward,
        "combined/foxlike-together": combined(together=True),
        "combined/foxlike-separately": combined(together=False),
        "fixed/captum+forward": fixed_captum,
        "fixed/foxlike": fixed_foxlike,
    }
