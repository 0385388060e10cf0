"""Deletion and insertion: the target's probability as features are removed or added in attribution order.

The curves record the model's own probability of the target class (softmax
of its real outputs) at each step, and their area is the score. FoXAI's
versions integrate over attribution thresholds instead, which gives the same
score to different models for the same attributions; these do not.
"""
from __future__ import annotations

import torch

import foxlike

from .features import blend, feature_scores, reference


def probability_curve(model, inputs, explanation, removing: bool, steps: int, baseline, pad_id) -> torch.Tensor:
    """(N, steps + 1) probabilities of the target as features go (deletion) or come (insertion)."""
    order = feature_scores(inputs, explanation.attributions).argsort(dim=1, descending=True)
    blank = reference(inputs, baseline, pad_id)
    start, end = (inputs, blank) if removing else (blank, inputs)
    total = order.shape[1]
    target = explanation.target
    points = []
    for step in range(steps + 1):
        mixed = blend(start, end, order, round(step * total / steps))
        with torch.no_grad():
            output = model.call_model(mixed, *model.forward_args)
            output = getattr(output, "logits", output)
            probabilities = output.softmax(dim=-1) if output.shape[-1] > 1 else output.sigmoid()
        index = torch.zeros(len(inputs), dtype=torch.long) if target is None else target
        points.append(probabilities.gather(1, index.reshape(-1, 1).to(probabilities.device)).squeeze(1))
    return torch.stack(points, dim=1)


def area(curve: torch.Tensor) -> torch.Tensor:
    """Trapezoid area under each curve, over the fraction of features (0 to 1)."""
    return torch.trapezoid(curve, dx=1.0 / (curve.shape[1] - 1), dim=1)


class Deletion(foxlike.Metric):
    """Deletion: area under the target's probability as the most important features are removed (lower is better)."""

    name = "deletion"
    higher_is_better = False

    def compute(self, model, inputs, explanation, reexplain, steps=20, baseline=0.0, pad_id=0):
        return area(probability_curve(model, inputs, explanation, True, steps, baseline, pad_id))


class Insertion(foxlike.Metric):
    """Insertion: area under the target's probability as the most important features are added (higher is better)."""

    name = "insertion"
    higher_is_better = True

    def compute(self, model, inputs, explanation, reexplain, steps=20, baseline=0.0, pad_id=0):
        return area(probability_curve(model, inputs, explanation, False, steps, baseline, pad_id))
