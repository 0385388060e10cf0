"""The measured cases: each builds its workload and returns a :class:`Prepared` run.

A case runs alone in a fresh process (``python -m benchmarks.case NAME``) so
that its peak memory is its own. Every case of a group runs the same model
on the same inputs with the same settings.
"""
from __future__ import annotations

from typing import Callable

import torch

from .adapters import adapter_cases
from .measure import Prepared, Unavailable
from .shared_work import shared_work_cases
from .sizes import Sizes
from .workloads import (GRADCAM_EXPLAINERS, MEMORY_BUDGET_PARAMETERS, accepted, argmax_target, explainer_class,
                        images, parameter, resnet18)

IG = "cv.integrated_gradients"


def _foxlike_run(model, inputs, explainers: dict, grad: bool = True) -> Callable[[], dict]:
    """foxlike.explain as a user calls it; ``grad=False`` calls it under the user's torch.no_grad()."""
    import foxlike

    def run():
        with torch.set_grad_enabled(grad), foxlike.explain(model, explainers=explainers, strict=False) as xai_model:
            return xai_model(inputs)[1]

    return run


def _describe_foxlike(name: str) -> Callable[[dict], dict]:
    def describe(explanations):
        explanation = explanations[name]
        facts = {"explainer_seconds": explanation.seconds,
                 "checks": {c.name: c.passed for c in explanation.checks}}
        if explanation.error is not None:
            facts["error"] = str(explanation.error)
        facts.update({k: v for k, v in explanation.extras.items() if isinstance(v, (int, float, str))})
        return facts

    return describe


def _foxai():
    """FoXAI's context manager and its enums, from the peer's own folder."""
    try:
        from foxai.context_manager import CVClassificationExplainers, ExplainerWithParams, FoXaiExplainer
    except ImportError as exc:
        raise Unavailable(f"FoXAI cannot be imported: {exc}") from None
    return CVClassificationExplainers, ExplainerWithParams, FoXaiExplainer


def _given_target(model, run, inputs, target, small) -> Prepared:
    """A run ``run(x, t)`` measured on ``inputs``, warmed up on ``small`` with its own target."""
    return Prepared(lambda: run(inputs, target), warmup=lambda: run(small, argmax_target(model, small)))


# ---- overhead: foxlike's IG against Captum's, same settings -------------------------------------

def _overhead_workload(sizes: Sizes, device: str):
    model = resnet18(device)
    inputs = images(sizes.overhead_batch, sizes.image, device)
    small = images(1, 32, device, seed=2)
    chunk = sizes.overhead_batch * sizes.overhead_steps  # one chunk, as None means, spelled out for both
    return model, inputs, small, chunk


def overhead_captum(sizes: Sizes, device: str) -> Prepared:
    """Captum's IntegratedGradients.attribute alone, target given."""
    from captum.attr import IntegratedGradients

    model, inputs, small, chunk = _overhead_workload(sizes, device)
    target = argmax_target(model, inputs)
    ig = IntegratedGradients(model)

    def run(x=inputs, t=target, steps=sizes.overhead_steps, size=chunk):
        return ig.attribute(x, baselines=0.0, target=t, n_steps=steps, method="gausslegendre",
                            internal_batch_size=size)

    return Prepared(run, warmup=lambda: run(small, argmax_target(model, small), 2, 2))


def overhead_captum_with_forward(sizes: Sizes, device: str) -> Prepared:
    """What a Captum user writes for foxlike's answer: the prediction, its argmax, then IG."""
    from captum.attr import IntegratedGradients

    model, inputs, small, chunk = _overhead_workload(sizes, device)
    ig = IntegratedGradients(model)

    def run(x=inputs, steps=sizes.overhead_steps, size=chunk):
        with torch.no_grad():
            target = model(x).argmax(dim=1)
        return ig.attribute(x, baselines=0.0, target=target, n_steps=steps, method="gausslegendre",
                            internal_batch_size=size)

    return Prepared(run, warmup=lambda: run(small, 2, 2))


