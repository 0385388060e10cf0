"""Kernel SHAP and LIME on tables: coalitions of features, the removed ones taken from the background rows
(the sampler and the fits are the toolkit's, :mod:`foxlike.toolkit.perturbation`)."""
from __future__ import annotations

import torch

from foxlike.toolkit.parameter_types import Count, NonNegative
from foxlike.toolkit.perturbation import kernel_shap_values, lime_values

from .background import background_rows
from .explainer import BackgroundReference, TableExplainer
from .perturbation import coalitions_per_chunk, explain_rows


class KernelShap(BackgroundReference, TableExplainer):
    """Kernel SHAP: interventional Shapley values over a background, as shap's KernelExplainer defines them.

    A coalition's value is the mean score over the ``background`` rows with
    the features outside it taken from each row (one row of zeros when not
    given), so the values add up to F(x) - E_b F(b), which is checked. All
    coalitions are used when ``2**k - 2 <= n_samples`` (exact values); else the
    smallest and largest sizes are enumerated and the rest drawn in
    complementary pairs. Each coalition costs B model rows;
    ``perturbations_per_eval`` coalitions run at once (default: 4,096 rows).
    """

    name = "tabular.kernel_shap"
    multi_target = True  # every perturbed row runs once, every target read from its output

    def calculate_features(self, model, inputs, target, background=None, feature_groups=None,
                           n_samples: Count = 1024, paired: bool = True, perturbations_per_eval: Count | None = None,
                           seed: int = 0):
        features = self.features(model, inputs, feature_groups)
        rows = background_rows(inputs, background)
        generator = torch.Generator().manual_seed(seed)
        per_eval = coalitions_per_chunk(perturbations_per_eval, rows)

        def fit(perturb, averaged, k, sample_target):
            values, exact = kernel_shap_values(averaged, perturb, k, sample_target, n_samples, generator, paired,
                                               per_eval)
            return values, exact

        attributions, exact = explain_rows(model, inputs, target, features, rows, fit)
        return self.result(attributions, features, exact=all(exact), n_background=len(rows))


class Lime(TableExplainer):
    """LIME: a weighted linear surrogate of the score on rows with features taken from the background.

    Features and background as in ``tabular.kernel_shap``; the kernel is measured in the space of kept
    features (``kernel_width``), ``ridge`` regularises the fit.
    """

    name = "tabular.lime"
    multi_target = True

    def calculate_features(self, model, inputs, target, background=None, feature_groups=None,
                           n_samples: Count = 500, kernel_width: NonNegative = 0.25, ridge: NonNegative = 0.0,
                           perturbations_per_eval: Count | None = None, seed: int = 0):
        features = self.features(model, inputs, feature_groups)
        rows = background_rows(inputs, background)
        generator = torch.Generator().manual_seed(seed)
        per_eval = coalitions_per_chunk(perturbations_per_eval, rows)

        def fit(perturb, averaged, k, sample_target):
            return lime_values(averaged, perturb, k, sample_target, n_samples, generator, kernel_width, ridge,
                               per_eval), None

        attributions, _ = explain_rows(model, inputs, target, features, rows, fit)
        return self.result(attributions, features, n_background=len(rows))
