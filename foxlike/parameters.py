"""Reading and checking a plugin method's keyword parameters, which are what users may pass to it.

The parameters are the keyword arguments of ``Explainer.calculate_features``
(after ``target``) or ``Metric.compute``. Their annotations are the schema:
``n_steps: Annotated[int, Bounds(1, 100_000)] = 50`` (the toolkit's ``Steps``,
:mod:`foxlike.toolkit.parameter_types`) says that a user's ``n_steps`` must be
an int from 1 to 100,000, and a value that is not is refused before any work,
with a message that says what it must be. Plain types, unions,
``Literal[...]``, ``torch.Tensor`` and ``Annotated[..., Bounds(...)]`` are
checked; other annotations, and parameters without one, pass as given.
"""
from __future__ import annotations

import functools
import inspect
import math
import typing
from typing import Any, Callable

from .errors import ParameterError
from .toolkit.bounds import Bounds


def summary(cls: type) -> str:
    """The first line of a class's docstring: what users see in listings."""
    doc = inspect.getdoc(cls) if cls.__doc__ else ""
    return doc.splitlines()[0] if doc else ""


@functools.lru_cache(maxsize=1024)
def _parameters(function: Callable) -> tuple[inspect.Parameter, ...]:
    """``function``'s parameters, read once: a class's method does not change between calls (reading a
    signature on every ``foxlike.explain`` was a tenth of the fixed cost of a call on a small model)."""
    return tuple(inspect.signature(function).parameters.values())


def keyword_parameters(function: Callable, skip: int) -> dict[str, Any]:
    """The parameters after the first ``skip`` (self included) and their defaults."""
    return {
        p.name: (None if p.default is inspect.Parameter.empty else p.default)
        for p in _parameters(function)[skip:]
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    }


@functools.lru_cache(maxsize=1024)
def _hints(function: Callable) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function, include_extras=True)
    except Exception:  # noqa: BLE001 - an annotation that does not resolve is not checked
        return {}


def _matches(value, hint) -> bool:
    """Whether ``value`` is of the annotated type (as far as foxlike checks types)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is inspect.Parameter.empty:
        return True
    if origin is typing.Annotated:
        bounds = [a for a in args[1:] if isinstance(a, Bounds)]
        return _matches(value, args[0]) and all(b.holds(value) for b in bounds)
    if origin is typing.Union or type(hint).__name__ == "UnionType":
        return any(_matches(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if hint is type(None) or hint is None:
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if origin in (list, tuple, dict, set):
        return isinstance(value, origin)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # Callable, protocols, forward references: not checked


def describe(hint) -> str:
    """What a value of annotation ``hint`` must be, in words."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:
        bounds = " ".join(str(a) for a in args[1:] if isinstance(a, Bounds))
        return f"{describe(args[0])} {bounds}".strip()
    if origin is typing.Union or type(hint).__name__ == "UnionType":
        return " or ".join(describe(a) for a in args)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if hint is type(None) or hint is None:
        return "None"
    names = {bool: "true or false", int: "an int", float: "a number", str: "a string"}
    if hint in names:
        return names[hint]
    name = getattr(hint, "__name__", None) or str(hint)
    return f"a {name}"


def check_keywords(owner: str, function: Callable, skip: int, params: dict) -> None:
    """Reject ``params`` that ``function`` does not take (anything goes if it takes ``**kwargs``) or whose
    values its annotations refuse."""
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in _parameters(function)):
        known = keyword_parameters(function, skip)
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ParameterError(
                f"{owner} does not take parameter(s) {', '.join(unknown)}. "
                f"Its parameters are: {', '.join(known) or '(none)'}."
            )
    hints = _hints(function)
    for name, value in params.items():
        if name in hints and not _matches(value, hints[name]):
            raise ParameterError(f"{owner}: {name}={value!r} is not valid: {name} must be {describe(hints[name])}.")
