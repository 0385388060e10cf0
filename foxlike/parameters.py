"""Reading a plugin method's keyword parameters, which are what users may pass to it."""
from __future__ import annotations

import inspect
from typing import Any, Callable

from .errors import ParameterError


def summary(cls: type) -> str:
    """The first line of a class's docstring: what users see in listings."""
    doc = inspect.getdoc(cls) if cls.__doc__ else ""
    return doc.splitlines()[0] if doc else ""


def keyword_parameters(function: Callable, skip: int) -> dict[str, Any]:
    """The parameters after the first ``skip`` (self included) and their defaults."""
    return {
        p.name: (None if p.default is inspect.Parameter.empty else p.default)
        for p in list(inspect.signature(function).parameters.values())[skip:]
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    }


def check_keywords(owner: str, function: Callable, skip: int, params: dict) -> None:
    """Reject ``params`` that ``function`` does not take (anything goes if it takes ``**kwargs``)."""
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in inspect.signature(function).parameters.values()):
        return
    known = keyword_parameters(function, skip)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ParameterError(
            f"{owner} does not take parameter(s) {', '.join(unknown)}. "
            f"Its parameters are: {', '.join(known) or '(none)'}."
        )
