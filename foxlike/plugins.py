"""Plugin discovery, failure isolation, and enabling or blocking plugins.

Plugins come from the ``foxlike`` entry-point group, foxlike's built-in ones
included; the core's own hook implementations (:mod:`foxlike.builtin`) are
registered first, through the same hooks. Two environment variables choose
which load, before anything is imported:

- ``FOXLIKE_PLUGINS=cv,my_plugin`` loads only the named plugins
  (an empty value loads none);
- ``FOXLIKE_DISABLE_PLUGINS=nlp`` blocks the named plugins.

Names are entry-point names or distribution names. A plugin that fails to
import, or raises in a registration hook, is recorded with its cause and
warned about; the others still load. What they register is collected once
per process into a :class:`foxlike.registry.Registry`.
"""
from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from typing import Any

import pluggy

import foxlike.builtin as builtin
import foxlike.hookspecs as hookspecs
from .registry import BLOCK_HINT, Registry, collect

ENTRY_POINT_GROUP = "foxlike"
ONLY_ENV = "FOXLIKE_PLUGINS"
BLOCK_ENV = BLOCK_HINT
#: The name the core's own hook implementations are registered under.
CORE_PLUGIN = "foxlike.builtin"


@dataclass
class Plugin:
    """A plugin as ``foxlike plugins`` reports it."""

    name: str
    distribution: str
    version: str
    status: str  # "loaded", "blocked" or "failed"
    error: str = ""
    contributes: dict[str, list[str]] = field(default_factory=dict)
    #: the distribution's licence as its metadata states it ("" when it states none)
    licence: str = ""


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
    from .version import __version__

    return __version__


def licence_of(dist) -> str:
    """A distribution's licence from its metadata: License-Expression, else a one-line License field,
    else the last part of its "License ::" classifiers (grad-cam states it only there)."""
    if dist is None:
        return ""
    metadata = dist.metadata
    stated = (metadata.get("License-Expression") or metadata.get("License") or "").strip()
    if stated and "\n" not in stated and len(stated) <= 60 and stated.upper() != "UNKNOWN":
        return stated
    classifiers = [c.split("::")[-1].strip() for c in metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    return ", ".join(classifiers)


def _foxlike_licence() -> str:
    try:
        return licence_of(distribution("foxlike"))
    except PackageNotFoundError:  # run from a source tree that was never installed
        return ""


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    only, blocked = _names_from_env(ONLY_ENV), _names_from_env(BLOCK_ENV) or set()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        licence = licence_of(ep.dist)
        if ep.name in _plugins or manager.is_registered(ep.name):
            continue  # the same distribution seen twice on sys.path
        names = {ep.name, dist}
        if names & blocked or (only is not None and not names & only):
            manager.set_blocked(ep.name)
            _plugins[ep.name] = Plugin(ep.name, dist, version, "blocked", licence=licence)
            continue
        try:
            manager.register(ep.load(), name=ep.name)
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not stop the rest
            cause = f"{type(exc).__name__}: {exc}"
            _plugins[ep.name] = Plugin(ep.name, dist, version, "failed", cause, licence=licence)
            warnings.warn(f"foxlike plugin {ep.name!r} ({dist}) failed to load: {cause}", stacklevel=3)
            continue
        _plugins[ep.name] = Plugin(ep.name, dist, version, "loaded", licence=licence)


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, with every enabled plugin loaded."""
    global _manager
    with _lock:
        if _manager is None:
            manager = pluggy.PluginManager("foxlike")
            manager.add_hookspecs(hookspecs)
            manager.register(builtin, name=CORE_PLUGIN)
            _load_entry_points(manager)
            _manager = manager
        return _manager


def _plugin_record(name: str) -> Plugin:
    """The record of plugin ``name``; one registered in-process (tests, notebooks) gets one here."""
    if name not in _plugins:
        core = name == CORE_PLUGIN
        _plugins[name] = Plugin(name, "foxlike" if core else name, _foxlike_version() if core else "", "loaded",
                                licence=_foxlike_licence() if core else "")
    return _plugins[name]


def registry() -> Registry:
    """Everything the loaded plugins contribute, collected once and cached."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = collect(plugin_manager(), _plugin_record)
        return _registry


def lookup(kind: str, name: str) -> Any:
    """The object registered as ``name`` in ``kind`` ("explainers", "targets", "outputs", "metrics")."""
    return registry().lookup(kind, name)


def plugins() -> list[Plugin]:
    """Every plugin foxlike knows of: loaded, blocked or failed, with what each contributes."""
    with _lock:
        registry()
        return discovered()


def discovered() -> list[Plugin]:
    """Every plugin found, without collecting what they register (so this works when two conflict)."""
    with _lock:
        plugin_manager()
        _plugin_record(CORE_PLUGIN)
        return sorted(_plugins.values(), key=lambda p: (p.name != CORE_PLUGIN, p.name))


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
