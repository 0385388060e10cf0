"""What is attributed: the model's raw output or a transform of it.

The transforms are registered through the ``register_outputs`` hook (the
built-in ones in :mod:`foxlike.builtin`), so a config file names them and a
plugin can add more.
"""
from __future__ import annotations

from typing import Callable

from .errors import ParameterError
from .plugins import lookup


def resolve_output(output: str | Callable) -> tuple[str, Callable]:
    """Return ``(name, transform)`` for a registered name or a callable."""
    if callable(output):
        return getattr(output, "__name__", repr(output)), output
    if not isinstance(output, str):
        raise ParameterError(
            f"output must be a registered name (such as 'logits' or 'softmax') or a callable, got {output!r}"
        )
    return output, lookup("outputs", output)
