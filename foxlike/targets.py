"""What to explain: turning the user's ``target`` into one class index per sample.

Accepted: an int (every sample), a per-sample list, tuple or tensor, a
callable ``f(output) -> indices``, or a name registered through the
``register_targets`` hook (``"argmax"`` and ``"argmin"`` in :mod:`foxlike.builtin`). ``None`` on a
multi-class output means argmax, and the result says so.
"""
from __future__ import annotations

from typing import Any

from .errors import TargetError
from .plugins import lookup


def _describe(target: Any) -> str:
    if isinstance(target, str):
        return target
    if callable(target):
        return getattr(target, "__name__", "callable")
    return "given"


def resolve_target(target: Any, output) -> tuple[Any, str]:
    """Return ``(indices, source)`` for ``target`` against a batch ``output``.

    ``indices`` is a 1-D long tensor with one class index per sample, or
    ``None`` when the model has a single output per sample. ``source`` says
    where the indices came from, for the result ("argmax (default)", ...).
    """
    import torch

    if output.dim() == 0:
        raise TargetError("The model returned a scalar; foxlike needs one output row per sample.")
    batch = output.shape[0]
    single = output.dim() == 1 or (output.dim() == 2 and output.shape[1] == 1)
    if target is None:
        if single:
            return (None if output.dim() == 1 else torch.zeros(batch, dtype=torch.long)), "single output"
        return output.detach().argmax(dim=-1).reshape(batch), "argmax (default)"
    if output.dim() == 1:
        raise TargetError(
            f"The model returns one value per sample (output shape {tuple(output.shape)}), so there is no "
            f"class to choose: pass target=None instead of {target!r}."
        )
    source = _describe(target)
    if isinstance(target, str):
        target = lookup("targets", target)
    if callable(target):
        with torch.no_grad():
            target = target(output.detach())
    if output.dim() > 2:
        raise TargetError(
            f"Output of shape {tuple(output.shape)} has more than one class dimension; "
            "pass output=<callable> that reduces it to (batch, classes)."
        )
    indices = _as_indices(target, batch, output.device)
    classes = output.shape[-1]
    bad = (indices < 0) | (indices >= classes)
    if bad.any():
        first = int(indices[bad][0])
        raise TargetError(
            f"Target index {first} is out of range for an output with {classes} classes "
            f"(valid: 0 to {classes - 1})."
        )
    return indices, source


def _as_indices(target: Any, batch: int, device) -> Any:
    import torch

    if isinstance(target, bool) or (isinstance(target, float) and not float(target).is_integer()):
        raise TargetError(f"Target must be a class index, got {target!r}.")
    try:
        indices = torch.as_tensor(target, device=device)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TargetError(
            f"Cannot read target {target!r} as class indices ({exc}). Pass an int, one int per sample, "
            "a callable, or a registered name such as 'argmax'."
        ) from None
    if indices.is_floating_point() or indices.is_complex() or indices.dtype == torch.bool:
        if indices.is_floating_point() and torch.equal(indices, indices.round()):
            indices = indices.long()
        else:
            raise TargetError(f"Target must hold integer class indices, got dtype {indices.dtype}.")
    indices = indices.long()
    if indices.dim() == 0:
        return indices.expand(batch).clone()
    indices = indices.reshape(-1) if indices.dim() == 2 and 1 in indices.shape else indices
    if indices.dim() != 1 or indices.shape[0] != batch:
        raise TargetError(
            f"Target has {indices.numel()} entries for a batch of {batch} samples: "
            f"pass one class index per sample, or a single int for all."
        )
    return indices
