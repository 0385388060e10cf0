"""Gradient methods on tables: Integrated Gradients over a background (expected gradients), saliency,
input x gradient."""
from __future__ import annotations

import torch

from foxlike.toolkit.chunking import rows_per_chunk
from foxlike.toolkit.parameter_types import ChunkSize, MemoryBudget, NonNegative, PathMethod, Steps
from foxlike.toolkit.quadrature import weight_correction
from foxlike.toolkit.rows import rows_of

from .background import background_rows
from .explainer import BackgroundReference, TableExplainer, target_scores


class IntegratedGradients(BackgroundReference, TableExplainer):
    """Integrated Gradients from every background row, averaged: expected gradients.

    ``background`` holds the baselines, ``(B, F)`` (one row of zeros when
    not given); each sample is integrated from each of them, so a sample costs
    ``B * n_steps`` gradient rows, and the attributions add up to
    F(x) - E_b F(b), which is checked. The steps start at ``n_steps`` and
    double, up to ``max_steps``, for the samples still off that sum by more
    than ``adaptive_rtol`` (``None``: exactly ``n_steps``): on the breast
    cancer MLP, 64 Gauss-Legendre steps left one sample in 20 off by 12%,
    because the mean over the background can be close to F(x) while each path
    is not. ``feature_groups`` only names the groups for ``to_frame()`` and
    the report: a group's value is the sum of its columns'.
    """

    name = "tabular.integrated_gradients"

    def calculate_features(self, model, inputs, target, background=None, feature_groups=None, n_steps: Steps = 64,
                           method: PathMethod = "gausslegendre", adaptive_rtol: NonNegative | None = 0.01,
                           adaptive_atol: NonNegative = 1e-4, max_steps: Steps = 1024,
                           internal_batch_size: ChunkSize = "auto", memory_budget_mb: MemoryBudget = None):
        from captum.attr import IntegratedGradients as CaptumIG

        features = self.features(model, inputs, feature_groups)
        baselines = background_rows(inputs, background)
        batch, count = inputs.shape[0], baselines.shape[0]
        ig = CaptumIG(model)

        def attribute(samples, steps):
            pairs = samples.repeat_interleave(count)
            starts = inputs[pairs]
            chunk = (rows_per_chunk(model, starts, steps, memory_budget_mb) if internal_batch_size == "auto"
                     else internal_batch_size)
            paths = ig.attribute(starts, baselines=baselines.repeat(len(samples), 1),
                                 target=None if target is None else target[pairs],
                                 additional_forward_args=rows_of(model.forward_args, pairs, batch) or None,
                                 n_steps=steps, method=method, internal_batch_size=chunk)
            return paths.reshape(len(samples), count, -1).mean(dim=1) * weight_correction(method, steps)

        everyone = torch.arange(batch, device=inputs.device)
        if adaptive_rtol is None:
            return self.result(attribute(everyone, n_steps), features, n_background=count)
        with torch.no_grad():  # what each sample's attributions must add up to
            expected = target_scores(model(inputs, *model.forward_args) - self.reference_scores(
                model, inputs, {"background": baselines}), target)
        attributions, steps = inputs.new_zeros(inputs.shape), torch.zeros(batch, dtype=torch.long)
        pending, current = everyone, n_steps
        while len(pending):
            found = attribute(pending, current).detach()
            attributions[pending], steps[pending.cpu()] = found, current
            miss = (found.sum(dim=1) - expected[pending]).abs()
            pending = pending[miss > adaptive_rtol * expected[pending].abs() + adaptive_atol]
            if current >= max_steps:
                break
            current = min(2 * current, max_steps)
        return self.result(attributions, features, n_background=count, n_steps=steps.tolist(),
                           converged=not len(pending))


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
