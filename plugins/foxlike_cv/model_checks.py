"""What some methods need of a model, checked before they run, with errors that say why."""
from __future__ import annotations

from torch import nn

from foxlike import ModelNotSupportedError

from .layers import reused_modules

ACTIVATIONS = (nn.ReLU, nn.ELU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softplus, nn.GELU, nn.SiLU)


def require_module_activations(model, inputs, method: str) -> None:
    """Refuse models that reuse a module in one forward pass, or that have no activation modules at all.

    DeepLIFT, LRP, guided backpropagation and deconvolution replace the
    backward rule of each activation *module*; a module run twice gets its
    rule mixed up, and a functional activation (``F.relu`` in forward) gets
    no rule at all.
    """
    reused = reused_modules(model, inputs)
    if reused:
        raise ModelNotSupportedError(
            f"{method} cannot explain this model: module(s) {', '.join(reused)} run more than once in one forward "
            "pass, and the method's backward rules need each module used once. Give each use its own module "
            "(for example one nn.ReLU per place), or choose a method that uses plain gradients such as "
            "cv.integrated_gradients."
        )
    if not any(isinstance(m, ACTIVATIONS) for m in model.model.modules()):
        raise ModelNotSupportedError(
            f"{method} cannot explain this model: it has no activation modules (nn.ReLU, ...), so its "
            "activations are presumably functional (F.relu in forward), which the method's backward rules "
            "cannot see. Use nn.ReLU modules, or choose cv.integrated_gradients."
        )
