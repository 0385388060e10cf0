"""Remembering what a probe forward pass found out about a model.

Layer methods look for the last conv layer that runs, and IG measures what
one scaled input costs; both run the model once on one sample. In a serving
loop that is the same answer every call, so it is kept per model (weakly:
it goes when the model goes) and per input signature, and dropped when the
model's modules change.
"""
from __future__ import annotations

import threading
import weakref
from typing import Any, Callable

import torch

_found: "weakref.WeakKeyDictionary[torch.nn.Module, dict]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def signature(tensor) -> tuple:
    return (tuple(tensor.shape[1:]), tensor.dtype, tensor.device) if isinstance(tensor, torch.Tensor) else (repr(tensor),)


def remembered(model: torch.nn.Module, question: tuple, answer: Callable[[], Any]) -> Any:
    """``answer()`` the first time ``question`` is asked of this model as it is now; the kept answer after."""
    key = (tuple(map(id, model.modules())), question)
    with _lock:
        known = _found.setdefault(model, {})
        if key in known:
            return known[key]
    value = answer()
    with _lock:
        known = _found.setdefault(model, {})
        if len(known) > 64:
            known.clear()
        known[key] = value
    return value
