"""What a resumed run must find unchanged: the values of the weights and inputs, and the versions.

A changed model, input or plugin version would give other results than the
shards already written, so :func:`foxlike.runner.explain_inputs.explain_inputs`
records these in the job's settings and starts afresh when they differ.
"""
from __future__ import annotations

import hashlib


def fingerprint(*tensors) -> str:
    """A SHA-256 of the tensors' values (inputs, weights)."""
    import torch

    digest = hashlib.sha256()
    for tensor in tensors:
        digest.update(str((tuple(tensor.shape), tensor.dtype)).encode())
        # as raw bytes, so that any dtype hashes (numpy has no bfloat16)
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def software(explainers, metrics) -> dict[str, str | None]:
    """The versions whose change can change the results: foxlike, torch, Captum, and the plugin
    distribution of each explainer and metric in use."""
    from importlib.metadata import PackageNotFoundError, version

    from ..plugins import plugins, registry

    found: dict[str, str | None] = {}
    for package in ("foxlike", "torch", "captum"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    versions = {p.name: p.version for p in plugins()}
    for kind, names in (("explainers", explainers), ("metrics", metrics or {})):
        table = getattr(registry(), kind)
        for name in names:
            if name in table:
                found[name] = f"{table[name].distribution} {versions.get(table[name].plugin, '')}".strip()
    return found
