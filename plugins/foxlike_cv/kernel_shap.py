"""Kernel SHAP over superpixels, with paired sampling and the exact answer when it is affordable
(the sampler and the fit are the toolkit's, :mod:`foxlike.toolkit.perturbation`)."""
from __future__ import annotations

from typing import Literal

import torch

import foxlike
from foxlike.toolkit.chunking import perturbations_per_batch
from foxlike.toolkit.parameter_types import Count, PerturbationBatch, Reference
from foxlike.toolkit.perturbation import kernel_shap_values

from .perturbation import explain_features


class KernelShap(foxlike.Explainer):
    """Kernel SHAP: Shapley values of superpixels, estimated with paired coalitions (exact when k is small).

    Superpixels as in ``cv.lime``; removed ones take the ``baselines`` value.
    ``paired=False`` draws coalitions independently (for comparison).
    The values per superpixel are in ``extras["coefficients"]``.
    """

    name = "cv.kernel_shap"
    modality = "cv"
    multi_target = True  # every perturbed image runs once, every target read from its output
    multi_input = True  # one coalition over the features of every input

    def calculate_features(self, model, inputs, target, n_samples: Count = 256, feature_mask=None,
                           segmentation: Literal["slic", "grid"] = "slic", n_segments: Count = 25,
                           baselines: Reference = 0.0, paired: bool = True,
                           perturbations_per_eval: PerturbationBatch = "auto", seed: int = 0):
        generator = torch.Generator().manual_seed(seed)
        perturbations_per_eval = perturbations_per_batch(model, inputs, perturbations_per_eval)

        def fit(perturb, k, sample_target):
            phi, exact = kernel_shap_values(model, perturb, k, sample_target, n_samples, generator, paired,
                                            perturbations_per_eval)
            return phi, {"exact": exact}

        attributions, values, extras, masks = explain_features(model, inputs, target, feature_mask, segmentation,
                                                               n_segments, baselines, fit)
        exact = [extra["exact"] for extra in extras]
        return foxlike.Features(attributions, {"coefficients": values, "exact": exact, "feature_mask": masks})
