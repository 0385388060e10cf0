"""What to run on every batch of a dataset: the explainers and metrics resolved once, and the settings.

A :class:`Job` is picklable, so a distributed worker runs the same one; its
specs are looked up and checked when it is made, never again per batch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from ..explaining import explain, resolve_explainers, resolve_metrics
from ..specs import Spec
from .identity import fingerprint
from .shards import BatchRecord


def _describe(value) -> Any:
    """``value`` as the manifest records it: a callable by its qualified name (its repr holds an address), a
    tensor (a background of rows) by its shape and a hash of its values (its repr leaves most of them out)."""
    if isinstance(value, torch.Tensor):
        return f"tensor {tuple(value.shape)} sha256 {fingerprint(value)}"
    if callable(value) and not isinstance(value, type):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
    return value


def _described(specs) -> dict:
    return {s.name: {key: _describe(value) for key, value in s.params.items()} for s in specs}


@dataclass
class Job:
    explainers: list[Spec]
    target: Any = None
    output: str | Callable = "logits"
    strict: bool = True
    rtol: float = 0.05
    atol: float = 1e-4
    metrics: list[Spec] = field(default_factory=list)
    #: a table's column names, for tensors that come without them
    feature_names: list[str] | None = None

    @classmethod
    def make(cls, explainers, target=None, output="logits", strict=True, rtol=0.05, atol=1e-4,
             metrics=None) -> "Job":
        """Resolve ``explainers`` and ``metrics`` (names, lists or mappings, as for ``foxlike.explain``):
        an unknown name or parameter fails here, before any batch runs."""
        return cls(resolve_explainers(explainers), target, output, strict, rtol, atol, resolve_metrics(metrics))

    def explain_batch(self, model: torch.nn.Module, inputs: torch.Tensor, first: int,
                      forward_kwargs: dict | None = None) -> BatchRecord:
        """Explain one batch (samples ``first`` on); the record holds tensors on the CPU."""
        with explain(model, explainers=self.explainers, target=self.target, output=self.output,
                     strict=self.strict, rtol=self.rtol, atol=self.atol, metrics=self.metrics or None,
                     feature_names=self.feature_names) as xai_model:
            output, explanations = xai_model(inputs, **(forward_kwargs or {}))
            scores = xai_model.transform(output)
        batch = (inputs[0] if isinstance(inputs, tuple) else inputs).shape[0]
        return BatchRecord(torch.arange(first, first + batch), scores.detach().cpu(), explanations)

    def describe(self) -> dict:
        """What must not change between a run and its resumption."""
        return {"explainers": _described(self.explainers), "target": _describe(self.target),
                "output": _describe(self.output), "metrics": _described(self.metrics)}
