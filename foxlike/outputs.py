"""What is attributed: the model's raw output or a transform of it.

The transforms are registered through the ``register_outputs`` hook, so a
config file names them and a plugin can add more.
"""
from __future__ import annotations

from typing import Callable

from .errors import InputError, ParameterError
from .hookspecs import hookimpl
from .plugins import lookup


def logits(output):
    """The model's output as a tensor; Hugging Face style outputs give their ``.logits``."""
    if hasattr(output, "dim"):
        return output
    if getattr(output, "logits", None) is not None:
        return output.logits
    raise InputError(
        f"The model returned a {type(output).__name__}, not a tensor, and foxlike cannot tell which part "
        "to explain. Pass output=<callable> that picks the scores, for example "
        "output=lambda out: out[0] or output=lambda out: out['scores']."
    )


@hookimpl
def register_outputs(register):
    register("logits", logits)
    register("softmax", lambda output: logits(output).softmax(dim=-1))
    register("log_softmax", lambda output: logits(output).log_softmax(dim=-1))
    register("sigmoid", lambda output: logits(output).sigmoid())


def resolve_output(output: str | Callable) -> tuple[str, Callable]:
    """Return ``(name, transform)`` for a registered name or a callable."""
    if callable(output):
        return getattr(output, "__name__", repr(output)), output
    if not isinstance(output, str):
        raise ParameterError(
            f"output must be a registered name (such as 'logits' or 'softmax') or a callable, got {output!r}"
        )
    return output, lookup("outputs", output)
