"""Loading the user's model without running code from the model file.

Three ways, in order of safety:

- a TorchScript file (``torch.jit.save``): loaded with ``torch.jit.load``,
  which executes no Python pickle;
- ``package.module:factory`` plus an optional state_dict file: the factory
  (code the user already installed) builds the model and the weights are read
  with ``torch.load(weights_only=True)``;
- a whole pickled model (``torch.save(model)``): only with ``unsafe=True``
  (``--unsafe-load``), because unpickling runs arbitrary code.
"""
from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from typing import Any, Callable

from ..errors import ModelLoadError


def import_object(path: str, what: str = "factory") -> Any:
    """The object named ``package.module:attribute``."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ModelLoadError(f"{what} {path!r} must be an import path like 'my_package.models:build'.")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelLoadError(f"Cannot import module {module_name!r} for {what} {path!r}: {exc}. "
                             "Is it installed, or on PYTHONPATH?") from None
    obj = module
    for part in attribute.split("."):
        if not hasattr(obj, part):
            raise ModelLoadError(f"Module {module_name!r} has no attribute {attribute!r} (the {what} {path!r}).")
        obj = getattr(obj, part)
    return obj


def _load_weights(path: str) -> dict:
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ModelLoadError(f"Weights file {path!r} does not exist.") from None
    except Exception as exc:  # noqa: BLE001 - the unpickler's refusal, said plainly
        raise ModelLoadError(
            f"{path!r} is not a plain state_dict that loads with weights_only=True ({type(exc).__name__}). "
            "Save weights with torch.save(model.state_dict(), path), or, if you trust the file and it holds a "
            "whole pickled model, pass --unsafe-load."
        ) from None


def load_model(spec: str, weights: str = "", unsafe: bool = False):
    """The model named by ``spec``: a TorchScript file, a pickled model (unsafe), or ``module:factory``."""
    import torch

    if Path(spec).is_file():
        if weights:
            raise ModelLoadError(f"--weights goes with a 'module:factory' model, not with the file {spec!r}.")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # torch 2.x deprecates jit in favour of export
                return torch.jit.load(spec, map_location="cpu")
        except RuntimeError:
            pass  # not TorchScript
        if not unsafe:
            _load_weights(spec)  # raises with the explanation unless it is a bare state_dict
            raise ModelLoadError(
                f"{spec!r} holds a state_dict, not a model: pass the code that builds the model as "
                f"'module:factory' and this file as --weights {spec}."
            )
        model = torch.load(spec, map_location="cpu", weights_only=False)
        if not isinstance(model, torch.nn.Module):
            raise ModelLoadError(f"{spec!r} unpickled to a {type(model).__name__}, not a torch.nn.Module.")
        return model
    if ":" not in spec:
        raise ModelLoadError(f"Model {spec!r} is neither a file nor an import path 'module:factory'.")
    factory = import_object(spec)
    model = factory() if callable(factory) and not isinstance(factory, torch.nn.Module) else factory
    if not isinstance(model, torch.nn.Module):
        raise ModelLoadError(f"The factory {spec!r} returned a {type(model).__name__}, not a torch.nn.Module.")
    if weights:
        state = _load_weights(weights)
        if not isinstance(state, dict):
            raise ModelLoadError(f"{weights!r} holds a {type(state).__name__}, not a state_dict.")
        try:
            model.load_state_dict(state)
        except RuntimeError as exc:  # missing or unexpected keys, or shapes that differ
            first = str(exc).strip().splitlines()
            raise ModelLoadError(
                f"The weights in {weights!r} do not fit the model built by {spec!r}: {' '.join(first[:3])} "
                "Check that the state_dict was saved from this architecture (and its settings, such as the "
                "number of classes)."
            ) from None
    return model


def load_tokenizer(spec: str, model) -> Callable | None:
    """The tokenizer named by ``spec`` (``module:callable``), else the model when it has a ``tokenize``
    method (see :func:`foxlike.runner.inputs.tokenize_sentences`), else ``None``."""
    if spec:
        tokenizer = import_object(spec, "tokenizer")
        return tokenizer() if isinstance(tokenizer, type) else tokenizer
    return model if callable(getattr(model, "tokenize", None)) else None
