"""Layer-wise relevance propagation, where the model's layers all have LRP rules."""
from __future__ import annotations

import foxlike
from foxlike.toolkit.rows import gradient_leaves
from foxlike import ModelNotSupportedError

from .model_checks import require_module_activations


class LRP(foxlike.Explainer):
    """Layer-wise relevance propagation (epsilon rule) with Captum's default rules per layer type."""

    name = "cv.lrp"
    modality = "cv"
    accepts = "tensors"  # any float inputs: gradients need no image shape

    def calculate_features(self, model, inputs, target):
        from captum.attr import LRP as CaptumLRP

        require_module_activations(model, inputs, self.name)
        try:
            return CaptumLRP(model).attribute(
                gradient_leaves(inputs), target=target, additional_forward_args=model.additional_forward_args,
            )
        except TypeError as exc:
            if "not supported" not in str(exc) and "rule" not in str(exc):
                raise
            raise ModelNotSupportedError(
                f"cv.lrp cannot explain this model: {exc}. LRP needs a rule for every layer type; use a model "
                "built from Linear, Conv, pooling, BatchNorm and activation modules, or choose another method."
            ) from exc

