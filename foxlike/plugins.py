"""Plugin discovery, failure isolation, and the registry of what plugins contribute.

Plugins come from the ``foxlike`` entry-point group, foxlike's built-in ones
included. Two environment variables choose which load, before anything is
imported:

- ``FOXLIKE_PLUGINS=cv,my_plugin`` loads only the named plugins
  (an empty value loads none);
- ``FOXLIKE_DISABLE_PLUGINS=nlp`` blocks the named plugins.

Names are entry-point names or distribution names. A plugin that fails to
import, or raises in a registration hook, is recorded with its cause and
warned about; the others still load.
"""
from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginConflictError, PluginError, UnknownNameError

ENTRY_POINT_GROUP = "foxlike"
ONLY_ENV = "FOXLIKE_PLUGINS"
BLOCK_ENV = "FOXLIKE_DISABLE_PLUGINS"
CORE_PLUGINS = ("foxlike.explainer", "foxlike.targets", "foxlike.outputs")


@dataclass
class Plugin:
    """A plugin as ``foxlike plugins`` reports it."""

    name: str
    distribution: str
    version: str
    status: str  # "loaded", "blocked" or "failed"
    error: str = ""
    contributes: dict[str, list[str]] = field(default_factory=dict)


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


_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None
_plugins: dict[str, Plugin] = {}
_registry: Registry | None = None


def _names_from_env(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _foxlike_version() -> str:
    from . import __version__

    return __version__


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    only, blocked = _names_from_env(ONLY_ENV), _names_from_env(BLOCK_ENV) or set()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        if ep.name in _plugins or manager.is_registered(ep.name):
            continue  # the same distribution seen twice on sys.path
        names = {ep.name, dist}
        if names & blocked or (only is not None and not names & only):
            manager.set_blocked(ep.name)
            _plugins[ep.name] = Plugin(ep.name, dist, version, "blocked")
            continue
        try:
            manager.register(ep.load(), name=ep.name)
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not stop the rest
            cause = f"{type(exc).__name__}: {exc}"
            _plugins[ep.name] = Plugin(ep.name, dist, version, "failed", cause)
            warnings.warn(f"foxlike plugin {ep.name!r} ({dist}) failed to load: {cause}", stacklevel=3)
            continue
        _plugins[ep.name] = Plugin(ep.name, dist, version, "loaded")


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, with every enabled plugin loaded."""
    global _manager
    with _lock:
        if _manager is None:
            import importlib

            manager = pluggy.PluginManager("foxlike")
            manager.add_hookspecs(hookspecs)
            for module_name in CORE_PLUGINS:
                manager.register(importlib.import_module(module_name), name=module_name)
            _load_entry_points(manager)
            _manager = manager
        return _manager


def _plugin_record(name: str) -> Plugin:
    if name not in _plugins:
        core = name in CORE_PLUGINS
        _plugins[name] = Plugin(name, "foxlike" if core else name, _foxlike_version() if core else "", "loaded")
    return _plugins[name]


def _collect(manager: pluggy.PluginManager) -> Registry:
    registry = Registry()
    kinds = {
        "explainers": manager.hook.register_explainers,
        "targets": manager.hook.register_targets,
        "outputs": manager.hook.register_outputs,
        "metrics": manager.hook.register_metrics,
    }
    for kind, caller in kinds.items():
        table = getattr(registry, kind)
        for impl in caller.get_hookimpls():
            record = _plugin_record(impl.plugin_name)

            def register(name_or_obj, obj=None, *, _table=table, _record=record, _kind=kind):
                if obj is None:  # register(SomeClass): the class carries its name
                    obj = name_or_obj
                    name_or_obj = getattr(obj, "name", "")
                if not name_or_obj:
                    raise PluginError(f"Plugin {_record.name!r} registered {obj!r} without a name")
                if name_or_obj in _table:
                    first = _table[name_or_obj]
                    raise PluginConflictError(
                        f"Two plugins register the {_kind[:-1]} {name_or_obj!r}: plugin {first.plugin!r} "
                        f"from distribution {first.distribution!r} and plugin {_record.name!r} from "
                        f"distribution {_record.distribution!r}. Uninstall one, or block one with "
                        f"{BLOCK_ENV}={_record.name}."
                    )
                _table[name_or_obj] = Registered(name_or_obj, obj, _record.name, _record.distribution)
                _record.contributes.setdefault(_kind, []).append(name_or_obj)

            try:
                impl.function(register=register)
            except PluginConflictError:
                raise
            except Exception as exc:  # noqa: BLE001 - isolate the failing plugin
                cause = f"{type(exc).__name__}: {exc}"
                record.status, record.error = "failed", cause
                warnings.warn(f"foxlike plugin {record.name!r} failed in register_{kind}: {cause}", stacklevel=3)
    return registry


def registry() -> Registry:
    """Everything the loaded plugins contribute, collected once and cached."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = _collect(plugin_manager())
        return _registry


def plugins() -> list[Plugin]:
    """Every plugin foxlike knows of: loaded, blocked or failed."""
    with _lock:
        registry()
        return sorted(_plugins.values(), key=lambda p: (p.name not in CORE_PLUGINS, p.name))


def lookup(kind: str, name: str) -> Any:
    """The object registered as ``name`` in ``kind`` ("explainers", "targets", ...)."""
    table = getattr(registry(), kind)
    if name not in table:
        raise UnknownNameError(kind[:-1], name, list(table))
    return table[name].obj


def register(plugin: object, name: str | None = None) -> str:
    """Register a plugin object in this process (tests, notebooks); returns its name."""
    global _registry
    with _lock:
        registered = plugin_manager().register(plugin, name=name)
        _registry = None
        return registered


def unregister(name: str) -> None:
    global _registry
    with _lock:
        plugin_manager().unregister(name=name)
        _plugins.pop(name, None)
        _registry = None


def reset() -> None:
    """Forget every plugin, so the next use discovers them again (after the environment changed)."""
    global _manager, _registry
    with _lock:
        _manager, _registry = None, None
        _plugins.clear()
