"""Methods that attribute to a layer: Layer IG, layer conductance, Grad-CAM and guided Grad-CAM.

Each works on the last convolutional layer found by running the model
(:func:`foxlike.toolkit.layers.last_conv_layer`) unless ``layer=`` names one, and records the
layer it used in ``extras["layer"]``.
"""
from __future__ import annotations

import foxlike
from foxlike.toolkit.parameter_types import ChunkSize, MemoryBudget, PathMethod, Reference, Steps
from foxlike.toolkit.layers import resolve_layer, upsample_to_input
from foxlike.toolkit.quadrature import weight_correction

from .baselines import reference, reference_tensor
from .integrated_gradients import chunk_size


def _input_sized(inputs) -> tuple:
    return (inputs.shape[0], 1, *inputs.shape[-2:])


class LayerIntegratedGradients(foxlike.Explainer):
    """Integrated Gradients of a layer's activations, by default the last conv layer that runs.

    Attributions have the layer's output shape, or with ``upsample=True`` are
    summed over channels and resized to the input (N, 1, H, W). They sum to
    F(x) - F(baseline), which is checked unless upsampled.
    """

    name = "cv.layer_integrated_gradients"
    modality = "cv"
    accepts = "tensors"  # any layer of any model, when named with layer=
    completeness = True

    def calculate_features(self, model, inputs, target, layer=None, baselines: Reference = 0.0, n_steps: Steps = 50,
                           method: PathMethod = "gausslegendre", upsample: bool = False,
                           internal_batch_size: ChunkSize = "auto", memory_budget_mb: MemoryBudget = None):
        from captum.attr import LayerIntegratedGradients as CaptumLayerIG

        module = resolve_layer(model, inputs, layer)
        attributions = CaptumLayerIG(model, module).attribute(
            inputs, baselines=reference(inputs, baselines), target=target,
            additional_forward_args=model.additional_forward_args, n_steps=n_steps, method=method,
            internal_batch_size=chunk_size(model, inputs, n_steps, internal_batch_size, memory_budget_mb),
        ) * weight_correction(method, n_steps)
        if upsample:
            attributions = upsample_to_input(attributions, inputs)
        return foxlike.Features(attributions, {"layer": model.layer_name(module)})

    def expected_shape(self, inputs, params):
        return _input_sized(inputs) if params.get("upsample") else None

    def baselines(self, inputs, params):
        return None if params.get("upsample") else reference_tensor(inputs, params.get("baselines", 0.0))


class LayerConductance(foxlike.Explainer):
    """Conductance of each unit of a layer (by default the last conv layer that runs): IG through that layer.

    Layer shaped; sums to F(x) - F(baseline), which is checked.
    """

    name = "cv.layer_conductance"
    modality = "cv"
    accepts = "tensors"  # any layer of any model, when named with layer=
    completeness = True

    def calculate_features(self, model, inputs, target, layer=None, baselines: Reference = 0.0, n_steps: Steps = 50,
                           method: PathMethod = "gausslegendre", internal_batch_size: ChunkSize = "auto",
                           memory_budget_mb: MemoryBudget = None):
        from captum.attr import LayerConductance as CaptumConductance

        module = resolve_layer(model, inputs, layer)
        attributions = CaptumConductance(model, module).attribute(
            inputs, baselines=reference(inputs, baselines), target=target,
            additional_forward_args=model.additional_forward_args, n_steps=n_steps, method=method,
            internal_batch_size=chunk_size(model, inputs, n_steps, internal_batch_size, memory_budget_mb),
        )
        return foxlike.Features(attributions, {"layer": model.layer_name(module)})

    def expected_shape(self, inputs, params):
        return None

    def baselines(self, inputs, params):
        return reference_tensor(inputs, params.get("baselines", 0.0))


class GradCAM(foxlike.Explainer):
    """Grad-CAM for each sample's own target, on the last conv layer that runs, resized to the input.

    ``upsample=False`` keeps the layer's resolution; ``relu=False`` keeps
    negative evidence.
    """

    name = "cv.grad_cam"
    modality = "cv"

    def calculate_features(self, model, inputs, target, layer=None, upsample: bool = True, relu: bool = True):
        from captum.attr import LayerGradCam

        module = resolve_layer(model, inputs, layer)
        attributions = LayerGradCam(model, module).attribute(
            inputs, target=target, additional_forward_args=model.additional_forward_args, relu_attributions=relu,
        )
        if upsample:
            attributions = upsample_to_input(attributions, inputs)
        return foxlike.Features(attributions, {"layer": model.layer_name(module)})

    def expected_shape(self, inputs, params):
        return _input_sized(inputs) if params.get("upsample", True) else None


class GuidedGradCAM(foxlike.Explainer):
    """Guided Grad-CAM: guided backpropagation weighted by Grad-CAM at input resolution."""

    name = "cv.guided_grad_cam"
    modality = "cv"

    def calculate_features(self, model, inputs, target, layer=None):
        from captum.attr import GuidedGradCam

        module = resolve_layer(model, inputs, layer)
        attributions = GuidedGradCam(model, module).attribute(
            inputs, target=target, additional_forward_args=model.additional_forward_args,
        )
        return foxlike.Features(attributions, {"layer": model.layer_name(module)})
