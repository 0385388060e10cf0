"""How the perturbation explainers switch a table's features off: each background row's values in turn.

A coalition keeps some features of the sample and takes the others from a
background row; its score is the mean over the background rows (the
interventional value v(S) = E_b F(x_S, b_rest)), so every coalition costs B
model rows.
"""
from __future__ import annotations

import torch

from foxlike.toolkit.perturbation import each_sample
from foxlike.toolkit.rows import repeated

from .features import Features

#: Model rows per chunk when the user does not choose: 4,096 rows of a small MLP take about a
#: millisecond and a few MiB.
ROWS_PER_CHUNK = 4096


class Averaged:
    """The model as the perturbation loop sees it: each coalition's ``count`` rows averaged into one."""

    def __init__(self, model, count: int):
        self.model, self.count = model, count

    def __call__(self, *values):
        output = self.model(*values)
        output = output.reshape(output.shape[0], -1)
        return output.reshape(-1, self.count, output.shape[1]).mean(dim=1)


def from_background(sample: torch.Tensor, background: torch.Tensor, features: Features, forward_args: tuple):
    """``perturb`` for :mod:`foxlike.toolkit.perturbation`: one sample (F,) with the features a coalition
    leaves out taken from every background row, ``(S * B, F)`` rows for S coalitions."""
    column_feature = features.column_feature.to(sample.device)

    def perturb(chunk):
        keep = chunk.to(sample)[:, column_feature][:, None, :]
        rows = sample * keep + background[None] * (1 - keep)
        return rows.reshape(-1, sample.shape[0]), repeated(forward_args, rows.shape[0] * rows.shape[1])

    return perturb


def coalitions_per_chunk(perturbations_per_eval, background: torch.Tensor) -> int:
    return perturbations_per_eval or max(1, ROWS_PER_CHUNK // len(background))


def explain_rows(model, inputs, target, features: Features, background, fit):
    """``fit(perturb, model, k, target_i) -> (values, extras)`` for every sample; its values (``(k,)`` or
    ``(T, k)``) spread over the columns. Returns the attributions and each sample's extras."""
    several = isinstance(target, torch.Tensor) and target.dim() == 2
    shape = (inputs.shape[0], target.shape[1], inputs.shape[1]) if several else inputs.shape
    attributions = inputs.new_empty(shape)
    averaged = Averaged(model, len(background))
    extras = []
    for i, sample, sample_target, args in each_sample(inputs, target, model.forward_args):
        values, extra = fit(from_background(sample[0], background, features, args), averaged, features.count,
                            sample_target)
        attributions[i] = features.spread(values.to(inputs))
        extras.append(extra)
    return attributions, extras
