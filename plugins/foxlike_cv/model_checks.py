"""What some methods need of a model, checked before they run, with errors that say why.

DeepLIFT, LRP, guided backpropagation and deconvolution replace the backward
rule of each activation *module*. A module run twice in one forward pass gets
its rule mixed up, and an activation called as a function (``F.relu`` in
forward) gets no rule at all. One forward pass on one sample, watched by
module hooks and a ``TorchFunctionMode``, finds both. For the same reason
DeepLIFT cannot attribute a softmax (or log-softmax, or sigmoid) that foxlike
applies after the model: that too is a function its rules never see.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from foxlike import ModelNotSupportedError
from foxlike.toolkit.rows import as_tuple


ACTIVATIONS = (nn.ReLU, nn.ELU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softplus, nn.GELU, nn.SiLU)
FUNCTIONAL_ACTIVATIONS = {
    F.relu, F.relu_, torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_,
    F.elu, F.leaky_relu, F.gelu, F.silu, F.softplus,
    torch.sigmoid, torch.Tensor.sigmoid, F.sigmoid, torch.tanh, torch.Tensor.tanh, F.tanh,
}


class _FunctionalActivations(TorchFunctionMode):
    """Records activation functions called outside an activation module."""

    def __init__(self):
        super().__init__()
        self.inside_module = 0
        self.found: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in FUNCTIONAL_ACTIVATIONS and not self.inside_module:
            self.found.append(getattr(func, "__name__", str(func)))
        return func(*args, **(kwargs or {}))


#: Built-in output transforms that are non-linear functions applied after the model. Through them
#: Captum's DeepLIFT missed F(x) - F(0) by 132% (softmax, log-softmax) and 2.9% (sigmoid) on a small
#: ReLU network whose logits it attributes to within 4e-7.
NONLINEAR_OUTPUTS = ("softmax", "log_softmax", "sigmoid")


def require_linear_output(model, method: str) -> None:
    """Refuse a non-linear output transform for DeepLIFT, whose rules stop at the model's last module."""
    if model.output in NONLINEAR_OUTPUTS:
        raise ModelNotSupportedError(
            f"{method} cannot attribute output={model.output!r}: foxlike applies the {model.output} after the "
            "model as a function, where the method's rules do not reach, so the attributions would not add up to "
            "the change in the output. Explain the logits (output='logits', the default: the ranking of classes "
            f"is the same), or use cv.integrated_gradients, which attributes any output."
        )


def require_module_activations(model, inputs, method: str) -> None:
    """Refuse models that reuse a module in one forward pass, or call activations as functions."""
    calls: dict[nn.Module, int] = {}
    spy = _FunctionalActivations()

    def before(module, *_):
        calls[module] = calls.get(module, 0) + 1
        if isinstance(module, ACTIVATIONS):
            spy.inside_module += 1

    def after(module, *_):
        if isinstance(module, ACTIVATIONS):
            spy.inside_module -= 1

    leaves = [m for m in model.model.modules() if not list(m.children())]
    handles = [m.register_forward_pre_hook(before) for m in leaves]
    handles += [m.register_forward_hook(after) for m in leaves]
    try:
        sample, args = model.first_sample(inputs)
        with torch.no_grad(), spy:
            model.call_model(*as_tuple(sample), *args)
    finally:
        for handle in handles:
            handle.remove()
    reused = [model.layer_name(m) for m, n in calls.items() if n > 1]
    if reused:
        raise ModelNotSupportedError(
            f"{method} cannot explain this model: module(s) {', '.join(reused)} run more than once in one forward "
            "pass, and the method's backward rules need each module used once. Give each use its own module "
            "(for example one nn.ReLU per place), or choose a method that uses plain gradients such as "
            "cv.integrated_gradients."
        )
    if spy.found:
        raise ModelNotSupportedError(
            f"{method} cannot explain this model: it calls activation functions ({', '.join(sorted(set(spy.found)))}) "
            "in forward instead of activation modules, and the method's backward rules only see modules "
            "(functional (F.relu in forward) activations get plain gradients). Use nn.ReLU modules, or choose "
            "cv.integrated_gradients."
        )
