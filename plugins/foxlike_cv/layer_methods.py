"""Methods that attribute to a layer: Layer IG, layer conductance, Grad-CAM and guided Grad-CAM.

Each works on the last feature map the model's head consumes whole, found by running the model
(:func:`foxlike.toolkit.layers.find_layer`: a ResNet's ``layer4``, a ViT's second-to-last block), unless
``layer=`` names one, and records the layer it used in ``extras["layer"]``. Maps of transformers are
turned back into images by ``reshape=`` (:mod:`foxlike.toolkit.feature_maps`): found from the output's
shape by default, or named.
"""
from __future__ import annotations

import foxlike
from foxlike.toolkit.rows import gradient_leaves
from foxlike.toolkit.parameter_types import ChunkSize, MemoryBudget, PathMethod, Reference, Steps
from foxlike.toolkit.feature_maps import Reshape
from foxlike.toolkit.layers import feature_layer, resolve_layer, upsample_to_input
from foxlike.toolkit.quadrature import weight_correction

from .baselines import reference, reference_tensor
from .integrated_gradients import chunk_size


#: Layer IG and conductance add up to the output through the layer only if nothing bypasses it.
BYPASS_HINT = ("raise n_steps or check the baseline; if the layer was named, check that nothing bypasses it "
               "(a residual skip around a conv in a block): name the block's output instead (layer='layer4' on a "
               "ResNet), or leave layer= out to use the layer foxlike finds")


def _input_sized(inputs) -> tuple:
    return (inputs.shape[0], 1, *inputs.shape[-2:])


def _found(model, module, layout) -> dict:
    return {"layer": model.layer_name(module), "layer_layout": layout.describe()}


class LayerIntegratedGradients(foxlike.Explainer):
    """Integrated Gradients of a layer's activations, by default the last feature map the head consumes.

    Attributions have the layer's output shape (a ViT block's: tokens), or with
    ``upsample=True`` are turned into a map (``reshape=``), summed over channels
    and resized to the input (N, 1, H, W). They sum to F(x) - F(baseline),
    which is checked unless upsampled.
    """

    name = "cv.layer_integrated_gradients"
    modality = "cv"
    accepts = "tensors"  # any layer of any model, when named with layer=
    completeness = True
    completeness_hint = BYPASS_HINT

    def calculate_features(self, model, inputs, target, layer=None, baselines: Reference = 0.0, n_steps: Steps = 50,
                           method: PathMethod = "gausslegendre", upsample: bool = False,
                           internal_batch_size: ChunkSize = "auto", memory_budget_mb: MemoryBudget = None,
                           reshape: Reshape = "auto"):
        from captum.attr import LayerIntegratedGradients as CaptumLayerIG

        if upsample:  # only a map can be upsampled; any layer's attributions can be kept as they are
            module, layout = feature_layer(model, inputs, layer, reshape)
        else:
            module = resolve_layer(model, inputs, layer)
        attributions = CaptumLayerIG(model, module).attribute(
            inputs, baselines=reference(inputs, baselines), target=target,
            additional_forward_args=model.additional_forward_args, n_steps=n_steps, method=method,
            internal_batch_size=chunk_size(model, inputs, n_steps, internal_batch_size, memory_budget_mb),
        ) * weight_correction(method, n_steps)
        if upsample:
            return foxlike.Features(upsample_to_input(attributions, inputs, layout), _found(model, module, layout))
        return foxlike.Features(attributions, {"layer": model.layer_name(module)})

    def expected_shape(self, inputs, params):
        return _input_sized(inputs) if params.get("upsample") else None

    def baselines(self, inputs, params):
        return None if params.get("upsample") else reference_tensor(inputs, params.get("baselines", 0.0))


class LayerConductance(foxlike.Explainer):
    """Conductance of each unit of a layer (by default the last feature map the head consumes): IG through it.

    Layer shaped; sums to F(x) - F(baseline), which is checked.
    """

    name = "cv.layer_conductance"
    modality = "cv"
    accepts = "tensors"  # any layer of any model, when named with layer=
    completeness = True
    completeness_hint = BYPASS_HINT

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
    """Grad-CAM for each sample's own target, on the last feature map the head consumes, resized to the input.

    ``upsample=False`` keeps the layer's grid (a ViT's patch grid); ``relu=False``
    keeps negative evidence.
    """

    name = "cv.grad_cam"
    modality = "cv"

    def calculate_features(self, model, inputs, target, layer=None, upsample: bool = True, relu: bool = True,
                           reshape: Reshape = "auto"):
        from captum.attr import LayerGradCam

        module, layout = feature_layer(model, inputs, layer, reshape)
        if layout.kind == "channels_first":
            attributions = LayerGradCam(model, module).attribute(
                inputs, target=target, additional_forward_args=model.additional_forward_args, relu_attributions=relu,
            )
        else:
            attributions = _grad_cam_of_map(model, module, layout, inputs, target, relu)
        if upsample:
            attributions = upsample_to_input(attributions, inputs)
        return foxlike.Features(attributions, _found(model, module, layout))

    def expected_shape(self, inputs, params):
        return _input_sized(inputs) if params.get("upsample", True) else None


def _grad_cam_of_map(model, module, layout, inputs, target, relu: bool):
    """Grad-CAM (as Captum's ``LayerGradCam`` computes it) of a layer whose output is not channels first."""
    from captum.attr import LayerActivation, LayerGradientXActivation

    forward_args = model.additional_forward_args
    activations = layout.to_map(LayerActivation(model, module).attribute(inputs, additional_forward_args=forward_args))
    gradients = layout.to_map(LayerGradientXActivation(model, module, multiply_by_inputs=False).attribute(
        inputs, target=target, additional_forward_args=forward_args))
    cam = (gradients.mean(dim=(2, 3), keepdim=True) * activations).sum(dim=1, keepdim=True)
    return cam.clamp_min(0) if relu else cam


class GuidedGradCAM(foxlike.Explainer):
    """Guided Grad-CAM: guided backpropagation weighted by Grad-CAM at input resolution."""

    name = "cv.guided_grad_cam"
    modality = "cv"

    def calculate_features(self, model, inputs, target, layer=None):
        from captum.attr import GuidedGradCam

        module, layout = feature_layer(model, inputs, layer)
        if layout.kind != "channels_first":
            raise foxlike.ParameterError(
                f"cv.guided_grad_cam needs a layer with channels first (N, C, h, w); {model.layer_name(module)!r} "
                f"is {layout.describe()}. Use cv.grad_cam (it turns tokens and channels-last maps into images), or "
                "name a channels-first layer with layer=.")
        attributions = GuidedGradCam(model, module).attribute(
            gradient_leaves(inputs), target=target, additional_forward_args=model.additional_forward_args,
        )
        return foxlike.Features(attributions, {"layer": model.layer_name(module)})
