"""foxlike: plugin-based explanations for PyTorch models.

``import foxlike`` stays light: torch, Captum and the plugins are imported
only when something that needs them is first used.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .errors import (
    ConfigError,
    ExplainerError,
    FoxlikeError,
    FoxlikeWarning,
    InputError,
    ModelError,
    ModelLoadError,
    ModelNotSupportedError,
    ParameterError,
    PluginConflictError,
    PluginError,
    TargetError,
    UnknownNameError,
    ValidationError,
)
from .explainer import Explainer
from .explanation import Check, Explanation, Explanations, Features
from .hookspecs import hookimpl
from .metric import Metric
from .toolkit.bounds import Bounds
from .version import __version__


_LAZY = {
    "compare": "foxlike.comparison",
    "explain": "foxlike.explaining",
    "Explaining": "foxlike.explaining",
    "ExplainedModel": "foxlike.model",
    "ScoreTarget": "foxlike.targets",
    "TargetContext": "foxlike.targets",
    "explain_dataset": "foxlike.runner.dataset",
    "plot": "foxlike.figures",
}

if TYPE_CHECKING:
    from .comparison import compare
    from .explaining import Explaining, explain
    from .model import ExplainedModel
    from .figures import plot
    from .runner.dataset import explain_dataset
    from .targets import ScoreTarget, TargetContext


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'foxlike' has no attribute {name!r}")


__all__ = [
    "Bounds", "Check", "ConfigError", "ExplainedModel", "Explainer", "ExplainerError", "Explaining", "Explanation",
    "Explanations", "Features", "FoxlikeError", "FoxlikeWarning", "InputError", "Metric", "ModelError", "ModelLoadError",
    "ModelNotSupportedError", "ParameterError", "PluginConflictError", "PluginError", "ScoreTarget",
    "TargetContext", "TargetError", "UnknownNameError", "ValidationError", "__version__", "compare", "explain",
    "explain_dataset", "hookimpl", "plot",
]
