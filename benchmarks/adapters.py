"""The adapter plugins against their libraries called directly: same model, layer, target and settings.

Each pair runs resnet18 (random weights) on the same images. The direct run
is what a user of the library writes for the answer foxlike gives: the
prediction, its argmax as the target, then the library's call. foxlike's
share is the layer search, the target objects, the checks on the result and
putting the model back; the goal is within 5% of the direct call.
"""
from __future__ import annotations

import torch

from .measure import Prepared, Unavailable
from .sizes import Sizes
from .workloads import images, resnet18


def _library(module: str):
    try:
        return __import__(module)
    except ImportError as exc:
        raise Unavailable(f"{module} cannot be imported ({exc}): make install installs the adapters' libraries") from None


#: the side of the images: half the Grad-CAM group's, so that six cases in two rounds fit a few minutes on 2 cores
def side(sizes: Sizes) -> int:
    return sizes.image // 2


def _workload(sizes: Sizes, device: str):
    return resnet18(device), images(sizes.gradcam_batch, side(sizes), device), images(1, 64, device, seed=2)


def _foxlike(explainers: dict, metrics: dict | None = None):
    def case(sizes: Sizes, device: str) -> Prepared:
        import foxlike

        model, inputs, small = _workload(sizes, device)

        def run(x=inputs):
            with foxlike.explain(model, explainers=explainers, metrics=metrics) as xai_model:
                return xai_model(x)[1]

        return Prepared(run, warmup=lambda: run(small))

    case.__doc__ = f"foxlike.explain with {', '.join(explainers)}" + (f" and {', '.join(metrics)}" if metrics else "")
    return case


def _predicted(model, x):
    with torch.no_grad():
        return model(x).argmax(dim=1)


def _grad_cam_map(model, x, target):
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    cam = GradCAM(model, [model.layer4[1].conv2])
    try:
        return cam(x, [ClassifierOutputTarget(int(t)) for t in target])
    finally:
        cam.activations_and_grads.release()


def gradcam_direct(sizes: Sizes, device: str) -> Prepared:
    """pytorch-grad-cam's GradCAM on layer4.1.conv2 for the predicted class."""
    _library("pytorch_grad_cam")
    model, inputs, small = _workload(sizes, device)

    def run(x=inputs):
        return _grad_cam_map(model, x, _predicted(model, x))

    return Prepared(run, warmup=lambda: run(small))


def zennit_direct(sizes: Sizes, device: str) -> Prepared:
    """Zennit's EpsilonPlusFlat with its ResNetCanonizer, relevance of the predicted class's score."""
    _library("zennit")
    from zennit.attribution import Gradient
    from zennit.composites import EpsilonPlusFlat
    from zennit.torchvision import ResNetCanonizer

    model, inputs, small = _workload(sizes, device)

    def run(x=inputs):
        one_hot = torch.nn.functional.one_hot(_predicted(model, x), 1000).to(x.dtype)
        with Gradient(model, EpsilonPlusFlat(canonizers=[ResNetCanonizer()])) as attributor:
            return attributor(x, lambda output: one_hot * output)[1]

    return Prepared(run, warmup=lambda: run(small))


def quantus_direct(sizes: Sizes, device: str) -> Prepared:
    """Grad-CAM, then Quantus's MaxSensitivity re-explaining 4 perturbed copies with Grad-CAM."""
    quantus = _library("quantus")
    _library("pytorch_grad_cam")
    model, inputs, small = _workload(sizes, device)

    def explain(model, inputs, targets, **_):
        return _grad_cam_map(model, torch.as_tensor(inputs, device=device), targets)[:, None]

    def run(x=inputs):
        target = _predicted(model, x)
        attributions = _grad_cam_map(model, x, target)[:, None]
        metric = quantus.MaxSensitivity(nr_samples=4, disable_warnings=True, display_progressbar=False)
        return metric(model=model, x_batch=x.cpu().numpy(), y_batch=target.cpu().numpy(), a_batch=attributions,
                      channel_first=True, explain_func=explain, device=device, batch_size=len(x), softmax=False)

    return Prepared(run, warmup=lambda: run(small))


def adapter_cases() -> dict:
    """The cases by name: ``adapters/<library>-direct`` and ``adapters/<library>-foxlike``."""
    return {
        "adapters/gradcam-direct": gradcam_direct,
        "adapters/gradcam-foxlike": _foxlike({"gradcam.grad_cam": {}}),
        "adapters/zennit-direct": zennit_direct,
        "adapters/zennit-foxlike": _foxlike({"zennit.lrp": {}}),
        "adapters/quantus-direct": quantus_direct,
        "adapters/quantus-foxlike": _foxlike({"gradcam.grad_cam": {}},
                                             {"quantus.max_sensitivity": {"nr_samples": 4, "softmax": False}}),
    }