def overhead_foxlike(grad: bool) -> Callable[[Sizes, str], Prepared]:
    def case(sizes: Sizes, device: str) -> Prepared:
        model, inputs, small, chunk = _overhead_workload(sizes, device)
        params = {"n_steps": sizes.overhead_steps, "baselines": 0.0, "internal_batch_size": chunk}
        warm = _foxlike_run(model, small, {IG: {"n_steps": 2, "internal_batch_size": 2}}, grad)
        return Prepared(_foxlike_run(model, inputs, {IG: params}, grad), warmup=warm, describe=_describe_foxlike(IG))

    case.__doc__ = ("foxlike.explain with cv.integrated_gradients: prediction, target, IG, validation"
                    + ("" if grad else "; called under torch.no_grad()"))
    return case


def overhead_foxai(sizes: Sizes, device: str) -> Prepared:
    """FoXAI 0.6.0's context manager with its IG explainer (zero baseline given: its default is noise)."""
    explainers, with_params, foxai_explainer = _foxai()
    model, inputs, small, chunk = _overhead_workload(sizes, device)
    target = argmax_target(model, inputs)

    def run(x=inputs, t=target, steps=sizes.overhead_steps, size=chunk):
        explainer = with_params(explainers.CV_INTEGRATED_GRADIENTS_EXPLAINER, n_steps=steps,
                                baselines=torch.zeros_like(x), internal_batch_size=size)
        with foxai_explainer(model, explainers=[explainer], target=t) as xai_model:
            return xai_model(x)[1]

    return Prepared(run, warmup=lambda: run(small, argmax_target(model, small), 2, 2))


# ---- IG memory: Captum's single chunk, hand-tuned chunks, foxlike's budget -----------------------

def _memory_workload(sizes: Sizes, device: str):
    model = resnet18(device)
    return model, images(sizes.memory_batch, sizes.memory_image, device), images(1, 32, device, seed=2)


def ig_memory_captum(chunk: int | None) -> Callable[[Sizes, str], Prepared]:
    def case(sizes: Sizes, device: str) -> Prepared:
        from captum.attr import IntegratedGradients

        model, inputs, small = _memory_workload(sizes, device)
        target = argmax_target(model, inputs)
        ig = IntegratedGradients(model)

        def run(x=inputs, t=target, steps=sizes.memory_steps, size=chunk):
            return ig.attribute(x, baselines=0.0, target=t, n_steps=steps, internal_batch_size=size)

        return Prepared(run, warmup=lambda: run(small, argmax_target(model, small), 2, None),
                        info={"internal_batch_size": chunk})

    case.__doc__ = f"Captum IG, internal_batch_size={chunk}"
    return case


def ig_memory_foxlike(with_budget: bool) -> Callable[[Sizes, str], Prepared]:
    def case(sizes: Sizes, device: str) -> Prepared:
        cls = explainer_class((IG,))
        automatic = cls.parameters().get("internal_batch_size") == "auto"
        budget_name = None if automatic and not with_budget else parameter(cls, MEMORY_BUDGET_PARAMETERS)
        model, inputs, small = _memory_workload(sizes, device)
        params = {"n_steps": sizes.memory_steps, "baselines": 0.0}
        if with_budget:
            # sizes give bytes; a parameter named *_mb takes mebibytes
            params[budget_name] = sizes.memory_budget / 2**20 if budget_name.endswith("_mb") else sizes.memory_budget
        info = {budget_name: params.get(budget_name, "default")} if budget_name else {"internal_batch_size": "auto"}
        return Prepared(_foxlike_run(model, inputs, {IG: params}),
                        warmup=_foxlike_run(model, small, {IG: {"n_steps": 2}}),
                        info=info, describe=_describe_foxlike(IG))

    case.__doc__ = "foxlike IG, " + ("memory budget given" if with_budget else "nothing tuned")
    return case


# ---- Grad-CAM on resnet18's last block ------------------------------------------------------------

