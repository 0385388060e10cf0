"""Single-pass gradient methods: saliency, input x gradient, guided backpropagation, deconvolution.

They differ only in the Captum class that computes them, so one base class
runs them all; each subclass names its class and says what it is.
"""
from __future__ import annotations

import foxlike
from foxlike.toolkit.rows import as_tuple, gradient_leaves

from .model_checks import require_module_activations


class GradientMethod(foxlike.Explainer):
    """Base of the gradient methods below (not registered itself)."""

    modality = "cv"
    accepts = "tensors"  # any float inputs: gradients need no image shape
    multi_input = True  # Captum takes the tuple and returns a gradient per input
    captum_class = ""
    #: Methods that override ReLU backward need every ReLU to be its own module, used once.
    needs_module_relus = False

    def calculate_features(self, model, inputs, target):
        import captum.attr

        if self.needs_module_relus:
            require_module_activations(model, inputs, self.name)
        method = getattr(captum.attr, self.captum_class)(model)
        return method.attribute(gradient_leaves(inputs), target=target, additional_forward_args=model.additional_forward_args)


def _as_given(values: tuple, inputs):
    return values if isinstance(inputs, tuple) else values[0]


class Saliency(GradientMethod):
    """Saliency: the absolute gradient of the target score with respect to each pixel."""

    name = "cv.saliency"
    captum_class = "Saliency"
    uses_input_gradient = True

    def calculate_features(self, model, inputs, target, abs: bool = True):
        from captum.attr import Saliency as CaptumSaliency

        gradients = model.input_gradient(inputs, target)
        if gradients is not None:  # from the prediction's own forward pass
            return _as_given(tuple(g.abs() if abs else g for g in gradients), inputs)
        return CaptumSaliency(model).attribute(gradient_leaves(inputs), target=target, abs=abs,
                                               additional_forward_args=model.additional_forward_args)


class InputXGradient(GradientMethod):
    """Input x gradient: each pixel's value times the gradient of the target score."""

    name = "cv.input_x_gradient"
    captum_class = "InputXGradient"
    uses_input_gradient = True

    def calculate_features(self, model, inputs, target):
        gradients = model.input_gradient(inputs, target)
        if gradients is not None:  # from the prediction's own forward pass
            return _as_given(tuple(x * g for x, g in zip(as_tuple(inputs), gradients)), inputs)
        return super().calculate_features(model, inputs, target)


class GuidedBackprop(GradientMethod):
    """Guided backpropagation: gradients with negative signals stopped at every ReLU."""

    name = "cv.guided_backprop"
    captum_class = "GuidedBackprop"
    needs_module_relus = True


class Deconvolution(GradientMethod):
    """Deconvolution: gradients passed backwards through ReLUs as rectified signals."""

    name = "cv.deconvolution"
    captum_class = "Deconvolution"
    needs_module_relus = True
