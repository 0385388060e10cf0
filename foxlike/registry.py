"""Names to things: what the loaded plugins registered as explainers, metrics, targets and outputs.

:func:`collect` asks every plugin's registration hooks once, through a
``register`` callback per kind, and refuses a name registered twice with an
error naming both distributions. :mod:`foxlike.plugins` keeps the result for
the process.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import pluggy

from .errors import PluginConflictError, PluginError, UnknownNameError

#: The kinds of thing a plugin registers, each with its own hook (``register_<kind>``).
KINDS = ("explainers", "targets", "outputs", "metrics")
#: The environment variable whose mention in a conflict error tells how to block one plugin.
BLOCK_HINT = "FOXLIKE_DISABLE_PLUGINS"


@dataclass
class Registered:
    """Something a plugin registered, and where it came from."""

    name: str
    obj: Any
    plugin: str
    distribution: str


@dataclass
class Registry:
    explainers: dict[str, Registered] = field(default_factory=dict)
    targets: dict[str, Registered] = field(default_factory=dict)
    outputs: dict[str, Registered] = field(default_factory=dict)
    metrics: dict[str, Registered] = field(default_factory=dict)

    def lookup(self, kind: str, name: str) -> Any:
        """The object registered as ``name`` in ``kind`` ("explainers", "targets", ...)."""
        table = getattr(self, kind)
        if name not in table:
            raise UnknownNameError(kind[:-1], name, list(table))
        return table[name].obj


def _register_callback(table: dict, kind: str, record) -> Callable:
    """The ``register`` a plugin's hook receives: ``register(Class)`` or ``register(name, obj)``."""

    def register(name_or_obj, obj=None):
        if obj is None:  # register(SomeClass): the class carries its name
            obj = name_or_obj
            name_or_obj = getattr(obj, "name", "")
        if not name_or_obj:
            raise PluginError(f"Plugin {record.name!r} registered {obj!r} without a name")
        if name_or_obj in table:
            first = table[name_or_obj]
            raise PluginConflictError(
                f"Two plugins register the {kind[:-1]} {name_or_obj!r}: plugin {first.plugin!r} "
                f"from distribution {first.distribution!r} and plugin {record.name!r} from "
                f"distribution {record.distribution!r}. Uninstall one, or block one with "
                f"{BLOCK_HINT}={record.name}."
            )
        table[name_or_obj] = Registered(name_or_obj, obj, record.name, record.distribution)
        record.contributes.setdefault(kind, []).append(name_or_obj)

    return register


def collect(manager: pluggy.PluginManager, record_for: Callable[[str], Any]) -> Registry:
    """Call every registration hook once; ``record_for(plugin_name)`` gives the plugin's record
    (:class:`foxlike.plugins.Plugin`), which learns what it contributes or why it failed."""
    registry = Registry()
    for kind in KINDS:
        table = getattr(registry, kind)
        for impl in getattr(manager.hook, f"register_{kind}").get_hookimpls():
            record = record_for(impl.plugin_name)
            try:
                impl.function(register=_register_callback(table, kind, record))
            except PluginConflictError:
                raise
            except Exception as exc:  # noqa: BLE001 - isolate the failing plugin
                cause = f"{type(exc).__name__}: {exc}"
                record.status, record.error = "failed", cause
                warnings.warn(f"foxlike plugin {record.name!r} failed in register_{kind}: {cause}", stacklevel=4)
    return registry
