"""Checking, as an adapter plugin is imported, that the library it wraps is there at a version it supports.

An adapter (foxlike-gradcam, foxlike-zennit, foxlike-quantus) calls
:func:`require_library` at the top of its entry-point module. A missing or
unsupported library then fails the plugin's import with a
:class:`foxlike.PluginError` that names the plugin, the library and the
command that fixes it; foxlike reports that plugin as failed (``foxlike
plugins``) and loads the others. The check reads the library's installed
metadata and finds its module without importing it, so listing plugins stays
fast (``import quantus`` alone takes seconds).
"""
from __future__ import annotations

import importlib.util
from importlib.metadata import PackageNotFoundError, version

from ..errors import PluginError


def require_library(plugin: str, distribution: str, module: str, supported: tuple[str, ...], fix: str) -> str:
    """The installed version of ``distribution`` (imported as ``module``), if it is one of ``supported``.

    Otherwise a :class:`PluginError`: "``plugin`` needs ``distribution``==..., which is not installed:
    ``fix``" (or "found ``distribution`` X.Y").
    """
    wanted = " or ".join(f"{distribution}=={v}" for v in supported)
    try:
        found = version(distribution) if importlib.util.find_spec(module) is not None else None
    except (PackageNotFoundError, ValueError):
        found = None
    if found is None:
        raise PluginError(f"{plugin} needs {wanted}, which is not installed: {fix}")
    if found not in supported:
        raise PluginError(f"{plugin} needs {wanted}, found {distribution} {found}: {fix}")
    return found
