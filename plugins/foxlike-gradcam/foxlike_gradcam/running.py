"""Running one pytorch-grad-cam method for foxlike: its layers, its targets, and the model left as it was.

grad-cam changes the model it explains in two ways foxlike's own state
restore does not cover: its ``loss.backward()`` leaves a gradient in every
parameter's ``.grad`` (overwriting any the user had there), and AblationCAM
swaps the target layer for its ablation layer and swaps it back only if
nothing fails in between. :func:`model_kept` puts both back. Its hooks are
released here too, not by ``with cam:``, whose ``__exit__`` swallows an
IndexError and prints it.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch

from foxlike import ParameterError
from foxlike.toolkit.layers import resolve_layer


def target_objects(target, count: int) -> list:
    """foxlike's target as grad-cam's own target objects: one ``ClassifierOutputTarget`` per sample,
    or the single score of a one-output model."""
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget, RawScoresOutputTarget

    if target is None:
        return [RawScoresOutputTarget() for _ in range(count)]
    return [ClassifierOutputTarget(int(t)) for t in target.tolist()]


def target_layers(model, inputs, layer) -> list[torch.nn.Module]:
    """``layer`` (a dotted name, a module, or a list of them) as modules; ``None`` is the layer foxlike finds."""
    if isinstance(layer, (list, tuple)):
        if not layer:
            raise ParameterError("layer=[] names no layer: give one or more dotted names, or None for the last "
                                 "conv layer that runs.")
        return [resolve_layer(model, inputs, each) for each in layer]
    return [resolve_layer(model, inputs, layer)]


def cam_class(name):
    """A grad-cam CAM class named as grad-cam names it (``"GradCAMPlusPlus"``), for the meta methods' base_method."""
    import pytorch_grad_cam
    from pytorch_grad_cam.base_cam import BaseCAM

    found = getattr(pytorch_grad_cam, name, None) if isinstance(name, str) else name
    if not (isinstance(found, type) and issubclass(found, BaseCAM)):
        known = sorted(n for n in dir(pytorch_grad_cam)
                       if isinstance(getattr(pytorch_grad_cam, n), type) and issubclass(getattr(pytorch_grad_cam, n), BaseCAM))
        raise ParameterError(f"base_method={name!r} is not one of pytorch-grad-cam's CAM classes: "
                             f"choose one of {', '.join(known)}.")
    return found


@contextmanager
def model_kept(module: torch.nn.Module) -> Iterator[None]:
    """Put back every parameter's ``.grad`` and every module's children as they were, whatever happens."""
    gradients = [(p, p.grad) for p in module.parameters()]
    children = [(m, dict(m.named_children())) for m in module.modules()]
    try:
        yield
    finally:
        for parameter, gradient in gradients:
            parameter.grad = gradient
        for parent, before in children:
            for name, child in before.items():
                if getattr(parent, name, None) is not child:
                    setattr(parent, name, child)


def release(cam) -> None:
    """Remove the hooks of a CAM object and of the CAMs a meta method (FinerCAM, RefineCAM, SESS) holds."""
    for part in (cam, getattr(cam, "base_cam", None), *getattr(cam, "base_cam_per_layer", ())):
        hooks = getattr(part, "activations_and_grads", None)
        if hooks is not None:
            hooks.release()


def as_attributions(maps, inputs: torch.Tensor) -> torch.Tensor:
    """grad-cam's (N, H, W) float32 maps as foxlike's (N, 1, H, W) tensor on the inputs' device."""
    return torch.from_numpy(maps).unsqueeze(1).to(inputs.device)
