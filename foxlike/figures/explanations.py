"""Explanations (foxlike's records) as panels to draw: which sample, which target, which picture of the input.

Kept apart from the drawing so that the drawing knows arrays only; an
explanation is read through the fields every :class:`foxlike.Explanation` has.
"""
from __future__ import annotations

from ..errors import InputError
from .drawing import Panel
from .maps import as_numpy, display_pixels, is_image

#: A batch is drawn up to this many samples; ``index=`` picks others.
MOST_ROWS = 8


def _first(value):
    """With several attributed inputs, the first (the others are in the attributions)."""
    return value[0] if isinstance(value, tuple) else value


def _is_batch(explanation) -> bool:
    """Whether the record holds a batch (from ``foxlike.explain``), not one sample (from ``sample(i)``):
    a batch's attributions have a sample dimension before at least one other."""
    return explanation.index is None and _first(explanation.attributions).dim() >= 2


def _targets(target) -> list:
    """One sample's targets: ``[t]``, or each filled column of several (``-1`` slots left out)."""
    if hasattr(target, "dim") and target.dim() == 1:
        return [int(t) for t in target.tolist()]
    return [int(target) if hasattr(target, "item") else target]


def _status(explanation) -> str:
    failed = [c.label for c in explanation.checks if not c.passed]
    return "checks passed" if not failed else "FAILED " + ", ".join(failed)


def panels_of(explanation, inputs=None, index: int | None = None, labels: list[str] | None = None) -> list[Panel]:
    """The rows that draw ``explanation``: one per sample (all of a batch, up to MOST_ROWS, or ``index``) and
    per target; ``inputs`` default to the ones it explained (``explanation.inputs``)."""
    if explanation.error is not None or explanation.attributions is None:
        raise InputError(f"{explanation.explainer} has no attributions to draw: it failed ({explanation.error}). "
                         "Plot an explanation that passed, or look at .error to see why this one failed.")
    inputs = _first(getattr(explanation, "inputs", None) if inputs is None else inputs)
    if _is_batch(explanation):
        count = explanation.batch_size or _first(explanation.attributions).shape[0]
        chosen = range(min(count, MOST_ROWS)) if index is None else [index]
        samples = [(i, explanation.sample(i), None if inputs is None else inputs[i]) for i in chosen]
    else:
        samples = [(explanation.index, explanation, inputs)]
    panels = []
    for i, sample, sample_inputs in samples:
        attributions = as_numpy(_first(sample.attributions))
        targets = _targets(sample.target)
        per_target = len(targets) > 1 or (hasattr(sample.target, "dim") and sample.target.dim() == 1)
        for column, target in enumerate(targets):
            if target is not None and target < 0:
                continue
            values = attributions[column] if per_target else attributions
            where = [f"sample {i}"] if i is not None else []
            if target is not None:
                where.append(f"target {target}")
            title = f"{explanation.explainer} · {' · '.join(where + [_status(explanation)])}"
            image = sample_inputs is not None and is_image(sample_inputs)
            if image or (sample_inputs is None and values.ndim >= 2 and min(values.shape[-2:]) > 1):
                pixels = display_pixels(sample_inputs) if image else _blank(values)
                panels.append(Panel(title, values, pixels))
            else:
                panels.append(Panel(title, values, None, labels))
    return panels


def _blank(values):
    """Mid grey behind the maps of an explanation drawn without its inputs."""
    import numpy as np

    return np.full(values.shape[-2:] + (1,), 0.5, dtype=np.float32)


def panels_of_several(explanations, inputs=None, index: int = 0, labels=None) -> list[Panel]:
    """One sample (``index``) as each explainer explained it: rows in the explainers' order."""
    if isinstance(explanations, dict):
        explanations = list(explanations.values())
    explanations = [explanations] if hasattr(explanations, "explainer") else list(explanations)
    if not explanations:
        raise InputError("foxlike.plot got no explanations: pass the dict that xai_model(inputs) returned.")
    drawable = [e for e in explanations if e.error is None and e.attributions is not None]
    if not drawable:
        names = ", ".join(e.explainer for e in explanations)
        raise InputError(f"Every explanation failed ({names}): there is nothing to plot; see their .error.")
    return [p for e in drawable for p in panels_of(e, inputs, index if _is_batch(e) else None, labels)]
