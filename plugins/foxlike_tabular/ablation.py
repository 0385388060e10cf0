"""Removing one feature at a time: feature ablation (against the background) and permutation importance
(values drawn from other rows)."""
from __future__ import annotations

import torch

from foxlike import ParameterError
from foxlike.toolkit.parameter_types import Count
from foxlike.toolkit.perturbation import scores
from foxlike.toolkit.rows import rows_of

from .background import background_rows
from .explainer import TableExplainer, target_scores
from .perturbation import coalitions_per_chunk, explain_rows


class FeatureAblation(TableExplainer):
    """Feature ablation: the drop in the target score when one feature takes the background's values.

    Each feature is removed alone, its columns taken from every ``background`` row in turn and the scores
    averaged (one row of zeros when not given): F(x) - E_b F(x with the feature from b).
    """

    name = "tabular.feature_ablation"
    multi_target = True

    def calculate_features(self, model, inputs, target, background=None, feature_groups=None,
                           perturbations_per_eval: Count | None = None):
        features = self.features(model, inputs, feature_groups)
        rows = background_rows(inputs, background)
        k = features.count
        coalitions = torch.cat([torch.ones(1, k, dtype=torch.int8), 1 - torch.eye(k, dtype=torch.int8)])
        per_eval = coalitions_per_chunk(perturbations_per_eval, rows)

        def fit(perturb, averaged, _, sample_target):
            found = scores(averaged, perturb, coalitions, sample_target, per_eval)
            return (found[0] - found[1:]).movedim(0, -1), None  # (k,), or (T, k) for T targets

        attributions, _ = explain_rows(model, inputs, target, features, rows, fit)
        return self.result(attributions, features, n_background=len(rows))


class Permutation(TableExplainer):
    """Permutation importance per sample: the drop in its target score when one feature's values come from
    another row, averaged over ``n_repeats`` draws.

    The other rows are the batch itself, shuffled (so it needs at least two samples), or, when
    ``background`` is given, rows drawn from it at random.
    """

    name = "tabular.permutation"
    multi_target = True

    def calculate_features(self, model, inputs, target, background=None, feature_groups=None,
                           n_repeats: Count = 10, seed: int = 0):
        features = self.features(model, inputs, feature_groups)
        batch, k = inputs.shape[0], features.count
        if background is None and batch < 2:
            raise ParameterError("tabular.permutation shuffles a feature across the batch, and a batch of one "
                                 "sample has no other row: explain two or more samples, or pass background= rows "
                                 "to draw the values from.")
        donors_from = None if background is None else background_rows(inputs, background)
        generator = torch.Generator().manual_seed(seed)
        onehot = torch.nn.functional.one_hot(features.column_feature, k).T.to(inputs)  # (k, F)
        with torch.no_grad():
            original = target_scores(model(inputs, *model.forward_args), target)
            drops = 0.0
            for _ in range(n_repeats):
                if donors_from is None:
                    donors = inputs[torch.randperm(batch, generator=generator).to(inputs.device)]
                else:
                    drawn = torch.randint(len(donors_from), (batch,), generator=generator)
                    donors = donors_from[drawn.to(inputs.device)]
                # every feature's perturbed copy of the batch at once: (k * N, F)
                swapped = (inputs[None] * (1 - onehot[:, None]) + donors[None] * onehot[:, None]).reshape(-1, inputs.shape[1])
                repeated_rows = torch.arange(batch, device=inputs.device).repeat(k)
                output = model(swapped, *rows_of(model.forward_args, repeated_rows, batch))
                swapped_scores = target_scores(output, None if target is None else target[repeated_rows])
                drops = drops + (original[None] - swapped_scores.reshape(k, batch, *swapped_scores.shape[1:]))
        values = (drops / n_repeats).movedim(0, -1)  # (N, k) or (N, T, k)
        return self.result(features.spread(values), features, n_repeats=n_repeats)
