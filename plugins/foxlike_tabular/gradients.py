"""Gradient methods on tables: Integrated Gradients over a background (expected gradients), saliency,
input x gradient."""
from __future__ import annotations

import torch

from foxlike.toolkit.chunking import rows_per_chunk
from foxlike.toolkit.parameter_types import ChunkSize, MemoryBudget, PathMethod, Steps
from foxlike.toolkit.quadrature import weight_correction
from foxlike.toolkit.rows import rows_of

from .background import background_rows
from .explainer import BackgroundReference, TableExplainer


class IntegratedGradients(BackgroundReference, TableExplainer):
    """Integrated Gradients from every background row, averaged: expected gradients.

    ``background`` holds the baselines, ``(B, F)`` (one row of zeros when
    not given); each sample is integrated from each of them, so a batch costs
    ``N * B * n_steps`` gradient rows, and the attributions add up to
    F(x) - E_b F(b), which is checked. ``feature_groups`` only names the
    groups for ``to_frame()`` and the report: a group's value is the sum of
    its columns'.
    """

    name = "tabular.integrated_gradients"

    def calculate_features(self, model, inputs, target, background=None, feature_groups=None, n_steps: Steps = 64,
                           method: PathMethod = "gausslegendre", internal_batch_size: ChunkSize = "auto",
                           memory_budget_mb: MemoryBudget = None):
        from captum.attr import IntegratedGradients as CaptumIG

        features = self.features(model, inputs, feature_groups)
        baselines = background_rows(inputs, background)
        batch, count = inputs.shape[0], baselines.shape[0]
        pairs = torch.arange(batch, device=inputs.device).repeat_interleave(count)
        starts = inputs[pairs]
        chunk = (rows_per_chunk(model, starts, n_steps, memory_budget_mb) if internal_batch_size == "auto"
                 else internal_batch_size)
        paths = CaptumIG(model).attribute(
            starts, baselines=baselines.repeat(batch, 1), target=None if target is None else target[pairs],
            additional_forward_args=rows_of(model.forward_args, pairs, batch) or None, n_steps=n_steps,
            method=method, internal_batch_size=chunk)
        attributions = paths.reshape(batch, count, -1).mean(dim=1) * weight_correction(method, n_steps)
        return self.result(attributions, features, n_background=count)


class Saliency(TableExplainer):
    """Saliency: the gradient of the target score with respect to each column (its absolute value unless
    ``abs=False``)."""

    name = "tabular.saliency"

    def calculate_features(self, model, inputs, target, feature_groups=None, abs: bool = True):
        from captum.attr import Saliency as CaptumSaliency

        attributions = CaptumSaliency(model).attribute(inputs, target=target, abs=abs,
                                                       additional_forward_args=model.additional_forward_args)
        return self.result(attributions, self.features(model, inputs, feature_groups))


class InputXGradient(TableExplainer):
    """Input x gradient: each value times the gradient of the target score (a linear model's exact share
    against a zero reference)."""

    name = "tabular.input_x_gradient"

    def calculate_features(self, model, inputs, target, feature_groups=None):
        from captum.attr import InputXGradient as CaptumInputXGradient

        attributions = CaptumInputXGradient(model).attribute(inputs, target=target,
                                                             additional_forward_args=model.additional_forward_args)
        return self.result(attributions, self.features(model, inputs, feature_groups))