def _gradcam_workload(sizes: Sizes, device: str):
    model = resnet18(device)
    inputs = images(sizes.gradcam_batch, sizes.image, device)
    return model, inputs, argmax_target(model, inputs), images(1, 32, device, seed=2)


def gradcam_captum(sizes: Sizes, device: str) -> Prepared:
    """Captum LayerGradCam on layer4, upsampled to the input with LayerAttribution.interpolate."""
    from captum.attr import LayerAttribution, LayerGradCam

    model, inputs, target, small = _gradcam_workload(sizes, device)
    cam = LayerGradCam(model, model.layer4)

    def run(x, t):
        return LayerAttribution.interpolate(cam.attribute(x, target=t), tuple(x.shape[-2:]), "bilinear")

    return _given_target(model, run, inputs, target, small)


def gradcam_foxlike(sizes: Sizes, device: str) -> Prepared:
    """foxlike's Grad-CAM explainer on layer4."""
    cls = explainer_class(GRADCAM_EXPLAINERS)
    model, inputs, _, small = _gradcam_workload(sizes, device)
    params = accepted(cls, {"layer": "layer4"})
    return Prepared(_foxlike_run(model, inputs, {cls.name: params}),
                    warmup=_foxlike_run(model, small, {cls.name: params}), describe=_describe_foxlike(cls.name))


def gradcam_pytorch_grad_cam(sizes: Sizes, device: str) -> Prepared:
    """pytorch-grad-cam's GradCAM on layer4[-1] (it also rescales each map to [0, 1] with OpenCV)."""
    try:
        from pytorch_grad_cam import GradCAM
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    except ImportError as exc:
        raise Unavailable(f"pytorch-grad-cam cannot be imported: {exc}") from None
    model, inputs, target, small = _gradcam_workload(sizes, device)

    def run(x, t):
        with GradCAM(model=model, target_layers=[model.layer4[-1]]) as cam:
            return cam(input_tensor=x, targets=[ClassifierOutputTarget(int(i)) for i in t])

    return _given_target(model, run, inputs, target, small)


def gradcam_foxai(sizes: Sizes, device: str) -> Prepared:
    """FoXAI 0.6.0's LayerGradCAM explainer on layer4."""
    explainers, with_params, foxai_explainer = _foxai()
    model, inputs, target, small = _gradcam_workload(sizes, device)

    def run(x, t):
        explainer = with_params(explainers.CV_LAYER_GRADCAM_EXPLAINER, layer=model.layer4)
        with foxai_explainer(model, explainers=[explainer], target=t) as xai_model:
            return xai_model(x)[1]

    return _given_target(model, run, inputs, target, small)


def cases(sizes: Sizes) -> dict[str, Callable[[Sizes, str], Prepared]]:
    """Every case by name: ``group/variant``."""
    table = {
        "overhead/captum": overhead_captum,
        "overhead/captum+forward": overhead_captum_with_forward,
        "overhead/foxlike": overhead_foxlike(grad=True),
        "overhead/foxlike-under-no_grad": overhead_foxlike(grad=False),
        "overhead/foxai": overhead_foxai,
        "ig_memory/captum-default": ig_memory_captum(None),
    }
    for chunk in sizes.memory_chunks:
        table[f"ig_memory/captum-chunk-{chunk}"] = ig_memory_captum(chunk)
    table["ig_memory/foxlike-auto"] = ig_memory_foxlike(with_budget=False)
    table["ig_memory/foxlike-budget"] = ig_memory_foxlike(with_budget=True)
    table.update({
        "gradcam/captum": gradcam_captum,
        "gradcam/foxlike": gradcam_foxlike,
        "gradcam/pytorch-grad-cam": gradcam_pytorch_grad_cam,
        "gradcam/foxai": gradcam_foxai,
    })
    table.update(adapter_cases())
    table.update(shared_work_cases())
    return table


#: which peer's folder a case needs on its path
PEER_OF = {"overhead/foxai": "foxai", "gradcam/foxai": "foxai", "gradcam/pytorch-grad-cam": "grad-cam"}
