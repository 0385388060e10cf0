"""LIME over superpixels, with a similarity kernel that tells near samples from far ones.

Captum's default LIME kernel measures the cosine distance between the raw
original and perturbed images; on natural images with a zero baseline that
distance barely changes with the number of superpixels removed, so every
sample gets nearly the same weight. foxlike follows the original LIME for
images instead: the distance is measured in the interpretable space (the 0/1
vector of superpixels kept), ``d = 1 - sqrt(kept / k)`` (the cosine distance to
the all-ones vector), and the weight is ``exp(-d**2 / kernel_width**2)`` with
``kernel_width=0.25``. The surrogate is a weighted linear regression (plain by
default, ``ridge`` to regularise).
"""
from __future__ import annotations

import torch

import foxlike

from .perturbation import masked_scores, per_image, random_subsets, to_input_shape, weighted_least_squares
from .superpixels import dense_ids, feature_masks


def similarity(coalitions: torch.Tensor, kernel_width: float) -> torch.Tensor:
    kept = coalitions.double().mean(dim=1)
    distance = 1 - kept.sqrt()
    return torch.exp(-distance**2 / kernel_width**2)


def lime_samples(n_features: int, n_samples: int, generator: torch.Generator) -> torch.Tensor:
    """The original image first, then coalitions with a uniformly drawn number of features removed."""
    removed = torch.randint(1, n_features + 1, (n_samples - 1,), generator=generator)
    return torch.cat([torch.ones(1, n_features, dtype=torch.int8),
                      random_subsets(n_features - removed, n_features, generator)])


class Lime(foxlike.Explainer):
    """LIME: a weighted linear surrogate fitted to the model's scores on images with superpixels removed.

    ``segmentation`` ("slic" or "grid"), ``n_segments`` or ``feature_mask``
    choose the superpixels; removed ones take the ``baselines`` value. The
    coefficient of each superpixel is in ``extras["coefficients"]`` (one list
    per image), ``extras["feature_mask"]`` holds the masks.
    """

    name = "cv.lime"
    modality = "cv"

    def calculate_features(self, model, inputs, target, n_samples=200, feature_mask=None, segmentation="slic",
                           n_segments=50, baselines=0.0, kernel_width=0.25, ridge=0.0,
                           perturbations_per_eval=64, seed=0):
        masks = feature_masks(inputs, feature_mask, segmentation, n_segments)
        generator = torch.Generator().manual_seed(seed)
        attributions, coefficients = torch.empty_like(inputs), []
        for i, image, sample_target, args in per_image(inputs, target, model.forward_args):
            mask, k = dense_ids(masks[i])
            coalitions = lime_samples(k, n_samples, generator)
            scores = masked_scores(model, image, mask, k, coalitions.to(inputs.device), sample_target, baselines,
                                   args, perturbations_per_eval).cpu()
            design = torch.cat([torch.ones(len(coalitions), 1, dtype=torch.float64), coalitions.double()], dim=1)
            fit = weighted_least_squares(design, scores, similarity(coalitions, kernel_width), ridge)
            coefficients.append(fit[1:].tolist())
            attributions[i] = to_input_shape(fit[1:].to(inputs), mask, image.shape[1:])
        return foxlike.Features(attributions, {"coefficients": coefficients, "feature_mask": masks})
