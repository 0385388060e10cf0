"""Occlusion: the drop in the target score when a patch is replaced by a reference value."""
from __future__ import annotations

import foxlike
from foxlike.toolkit.parameter_types import Count, Reference


class Occlusion(foxlike.Explainer):
    """Occlusion: slide a patch of the reference value over the image, record the target score's drop.

    ``window`` and ``stride`` are in pixels (default: an eighth of the
    shorter side, at least 1); ``perturbations_per_eval`` batches the patches.
    """

    name = "cv.occlusion"
    modality = "cv"

    def calculate_features(self, model, inputs, target, window: Count | None = None, stride: Count | None = None,
                           baselines: Reference = 0.0, perturbations_per_eval: Count = 32):
        from captum.attr import Occlusion as CaptumOcclusion

        window = window or max(1, min(inputs.shape[-2:]) // 8)
        stride = stride or window
        channels = inputs.shape[1]
        return CaptumOcclusion(model).attribute(
            inputs, sliding_window_shapes=(channels, window, window), strides=(channels, stride, stride),
            baselines=baselines, target=target, additional_forward_args=model.additional_forward_args,
            perturbations_per_eval=perturbations_per_eval,
        )
