"""The rows of a model's forward arguments that belong to some of its samples.

Explainers call the model on parts of a batch (one sample for a probe, some
rows for adaptive steps, one image at a time for LIME) or on many perturbed
copies of one sample. Every forward argument batched with the inputs (a
tensor whose first dimension is the batch size, such as an attention mask)
must follow; any other argument (a flag, a tensor shared by all samples)
passes unchanged.
"""
from __future__ import annotations

from typing import Any

import torch


def is_batched(value: Any, batch: int) -> bool:
    """Whether ``value`` is a tensor holding one row per sample of a batch of ``batch``."""
    return isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape[0] == batch


def rows_of(forward_args: tuple, rows, batch: int) -> tuple:
    """``forward_args`` cut to ``rows`` (an index, slice or index tensor) of a batch of ``batch``."""
    return tuple(a[rows] if is_batched(a, batch) else a for a in forward_args)


def repeated(forward_args: tuple, count: int) -> tuple:
    """The forward arguments of one sample, repeated for ``count`` copies of it (views, no copy)."""
    return tuple(a.expand(count, *a.shape[1:]) if isinstance(a, torch.Tensor) and a.dim() else a
                 for a in forward_args)


def as_tuple(inputs) -> tuple:
    """Attributed inputs as a tuple: one tensor, or several (an image and its metadata)."""
    return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)


def select(inputs, rows):
    """``rows`` of every attributed input: a tensor, or a tuple of them."""
    return tuple(x[rows] for x in inputs) if isinstance(inputs, tuple) else inputs[rows]


def gradient_leaves(inputs):
    """The attributed inputs as leaves that require grad: detached views (no copy), so that the caller's
    tensors are never touched and Captum does not warn, on every call, that it had to turn gradients on
    ("Input Tensor 0 did not already require gradients"): foxlike sets up the inputs, so that was noise."""
    if isinstance(inputs, tuple):
        return tuple(gradient_leaves(x) for x in inputs)
    return inputs.detach().requires_grad_() if inputs.is_floating_point() else inputs
