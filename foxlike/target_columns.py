"""Several targets per sample for explainers that take one: a call per target column, the results stacked.

A target of ``(N, T)`` class indices, or a :class:`foxlike.targets.ScoreTarget`
of ``count`` T, is explained column by column: column ``t`` is an ordinary
one-target run (indices ``target[:, t]``, or the score's column ``t``), on
the samples that have a target in that column (``-1`` marks an empty slot,
whose attributions stay zero). Explainers that set ``multi_target`` get every
column at once instead and evaluate each perturbed input once.
"""
from __future__ import annotations

from typing import Callable, Iterator

import torch

from .targets import ScoreTarget
from .toolkit.rows import as_tuple, select


def columns(model, inputs, target, count: int) -> Iterator[tuple[int, torch.Tensor | None, object, object, object]]:
    """``(t, rows, inputs_t, model_t, target_t)`` per column: ``rows`` (a bool mask, ``None`` for all) the
    samples with a target in column ``t``, and the inputs, model view and target for them."""
    batch = as_tuple(inputs)[0].shape[0]
    scored = isinstance(target, ScoreTarget)
    for t in range(count):
        if scored:
            rows = None if target.present is None else target.present[:, t]
        else:
            rows = target[:, t] >= 0
        if rows is None or bool(rows.all()):
            yield t, None, inputs, model.for_column(t) if scored else model, None if scored else target[:, t]
        elif bool(rows.any()):
            view = model.for_rows(rows, batch)
            yield (t, rows, select(inputs, rows), view.for_column(t) if scored else view,
                   None if scored else target[:, t][rows])


def multi_target_indices(target, batch: int, device) -> torch.Tensor:
    """What a ``multi_target`` explainer receives: ``(N, T)`` indices into the model's output columns (a score's
    columns are ``0..T-1``)."""
    if isinstance(target, ScoreTarget):
        return torch.arange(target.count, device=device).expand(batch, -1)
    return target


def without_empty_slots(attributions, target):
    """``(N, T, ...)`` attributions (or a tuple of them) with the empty slots of a score target set to zero."""
    present = getattr(target, "present", None)
    if present is None:
        return attributions
    if isinstance(attributions, tuple):
        return tuple(without_empty_slots(values, target) for values in attributions)
    mask = present.to(attributions.device).reshape(*present.shape, *([1] * (attributions.dim() - 2)))
    return attributions * mask.to(attributions.dtype)


def stacked(parts: list[tuple[int, torch.Tensor | None, torch.Tensor]], batch: int, count: int):
    """One ``(N, T, ...)`` tensor from each column's ``(t, rows, attributions)``; empty slots are zero.
    Attributions of several inputs (tuples) are stacked input by input."""
    if isinstance(parts[0][2], tuple):
        return tuple(stacked([(t, rows, values[i]) for t, rows, values in parts], batch, count)
                     for i in range(len(parts[0][2])))
    first = parts[0][2]
    result = first.new_zeros((batch, count, *first.shape[1:]))
    for t, rows, attributions in parts:
        if rows is None:
            result[:, t] = attributions
        else:
            result[rows, t] = attributions
    return result


def per_column(explain_one: Callable, model, inputs, target, count: int):
    """Run ``explain_one(inputs_t, model_t, target_t) -> (attributions, extras)`` per column; returns the
    stacked attributions and the extras of every column as lists (one entry per column that ran)."""
    parts, extras = [], {}
    for t, rows, inputs_t, model_t, target_t in columns(model, inputs, target, count):
        attributions, found = explain_one(inputs_t, model_t, target_t)
        parts.append((t, rows, attributions))
        for key, value in found.items():
            extras.setdefault(key, []).append(value)
    return stacked(parts, as_tuple(inputs)[0].shape[0], count), extras
