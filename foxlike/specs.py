"""Plugin parts as users name them, resolved once: explainers and metrics with their parameters.

Users give one name, a list of names, or a mapping from name to parameters
(``{"cv.integrated_gradients": {"n_steps": 200}}``), in Python, in a TOML
config and on the command line alike; classes may stand in for names. Each
becomes a :class:`Spec`, looked up in the registry and checked against the
class's parameters once, before any work: a run, a dataset job and every
batch of it then share the same specs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import ParameterError


@dataclass(frozen=True)
class Spec:
    """One explainer or metric to run: its registered name, its class, an instance, its parameters."""

    name: str
    cls: type
    params: dict = field(default_factory=dict)

    @property
    def instance(self):
        """An instance of ``cls`` (explainers and metrics keep no state between calls)."""
        return self.cls()


def by_name(specs, what: str = "explainers") -> dict[Any, dict]:
    """``specs`` (a name or class, a list of them, or a mapping to parameters) as ``{name: parameters}``.

    :class:`Spec` items keep their own name and parameters.
    """
    if specs is None:
        return {}
    if isinstance(specs, (str, type, Spec)):
        specs = [specs]
    if isinstance(specs, Mapping):
        items = list(specs.items())
    elif isinstance(specs, (list, tuple)):
        items = [(spec.name, spec.params) if isinstance(spec, Spec) else (spec, {}) for spec in specs]
    else:
        raise ParameterError(f"{what} must be a name, a list of names or a mapping from name to parameters, "
                             f"got {type(specs).__name__}.")
    normalised = {}
    for name, params in items:
        if params is not None and not isinstance(params, Mapping):
            raise ParameterError(f"The parameters of {name!r} must be a mapping (a dict or a TOML table), "
                                 f"got {type(params).__name__}.")
        normalised[name] = dict(params or {})
    return normalised


def resolve(specs, kind: str, base: type) -> list[Spec]:
    """Every entry of ``specs`` as a checked :class:`Spec`; ``kind`` is the registry's ("explainers",
    "metrics") and ``base`` the class each must subclass."""
    from .plugins import lookup

    if isinstance(specs, (list, tuple)) and all(isinstance(s, Spec) for s in specs):
        return list(specs)  # resolved already: a job's specs reused for every batch
    resolved = []
    for spec, params in by_name(specs, kind).items():
        if isinstance(spec, str):
            cls = lookup(kind, spec)
        elif isinstance(spec, type):
            cls = spec
        else:
            raise ParameterError(f"{kind} are named by their registered name (or given as classes), got {spec!r}.")
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise ParameterError(f"{spec!r} is not a foxlike.{base.__name__} subclass.")
        cls.check_parameters(params)
        resolved.append(Spec(cls.name if isinstance(spec, type) else spec, cls, params))
    return resolved
