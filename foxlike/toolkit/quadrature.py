"""Integrating along a path: the one place foxlike corrects Captum's rules, for any plugin's path method.

Captum's ``method="riemann_trapezoid"`` evaluates the gradient at ``n``
evenly spaced points from 0 to 1 (spacing ``1 / (n - 1)``) but weights them
``1 / n``, ends halved: its weights sum to ``(n - 1) / n``, not 1. Every
attribution comes out too small by that factor, even on a linear model, so
the rule is first order where the trapezoid rule is second order. Scaling by
``n / (n - 1)`` gives the trapezoid rule's weights exactly.
"""
from __future__ import annotations


def weight_correction(method: str, n_steps: int) -> float:
    """What Captum's attributions for ``method`` with ``n_steps`` must be multiplied by (1.0 for the
    rules Captum weights correctly)."""
    if method == "riemann_trapezoid" and n_steps > 1:
        return n_steps / (n_steps - 1)
    return 1.0
