"""Integrated Gradients on image inputs, bounded in memory, optionally adaptive in steps."""
from __future__ import annotations

from typing import Literal

import torch

import foxlike
from foxlike.toolkit.parameter_types import ChunkSize, Count, MemoryBudget, NonNegative, PathMethod, Reference, Steps
from foxlike.toolkit.chunking import rows_per_chunk
from foxlike.toolkit.quadrature import weight_correction
from foxlike.toolkit.rows import rows_of

from .baselines import reference, reference_tensor


def chunk_size(model, inputs, n_steps, internal_batch_size, memory_budget_mb):
    """Captum's ``internal_batch_size``, with ``"auto"`` chosen from the memory budget."""
    if internal_batch_size == "auto":
        return rows_per_chunk(model, inputs, n_steps, memory_budget_mb)
    return internal_batch_size


class IntegratedGradients(foxlike.Explainer):
    """Integrated Gradients: gradients averaged along the straight path from a reference image.

    ``baselines`` is the reference (a number or a tensor; 0.0 by default).
    ``internal_batch_size="auto"`` (the default) sizes Captum's chunks from
    ``memory_budget_mb`` (half the free GPU memory, or 512 MiB on the CPU, when
    not given). ``adaptive_rtol`` doubles ``n_steps``, per sample, until the
    completeness error is under that relative tolerance or ``max_steps`` is
    reached; the steps used and the error reached are in ``extras``.
    ``method="riemann_trapezoid"`` is the trapezoid rule (:mod:`foxlike.toolkit.quadrature`).
    """

    name = "cv.integrated_gradients"
    modality = "cv"
    accepts = "tensors"  # any float inputs: gradients need no image shape
    completeness = True

    def calculate_features(self, model, inputs, target, baselines: Reference = 0.0, n_steps: Steps = 50,
                           method: PathMethod = "gausslegendre", internal_batch_size: ChunkSize = "auto",
                           memory_budget_mb: MemoryBudget = None, adaptive_rtol: NonNegative | None = None,
                           max_steps: Steps = 1024):
        from captum.attr import IntegratedGradients as CaptumIG

        ig = CaptumIG(model)
        reference_ = reference(inputs, baselines)

        def attribute(rows, steps):
            ref = reference_ if isinstance(reference_, float) else reference_[rows]
            args = rows_of(model.forward_args, rows, inputs.shape[0])
            return ig.attribute(
                inputs[rows], baselines=ref, target=None if target is None else target[rows],
                additional_forward_args=args or None, n_steps=steps, method=method,
                internal_batch_size=chunk_size(model, inputs[rows], steps, internal_batch_size, memory_budget_mb),
            ) * weight_correction(method, steps)

        everything = slice(None)
        if adaptive_rtol is None:
            return attribute(everything, n_steps)
        return _adaptive(attribute, model, inputs, target, reference_tensor(inputs, baselines), n_steps,
                         adaptive_rtol, max_steps)

    def baselines(self, inputs, params):
        return reference_tensor(inputs, params.get("baselines", 0.0))


def _adaptive(attribute, model, inputs, target, baseline, n_steps, rtol, max_steps):
    """Double the steps for the samples whose completeness error is still above ``rtol``."""
    with torch.no_grad():
        scores = model(inputs, *model.forward_args) - model(baseline, *model.forward_args)
    scores = scores.reshape(inputs.shape[0], -1)
    expected = scores[:, 0] if target is None else scores.gather(1, target[:, None]).squeeze(1)
    attributions = torch.zeros_like(inputs)
    steps = torch.zeros(inputs.shape[0], dtype=torch.long)
    error = torch.full((inputs.shape[0],), float("inf"))
    pending = torch.arange(inputs.shape[0], device=inputs.device)
    current = n_steps
    while len(pending):
        result = attribute(pending, current).detach()
        attributions[pending] = result
        delta = result.reshape(len(pending), -1).sum(dim=1) - expected[pending]
        relative = (delta.abs() / expected[pending].abs().clamp_min(1e-12)).cpu()
        error[pending.cpu()] = relative.to(error.dtype)
        steps[pending.cpu()] = current
        pending = pending[(relative > rtol).to(pending.device)]
        if current >= max_steps:
            break
        current = min(2 * current, max_steps)
    return foxlike.Features(attributions, {"n_steps": steps.tolist(), "relative_error": error.tolist(),
                                           "adaptive_rtol": rtol, "converged": bool((error <= rtol).all())})


class IntegratedGradientsSmoothGrad(foxlike.Explainer):
    """SmoothGrad over Integrated Gradients: IG averaged over noisy copies of each image.

    ``nt_type`` ("smoothgrad", "smoothgrad_sq", "vargrad"), ``nt_samples`` and
    ``stdevs`` are Captum's NoiseTunnel parameters.
    """

    name = "cv.integrated_gradients_smoothgrad"
    modality = "cv"
    accepts = "tensors"  # any float inputs: gradients need no image shape

    def calculate_features(self, model, inputs, target, baselines: Reference = 0.0, n_steps: Steps = 32,
                           method: PathMethod = "gausslegendre",
                           nt_type: Literal["smoothgrad", "smoothgrad_sq", "vargrad"] = "smoothgrad",
                           nt_samples: Count = 8, stdevs: NonNegative = 0.1, internal_batch_size: ChunkSize = "auto",
                           memory_budget_mb: MemoryBudget = None):
        from captum.attr import IntegratedGradients as CaptumIG
        from captum.attr import NoiseTunnel

        rows = n_steps * nt_samples
        smoothed = NoiseTunnel(CaptumIG(model)).attribute(
            inputs, nt_type=nt_type, nt_samples=nt_samples, stdevs=stdevs, baselines=reference(inputs, baselines),
            target=target, additional_forward_args=model.additional_forward_args, n_steps=n_steps, method=method,
            internal_batch_size=chunk_size(model, inputs, rows, internal_batch_size, memory_budget_mb),
        )
        # a mean of attributions scales with them; smoothgrad_sq and vargrad (squares) with their square
        return smoothed * weight_correction(method, n_steps) ** (1 if nt_type == "smoothgrad" else 2)
