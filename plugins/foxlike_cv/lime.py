"""LIME over superpixels.

Captum's default LIME kernel measures the cosine distance between the raw
original and perturbed images; on natural images with a zero baseline that
distance barely changes with the number of superpixels removed, so every
sample gets nearly the same weight. foxlike measures the distance in the
interpretable space instead, as the original LIME does (see
``foxlike.toolkit.surrogates``). The surrogate is a weighted linear regression
(plain by default, ``ridge`` to regularise).
"""
from __future__ import annotations

from typing import Literal

import torch

import foxlike
from foxlike.toolkit.chunking import perturbations_per_batch
from foxlike.toolkit.parameter_types import Count, PerturbationBatch, NonNegative, Reference
from foxlike.toolkit.perturbation import lime_values

from .perturbation import explain_features


class Lime(foxlike.Explainer):
    """LIME: a weighted linear surrogate fitted to the model's scores on images with superpixels removed.

    ``segmentation`` ("slic" or "grid"), ``n_segments`` or ``feature_mask``
    choose the superpixels; removed ones take the ``baselines`` value. The
    coefficient of each superpixel is in ``extras["coefficients"]`` (one list
    per image), ``extras["feature_mask"]`` holds the masks.
    """

    name = "cv.lime"
    modality = "cv"
    multi_target = True  # every perturbed image runs once, every target read from its output
    multi_input = True  # one coalition over the features of every input

    def calculate_features(self, model, inputs, target, n_samples: Count = 200, feature_mask=None,
                           segmentation: Literal["slic", "grid"] = "slic", n_segments: Count = 50,
                           baselines: Reference = 0.0, kernel_width: NonNegative = 0.25, ridge: NonNegative = 0.0,
                           perturbations_per_eval: PerturbationBatch = "auto", seed: int = 0):
        generator = torch.Generator().manual_seed(seed)
        perturbations_per_eval = perturbations_per_batch(model, inputs, perturbations_per_eval)

        def fit(perturb, k, sample_target):
            return lime_values(model, perturb, k, sample_target, n_samples, generator, kernel_width, ridge,
                               perturbations_per_eval), {}

        attributions, coefficients, _, masks = explain_features(model, inputs, target, feature_mask, segmentation,
                                                                n_segments, baselines, fit)
        return foxlike.Features(attributions, {"coefficients": coefficients, "feature_mask": masks})
