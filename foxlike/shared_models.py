"""One model explained from several threads at once, without one thread undoing another's setup.

Every ``with foxlike.explain(model)`` block joins the model's shared record.
The first block to enter captures the model's state and switches it to
``eval()``; the last to leave restores it. While any block is open the model
stays in eval mode: one thread's exit can no longer put the model back into
training mode while another is mid-forward (measured on main before this:
four threads left a train-mode model in eval mode, and in one run of three
overwrote 60 BatchNorm buffers).

The forward pass and the explainers of each call run under the model's own
lock: explainers put hooks on the model's modules (Grad-CAM, Layer IG,
DeepLIFT), and two threads' hooks on one module see each other's
activations. Calls on one model are therefore one at a time; separate models
have separate locks and run in parallel.
"""
from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

from .model_state import ModelState


@dataclass
class _Shared:
    calls: threading.RLock = field(default_factory=threading.RLock)
    blocks: int = 0
    state: ModelState | None = None


_records: "weakref.WeakKeyDictionary[torch.nn.Module, _Shared]" = weakref.WeakKeyDictionary()
_records_lock = threading.Lock()


def _record(model: torch.nn.Module) -> _Shared:
    with _records_lock:
        record = _records.get(model)
        if record is None:
            record = _records[model] = _Shared()
        return record


def enter(model: torch.nn.Module) -> None:
    """A block opens on ``model``: the first captures its state and puts it in eval mode."""
    record = _record(model)
    with record.calls:
        if record.blocks == 0:
            record.state = ModelState.capture(model)
            model.eval()
        record.blocks += 1


def leave(model: torch.nn.Module) -> None:
    """A block closes on ``model``: the last restores the state captured by the first."""
    record = _record(model)
    with record.calls:
        record.blocks -= 1
        if record.blocks == 0:
            state, record.state = record.state, None
            state.restore()


@contextmanager
def calling(model: torch.nn.Module):
    """Hold ``model`` for one call's forward pass and explainers (re-entrant within a thread)."""
    record = _record(model)
    with record.calls:
        yield
