"""Methods that compare against reference images: gradient SHAP, DeepLIFT, DeepLIFT SHAP."""
from __future__ import annotations

import torch

import foxlike
from foxlike.toolkit.rows import gradient_leaves
from foxlike.toolkit.parameter_types import Count, NonNegative, Reference

from .baselines import reference_tensor, reference_tensors, references
from .model_checks import require_linear_output, require_module_activations


def reference_distribution(inputs, baselines, count: int):
    """Reference images for the SHAP variants: a tensor of references as given, or ``count`` noisy copies
    of a constant image around ``baselines`` (a method that averages needs more than one); a tuple of
    them for several inputs, from one ``baselines`` for all or one per input."""
    if isinstance(inputs, tuple):
        given = baselines if isinstance(baselines, (tuple, list)) else (baselines,) * len(inputs)
        references(inputs, given)  # the same count check as every path method's
        return tuple(reference_distribution(x, b, count) for x, b in zip(inputs, given))
    if isinstance(baselines, torch.Tensor) and baselines.dim() == inputs.dim():
        return baselines.to(inputs)
    single = reference_tensor(inputs[:1], baselines)
    generator = torch.Generator(device="cpu").manual_seed(0)
    noise = torch.randn((count, *inputs.shape[1:]), generator=generator).to(inputs) * 0.1
    return single + noise



class GradientShap(foxlike.Explainer):
    """Gradient SHAP: expected gradients between noisy inputs and a distribution of reference images."""

    name = "cv.gradient_shap"
    modality = "cv"
    accepts = "tensors"  # any float inputs: gradients need no image shape
    multi_input = True

    def calculate_features(self, model, inputs, target, baselines: Reference = 0.0, n_baselines: Count = 8,
                           n_samples: Count = 16, stdevs: NonNegative = 0.0):
        from captum.attr import GradientShap as CaptumGradientShap

        return CaptumGradientShap(model).attribute(
            gradient_leaves(inputs), baselines=reference_distribution(inputs, baselines, n_baselines), target=target,
            n_samples=n_samples, stdevs=stdevs, additional_forward_args=model.additional_forward_args,
        )


class DeepLift(foxlike.Explainer):
    """DeepLIFT (rescale rule): differences from a reference image propagated layer by layer.

    Its attributions sum to F(x) - F(baseline), which is checked; the model
    must use activation modules, each once per forward pass.
    """

    name = "cv.deeplift"
    modality = "cv"
    accepts = "tensors"  # any float inputs: gradients need no image shape
    multi_input = True
    completeness = True
    completeness_hint = ("DeepLIFT's rules sum exactly only through linear layers and activations; Captum's rule "
                         "for max pooling is approximate, so models with max pooling miss by this much "
                         "(strict=False records it instead of raising)")

    def calculate_features(self, model, inputs, target, baselines: Reference = 0.0):
        from captum.attr import DeepLift as CaptumDeepLift

        require_linear_output(model, self.name)
        require_module_activations(model, inputs, self.name)
        return CaptumDeepLift(model).attribute(
            gradient_leaves(inputs), baselines=reference_tensors(inputs, baselines), target=target,
            additional_forward_args=model.additional_forward_args,
        )

    def baselines(self, inputs, params):
        return reference_tensors(inputs, params.get("baselines", 0.0))


class DeepLiftShap(foxlike.Explainer):
    """DeepLIFT SHAP: DeepLIFT averaged over a distribution of reference images."""

    name = "cv.deeplift_shap"
    modality = "cv"
    accepts = "tensors"  # any float inputs: gradients need no image shape
    multi_input = True

    def calculate_features(self, model, inputs, target, baselines: Reference = 0.0, n_baselines: Count = 8):
        from captum.attr import DeepLiftShap as CaptumDeepLiftShap

        require_linear_output(model, self.name)
        require_module_activations(model, inputs, self.name)
        return CaptumDeepLiftShap(model).attribute(
            gradient_leaves(inputs), baselines=reference_distribution(inputs, baselines, n_baselines), target=target,
            additional_forward_args=model.additional_forward_args,
        )
