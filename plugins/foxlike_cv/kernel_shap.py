"""Kernel SHAP over superpixels, with paired sampling and the exact answer when it is affordable
(the sampler and the fit are the toolkit's, :mod:`foxlike.toolkit.perturbation`)."""
from __future__ import annotations

from typing import Literal

import torch

import foxlike
from foxlike.toolkit.parameter_types import Count, Reference
from foxlike.toolkit.perturbation import each_sample, kernel_shap_values

from .perturbation import attribution_buffer, superpixels_off, to_input_shape
from .superpixels import dense_ids, feature_masks


class KernelShap(foxlike.Explainer):
    """Kernel SHAP: Shapley values of superpixels, estimated with paired coalitions (exact when k is small).

    Superpixels as in ``cv.lime``; removed ones take the ``baselines`` value.
    ``paired=False`` draws coalitions independently (for comparison).
    The values per superpixel are in ``extras["coefficients"]``.
    """

    name = "cv.kernel_shap"
    modality = "cv"
    multi_target = True  # every perturbed image runs once, every target read from its output

    def calculate_features(self, model, inputs, target, n_samples: Count = 256, feature_mask=None,
                           segmentation: Literal["slic", "grid"] = "slic", n_segments: Count = 25,
                           baselines: Reference = 0.0, paired: bool = True, perturbations_per_eval: Count = 64,
                           seed: int = 0):
        masks = feature_masks(inputs, feature_mask, segmentation, n_segments)
        generator = torch.Generator().manual_seed(seed)
        attributions, values, exact = attribution_buffer(inputs, target), [], []
        for i, image, sample_target, args in each_sample(inputs, target, model.forward_args):
            mask, k = dense_ids(masks[i])
            phi, enumerated = kernel_shap_values(model, superpixels_off(image, mask, k, baselines, args), k,
                                                 sample_target, n_samples, generator, paired, perturbations_per_eval)
            values.append(phi.tolist())
            exact.append(enumerated)
            attributions[i] = to_input_shape(phi.to(inputs), mask, image.shape[1:])
        return foxlike.Features(attributions, {"coefficients": values, "exact": exact, "feature_mask": masks})
