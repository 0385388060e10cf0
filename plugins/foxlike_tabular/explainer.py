"""What every tabular explainer shares: its features (columns or groups), its background, and what it records.

Attributions always come back per column, ``(N, F)`` (``(N, T, F)`` for T
targets); a group's value is shared equally by its columns, so a row's
columns add up to its features' values. ``extras["column_feature"]`` (which
feature each column belongs to) and ``extras["feature_names"]`` let
``Explanation.to_frame()`` and the report show one value per feature.
"""
from __future__ import annotations

import torch

import foxlike

from .background import background_rows, expected_scores
from .features import Features, table_features


class TableExplainer(foxlike.Explainer):
    """Base of the tabular explainers (not registered itself)."""

    modality = "tabular"

    @staticmethod
    def features(model, inputs, feature_groups) -> Features:
        return table_features(inputs.shape[1], feature_groups, getattr(model, "feature_names", None))

    @staticmethod
    def result(attributions, features: Features, **extras) -> foxlike.Features:
        """The attributions with their features; named only when groups or a DataFrame's columns named them
        (else the report names the columns as its inputs do)."""
        if features.named:
            extras["feature_names"] = features.names
        return foxlike.Features(attributions, {"column_feature": features.column_feature, **extras})


class BackgroundReference:
    """For explainers whose reference is the background: their attributions add up to F(x) - E_b F(b), which
    foxlike checks (completeness for expected gradients, efficiency for Kernel SHAP)."""

    completeness = True

    def reference_scores(self, model, inputs, params):
        return expected_scores(model, background_rows(inputs, params.get("background")), inputs.shape[0])


def target_scores(output: torch.Tensor, target) -> torch.Tensor:
    """The target scores of a batch: ``(N,)``, or ``(N, T)`` for (N, T) targets (an empty slot, -1, scores 0)."""
    output = output.reshape(output.shape[0], -1)
    if target is None:
        return output[:, 0]
    if target.dim() == 1:
        return output.gather(1, target[:, None].to(output.device)).squeeze(1)
    chosen = output.gather(1, target.clamp_min(0).to(output.device))
    return chosen.masked_fill((target < 0).to(output.device), 0.0)
