"""The hooks a foxlike plugin can implement.

A plugin is a module (or object) exposed through the ``foxlike`` entry-point
group. It implements any of the hooks below, marking each with
``@foxlike.hookimpl``. Registration hooks receive a ``register`` callback; a
plugin calls it once per thing it contributes.
"""
from __future__ import annotations

from typing import Any, Callable

import pluggy

hookspec = pluggy.HookspecMarker("foxlike")
hookimpl = pluggy.HookimplMarker("foxlike")


@hookspec
def register_explainers(register: Callable[[type], None]) -> None:
    """Contribute explainers: call ``register(ExplainerSubclass)`` for each.

    Called once, when the registry is first needed. Every class must subclass
    :class:`foxlike.Explainer` and carry a unique ``name``; a name registered
    twice stops start-up with an error naming both distributions.
    """


@hookspec
def register_targets(register: Callable[[str, Callable], None]) -> None:
    """Contribute named targets: call ``register(name, function)``.

    ``function(output)`` receives the model's output (after the chosen output
    transform) and returns one class index per sample. Named targets let a
    config file say ``target = "argmax"`` without pickling a function.
    """


@hookspec
def register_outputs(register: Callable[[str, Callable], None]) -> None:
    """Contribute named output transforms: call ``register(name, function)``.

    ``function(output)`` maps the model's raw output to the quantity that is
    attributed (for example ``softmax``). It must be differentiable.
    """


@hookspec
def register_metrics(register: Callable[[type], None]) -> None:
    """Contribute explanation metrics: call ``register(MetricSubclass)``.

    Metrics judge an explanation (faithfulness, robustness, ...) and run
    inside :func:`foxlike.explain` when requested with ``metrics=[...]``.
    """


@hookspec(firstresult=True)
def calculate_features(explainer: Any, model: Any, inputs: Any, target: Any, params: dict) -> Any:
    """Compute the attributions of one explainer for one batch.

    foxlike's own implementation calls ``explainer.calculate_features(model,
    inputs, target, **params)`` and runs last. Implement it with
    ``wrapper=True`` to wrap every explanation (timing, logging, caching,
    extra checks): ``result = yield`` gives the attributions, and what the
    wrapper returns replaces them. A plain implementation that returns a
    value other than ``None`` answers in place of the explainer.
    """
