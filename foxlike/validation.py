"""The checks every explanation goes through before it reaches the user.

- ``shape``: the attributions have the shape the explainer documents
  (or at least one row per sample, for layer methods);
- ``finite``: no NaN or infinity;
- ``non_zero``: no sample's attributions are all zero;
- ``completeness`` (path methods only): the attributions of each sample sum
  to F(x) - F(baseline) for its target (the mean over a background of references, for explainers whose
  ``reference_scores`` says so), within ``rtol`` of that difference
  (plus ``atol``); for relevance methods (``conserves_output``) to F(x) itself.

With several attributed inputs (a tuple), ``shape``, ``finite`` and
``non_zero`` are checked for each input (``Check.input`` says which), and
completeness sums the attributions of all of them.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .explanation import Check


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 0.05
    atol: float = 1e-4


def check_shape(attributions, expected: tuple | None, batch: int) -> Check:
    shape = tuple(attributions.shape)
    if expected is None:
        ok = attributions.dim() > 0 and shape[0] == batch
        return Check("shape", ok, f"{shape}, {batch} rows expected", shape)
    ok = shape == tuple(expected)
    return Check("shape", ok, f"{shape}" if ok else f"{shape}, expected {tuple(expected)}", shape)


def all_finite(values: torch.Tensor) -> bool:
    """Whether every value is finite. The sum is finite exactly when they are, unless it overflows: one
    reduction and no boolean copy (a tenth of ``isfinite(...).all()``'s time at 4x3x224x224); the
    element-wise test runs only when the sum is not finite."""
    return bool(torch.isfinite(values.sum())) or bool(torch.isfinite(values).all())


def check_finite(attributions) -> Check:
    if all_finite(attributions):
        return Check("finite", True, "all values finite", 0)
    bad = int((~torch.isfinite(attributions)).sum())
    return Check("finite", bad == 0, "all values finite" if bad == 0 else f"{bad} values are NaN or infinite", bad)


def check_non_zero(attributions) -> Check:
    zero_rows = (attributions.reshape(attributions.shape[0], -1) == 0).all(dim=1)
    samples = zero_rows.nonzero().flatten().tolist()
    if samples:
        return Check("non_zero", False, f"attributions are all zero for samples {samples}", samples)
    return Check("non_zero", True, "every sample has a non-zero attribution", [])


def _pick(output, target):
    output = output.reshape(output.shape[0], -1)
    if target is None:
        return output[:, 0]
    return output.gather(1, target.reshape(-1, 1).to(output.device)).squeeze(1)


def check_completeness(attributions, scores, baseline_scores, target, tolerance: Tolerance,
                       hint: str = "raise n_steps or check the baseline") -> Check:
    """Sum of attributions per sample against F(x) - F(baseline)."""
    delta = (_pick(scores, target) - _pick(baseline_scores, target)).double()
    total = attributions.reshape(attributions.shape[0], -1).double().sum(dim=1).to(delta.device)
    error = (total - delta).abs()
    allowed = tolerance.rtol * delta.abs() + tolerance.atol
    relative = (error / delta.abs().clamp_min(1e-12)).max().item()
    ok = bool((error <= allowed).all())
    message = f"max relative error {relative:.3g} (rtol {tolerance.rtol:g}, atol {tolerance.atol:g})"
    if not ok:
        message += f": {hint}"
    return Check("completeness", ok, message, relative)


def _baseline_scores(model, baselines):
    """F(baseline) for the batch; one row suffices when every row is the same view (stride 0)."""
    if isinstance(baselines, torch.Tensor) and baselines.dim() and baselines.stride(0) == 0 and not model.forward_args:
        scores = model(baselines[:1])
        return scores.expand(baselines.shape[0], *scores.shape[1:])
    return model.on(baselines, *model.forward_args)


def _per_input(attributions, inputs, expected) -> list[Check]:
    """``shape``, ``finite`` and ``non_zero`` on the attributions of one input."""
    checks = [check_shape(attributions, expected, inputs.shape[0])]
    if not attributions.is_floating_point():
        return checks + [Check("finite", False, f"attributions have dtype {attributions.dtype}, not floating point")]
    return checks + [check_finite(attributions), check_non_zero(attributions)]


def validate(explainer, attributions, inputs, params, model, scores, target, tolerance: Tolerance) -> list[Check]:
    """Run every check that applies to ``explainer``'s result; never raises on a failed check."""
    expected = explainer.expected_shape(inputs, params)
    if isinstance(inputs, tuple):
        if not isinstance(attributions, tuple) or len(attributions) != len(inputs):
            got = f"{len(attributions)} tensors" if isinstance(attributions, tuple) else "one tensor"
            return [Check("shape", False, f"{got} for {len(inputs)} inputs: one attribution tensor per input expected")]
        checks = []
        for index, (values, x) in enumerate(zip(attributions, inputs)):
            for check in _per_input(values, x, None if expected is None else expected[index]):
                check.input = index
                checks.append(check)
        total = sum(values.reshape(values.shape[0], -1).double().sum(dim=1) for values in attributions)
    else:
        checks = _per_input(attributions, inputs, expected)
        total = attributions
    if not all(c.passed for c in checks if c.name == "shape") or not explainer.completeness:
        return checks
    if not all(a.is_floating_point() for a in (attributions if isinstance(attributions, tuple) else (attributions,))):
        return checks
    if explainer.conserves_output:
        baseline_scores = torch.zeros_like(scores)
    else:
        baseline_scores = explainer.reference_scores(model, inputs, params)
    if baseline_scores is None:
        baselines = explainer.baselines(inputs, params)
        if baselines is None:
            return checks
        with torch.no_grad():
            baseline_scores = _baseline_scores(model, baselines)
    checks.append(check_completeness(total, scores, baseline_scores, target, tolerance, explainer.completeness_hint))
    return checks
