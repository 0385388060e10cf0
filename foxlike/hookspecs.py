"""The hooks a foxlike plugin can implement: the plugin author's manual.

A plugin is a module (or object) exposed through the ``foxlike`` entry-point
group (``[project.entry-points.foxlike]`` in its pyproject.toml). It
implements any of the hooks below, each marked with ``@foxlike.hookimpl``;
pluggy passes the arguments by name, so an implementation may take only the
ones it needs. The registration hooks receive a ``register`` callback and
call it once per thing they contribute. They run once per process, the
first time foxlike needs its registry (not at ``import foxlike``), and a
plugin that raises in one is reported and skipped while the others load.
What the built-in plugins register is in :mod:`foxlike.builtin`,
``foxlike_cv``, ``foxlike_nlp`` and ``foxlike_metrics``;
docs/plugin-authors.md walks through writing one.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:
    import torch

    from .explainer import Explainer
    from .explanation import Features
    from .model import ExplainedModel

hookspec = pluggy.HookspecMarker("foxlike")
hookimpl = pluggy.HookimplMarker("foxlike")


@hookspec
def register_explainers(register: Callable[[type["Explainer"]], None]) -> None:
    """Contribute explainers: call ``register(ExplainerSubclass)`` once for each.

    Every class must subclass :class:`foxlike.Explainer` and carry a unique
    ``name`` (``"<namespace>.<method>"``) and a ``modality`` (``"cv"``,
    ``"nlp"``, ``"tabular"``: what kind of input it explains). A name that two
    plugins register stops start-up with a :class:`foxlike.PluginConflictError`
    naming both distributions. Returns nothing.
    """


@hookspec
def register_targets(register: Callable[[str, Callable], None]) -> None:
    """Contribute named targets: call ``register(name, function)`` once for each.

    ``function(output)``, or ``function(output, context)`` with a
    :class:`foxlike.targets.TargetContext`, receives the model's output for a
    batch (after the chosen output transform, without gradients) and returns
    one class index per sample, or a :class:`foxlike.targets.ScoreTarget`
    (a region's score, a detection's, a continuation's log-probability).
    Named targets let a config file say ``target = "argmax"`` without
    pickling a function. Returns nothing.
    """


@hookspec
def register_outputs(register: Callable[[str, Callable], None]) -> None:
    """Contribute named output transforms: call ``register(name, function)`` once for each.

    ``function(output)`` maps the model's raw output to the quantity that is
    attributed (``softmax``, for example); it runs inside every explainer's
    forward passes, so it must be differentiable. Returns nothing.
    """


@hookspec
def register_metrics(register: Callable[[type], None]) -> None:
    """Contribute explanation metrics: call ``register(MetricSubclass)`` once for each.

    Every class must subclass :class:`foxlike.Metric` and carry a unique
    ``name``. Metrics judge an explanation (faithfulness, robustness, ...)
    and run inside :func:`foxlike.explain` for every explanation that passed
    its checks when requested with ``metrics=[...]``. Returns nothing.
    """


@hookspec(firstresult=True)
def calculate_features(explainer: "Explainer", model: "ExplainedModel", inputs: "torch.Tensor",
                       target: "torch.Tensor | None", params: dict[str, Any]) -> "torch.Tensor | Features | None":
    """Compute one explainer's attributions for one batch.

    Fires once per explainer for every batch the explaining model is called
    on, and again each time a metric re-explains (``reexplain`` in
    :meth:`foxlike.Metric.compute`: perturbed inputs for max-sensitivity, a
    randomised copy of the model for model randomisation), so a wrapper sees
    every explanation foxlike computes.

    - ``explainer``: the :class:`foxlike.Explainer` instance.
    - ``model``: the :class:`foxlike.ExplainedModel`: its forward applies the
      output transform (and a score target), takes ``model.forward_args``
      after the inputs, and ``model.model`` is the user's module.
    - ``inputs``: the batch, with the samples in dimension 0.
    - ``target``: one class index per sample (a 1-D long tensor), or ``None``
      when the model's forward returns one score per sample.
    - ``params``: the user's parameters for this explainer, checked against
      its ``calculate_features`` signature.

    Returns the attributions (a tensor, or :class:`foxlike.Features` with
    extras). foxlike's own implementation (:mod:`foxlike.builtin`) calls
    ``explainer.calculate_features(model, inputs, target, **params)`` and runs
    last. A plain implementation that returns a value other than ``None``
    answers in place of the explainer (a cache); one with ``wrapper=True``
    wraps every explanation (timing, logging, extra checks): ``result =
    yield`` gives the attributions, and what the wrapper returns replaces
    them. Every result is validated after the hook returns.
    """
