"""The loop every surrogate explainer shares: one sample at a time, coalitions scored in chunks, a fit.

A perturbation explainer switches a sample's features on and off (a
coalition is a 0/1 row over its features), asks the model for the target's
score on each perturbed copy, and fits a surrogate to the scores. How a
feature is switched off (a superpixel set to a reference, a token replaced
by padding, a column taken from background rows) is the modality's
``perturb``; the rest is here, for foxlike's plugins and any other.
"""
from __future__ import annotations

from typing import Callable, Iterator

import torch

from .rows import as_tuple, rows_of, select
from .surrogates import lime_coalitions, lime_fit, shap_coalitions, shapley_fit

#: ``perturb(coalitions) -> (inputs, forward_args)``: the model's inputs (a tensor, or a tuple for several
#: attributed inputs) for a chunk of coalitions (S, k).
Perturb = Callable[[torch.Tensor], tuple]


def each_sample(inputs: torch.Tensor, target, forward_args: tuple) -> Iterator[tuple]:
    """``(i, sample, target_i, args_i)`` for every sample: the sample as a batch of one (a tuple of them for
    several attributed inputs), its own target
    (``None`` for single-output models, a 1-D tensor for several targets) and its own rows of the batched
    forward arguments."""
    batch = as_tuple(inputs)[0].shape[0]
    for i in range(batch):
        yield (i, select(inputs, slice(i, i + 1)), None if target is None else target[i],
               rows_of(forward_args, slice(i, i + 1), batch))


def _pick(output: torch.Tensor, target) -> torch.Tensor:
    """The target's column of ``output`` (rows, C): ``(rows,)``; for a 1-D tensor of T targets ``(rows, T)``
    (a target of -1, an empty slot, scores 0)."""
    if target is None:
        return output[:, 0]
    if isinstance(target, torch.Tensor) and target.dim() == 1:
        picked = output[:, target.clamp_min(0).to(output.device)]
        return picked.masked_fill((target < 0).to(output.device), 0.0)
    return output[:, int(target)]


def scores(model, perturb: Perturb, coalitions: torch.Tensor, target, per_eval: int) -> torch.Tensor:
    """The target's score (float64, on the CPU) for every coalition, ``per_eval`` model rows at a time:
    ``(S,)``, or ``(S, T)`` when ``target`` holds T targets (each perturbed input runs once for all)."""
    found = []
    for chunk in coalitions.split(per_eval):
        batch, args = perturb(chunk)
        with torch.no_grad():
            output = model(*as_tuple(batch), *args).reshape(len(chunk), -1)
        found.append(_pick(output, target))
    return torch.cat(found).double().cpu()


def _per_target(fit, found: torch.Tensor) -> torch.Tensor:
    """``fit(scores)`` for one target's ``(S,)`` scores, or stacked ``(T, k)`` for ``(S, T)``."""
    return fit(found) if found.dim() == 1 else torch.stack([fit(column) for column in found.T])


def lime_values(model, perturb: Perturb, n_features: int, target, n_samples: int, generator: torch.Generator,
                kernel_width: float, ridge: float, per_eval: int) -> torch.Tensor:
    """LIME's coefficient per feature for one sample, ``(k,)`` or ``(T, k)`` for T targets
    (:func:`foxlike.toolkit.surrogates.lime_fit`)."""
    coalitions = lime_coalitions(n_features, n_samples, generator)
    found = scores(model, perturb, coalitions, target, per_eval)
    return _per_target(lambda column: lime_fit(coalitions, column, kernel_width, ridge), found)


def kernel_shap_values(model, perturb: Perturb, n_features: int, target, n_samples: int,
                       generator: torch.Generator, paired: bool, per_eval: int) -> tuple[torch.Tensor, bool]:
    """Kernel SHAP's value per feature for one sample, ``(k,)`` or ``(T, k)`` for T targets, and whether
    they are exact (every coalition used).

    The all-in and all-out coalitions are scored first: the values are fitted to add up to their
    difference (:func:`foxlike.toolkit.surrogates.shapley_fit`).
    """
    coalitions, weights, exact = shap_coalitions(n_features, n_samples, generator, paired)
    ends = torch.tensor([[1] * n_features, [0] * n_features], dtype=torch.int8)
    found = scores(model, perturb, torch.cat([ends, coalitions]), target, per_eval)
    values = _per_target(lambda column: shapley_fit(coalitions, column[2:], weights, float(column[0]),
                                                    float(column[1])), found)
    return values, exact
