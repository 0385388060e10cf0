"""Integrated Gradients on image inputs."""
from __future__ import annotations

import foxlike

from .baselines import reference, reference_tensor


class IntegratedGradients(foxlike.Explainer):
    """Integrated Gradients: gradients averaged along the straight path from a reference image.

    ``baselines`` is the reference (a number or a tensor; 0.0 by default).
    ``n_steps``, ``method`` and ``internal_batch_size`` are Captum's.
    """

    name = "cv.integrated_gradients"
    modality = "cv"
    completeness = True

    def calculate_features(self, model, inputs, target, baselines=0.0, n_steps=50, method="gausslegendre",
                           internal_batch_size=None):
        from captum.attr import IntegratedGradients as CaptumIG

        return CaptumIG(model).attribute(
            inputs,
            baselines=reference(inputs, baselines),
            target=target,
            additional_forward_args=model.additional_forward_args,
            n_steps=n_steps,
            method=method,
            internal_batch_size=internal_batch_size,
        )

    def baselines(self, inputs, params):
        return reference_tensor(inputs, params.get("baselines", 0.0))
