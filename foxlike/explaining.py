"""The context manager around inference: ``with foxlike.explain(model, ...) as xai_model``.

Named explaining.py, not explain.py, so that the module never shadows the
``foxlike.explain`` function once imported.
"""
from __future__ import annotations

import time
import warnings
from typing import Any, Callable, Iterable, Mapping

import torch

from . import plugins
from .errors import ExplainerError, FoxlikeError, FoxlikeWarning, InputError, ParameterError, ValidationError
from .explainer import Explainer
from .explanation import Explanation, Features
from .metric import Metric
from .model import ExplainedModel
from .outputs import resolve_output
from .model_state import ModelState
from .targets import resolve_target
from .validation import Tolerance, validate


def _resolve(specs, kind: str, base: type) -> list[tuple[object, dict]]:
    """Names or classes, listed or mapped to their parameters, as (instance, parameters) pairs.

    Parameters are checked against the class before any work is done.
    """
    if isinstance(specs, (str, type)):
        specs = [specs]
    items: Iterable = specs.items() if isinstance(specs, Mapping) else ((spec, {}) for spec in specs)
    resolved = []
    for spec, params in items:
        cls = spec if isinstance(spec, type) else plugins.lookup(kind, spec)
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise ParameterError(f"{spec!r} is not a foxlike.{base.__name__} subclass.")
        params = dict(params or {})
        cls.check_parameters(params)
        resolved.append((cls(), params))
    return resolved


def _resolve_explainers(explainers) -> list[tuple[Explainer, dict]]:
    if explainers is None:
        known = ", ".join(plugins.registry().explainers) or "(none installed)"
        raise ParameterError(f"Name the explainers to run, for example explainers=['cv.integrated_gradients']. "
                             f"Installed: {known}.")
    resolved = _resolve(explainers, "explainers", Explainer)
    if not resolved:
        raise ParameterError("explainers is empty: name at least one explainer to run.")
    return resolved


def _attributions(result):
    return result.attributions if isinstance(result, Features) else result


def _check_inputs(model: torch.nn.Module, inputs) -> None:
    if not isinstance(inputs, torch.Tensor):
        raise InputError(f"Inputs must be a torch.Tensor with the batch in dimension 0, got {type(inputs).__name__}.")
    if inputs.dim() == 0 or inputs.shape[0] == 0:
        raise InputError(f"The batch is empty (inputs of shape {tuple(inputs.shape)}): pass at least one sample.")
    if inputs.is_floating_point() and not bool(torch.isfinite(inputs).all()):
        raise InputError("The inputs contain NaN or infinite values; clean or impute them before explaining.")
    parameter = next(model.parameters(), None)
    if parameter is not None and parameter.device != inputs.device:
        raise InputError(
            f"The inputs are on {inputs.device} but the model is on {parameter.device}: "
            f"move them with inputs.to({str(parameter.device)!r})."
        )


class Explaining:
    """What ``explain(...)`` returns: a context manager whose value is the explaining model."""

    def __init__(self, model, explainers=None, target=None, output: str | Callable = "logits",
                 strict: bool = True, rtol: float = 0.05, atol: float = 1e-4, metrics=None):
        if not isinstance(model, torch.nn.Module):
            raise InputError(f"foxlike explains torch.nn.Module models, got {type(model).__name__}.")
        self.model = model
        self.explainers = _resolve_explainers(explainers)
        self.metrics = _resolve(metrics, "metrics", Metric) if metrics else []
        self.output_name, self.transform = resolve_output(output)
        self.target = target
        self.strict = strict
        self.tolerance = Tolerance(rtol, atol)
        self._state: ModelState | None = None
        self._grad_enabled: bool | None = None

    def __enter__(self) -> "Explaining":
        if torch.is_inference_mode_enabled():
            raise FoxlikeError(
                "foxlike.explain cannot run under torch.inference_mode(): attributions need gradients, which "
                "inference mode forbids for good. Use torch.no_grad() (foxlike re-enables gradients inside) "
                "or no guard at all."
            )
        self._state = ModelState.capture(self.model)
        self._grad_enabled = torch.is_grad_enabled()
        self.model.eval()
        torch.set_grad_enabled(True)
        return self

    def __exit__(self, *exc_info) -> None:
        torch.set_grad_enabled(self._grad_enabled)
        self._state.restore()
        self._state = None

    def __call__(self, inputs, *args, **kwargs) -> tuple[Any, dict[str, Explanation]]:
        """Run the model once on ``inputs`` and explain that prediction with every explainer."""
        if self._state is None:
            raise FoxlikeError("Call the explaining model inside its `with foxlike.explain(...)` block.")
        _check_inputs(self.model, inputs)
        input_requires_grad = inputs.requires_grad
        try:
            output = self._forward(inputs, args, kwargs)
            with torch.no_grad():
                scores = self.transform(output)
            target, source = resolve_target(self.target, scores)
            model = ExplainedModel(self.model, self.transform, self.output_name, args, kwargs)
            explanations = {
                explainer.name: self._run(explainer, params, model, inputs, target, source, scores)
                for explainer, params in self.explainers
            }
        finally:
            inputs.requires_grad_(input_requires_grad)
        return output, explanations

    def _forward(self, inputs, args, kwargs):
        """The one forward pass; its failure names the inputs it got.

        It runs without autograd: a graph kept alive for the returned output
        would sit in memory while every explainer runs (6% more peak memory on
        resnet18), and explainers build their own.
        """
        try:
            with torch.no_grad():
                return self.model(inputs, *args, **kwargs)
        except (RuntimeError, TypeError, ValueError, IndexError) as exc:
            raise InputError(
                f"The model failed on inputs of shape {tuple(inputs.shape)} and dtype {inputs.dtype}: "
                f"{type(exc).__name__}: {exc}. Check that the inputs have the shape, dtype and extra "
                "arguments the model expects."
            ) from exc

    def _run(self, explainer, params, model, inputs, target, source, scores) -> Explanation:
        explanation = Explanation(explainer.name, None, target, source, self.output_name, params)
        started = time.perf_counter()
        try:
            result = plugins.plugin_manager().hook.calculate_features(
                explainer=explainer, model=model, inputs=inputs, target=target, params=params
            )
        except FoxlikeError as exc:
            if self.strict:
                raise
            return self._failed(explanation, exc, started)
        except Exception as exc:  # noqa: BLE001 - say which explainer failed
            if self.strict:
                raise ExplainerError(explainer.name, exc) from exc
            return self._failed(explanation, ExplainerError(explainer.name, exc), started)
        if inputs.is_cuda:
            torch.cuda.synchronize(inputs.device)
        explanation.seconds = time.perf_counter() - started
        if isinstance(result, Features):
            explanation.extras = result.extras
        result = _attributions(result)
        if not isinstance(result, torch.Tensor):
            exc = ExplainerError(explainer.name, TypeError(f"returned {type(result).__name__}, not a torch.Tensor"))
            if self.strict:
                raise exc
            return self._failed(explanation, exc, started)
        explanation.attributions = result.detach()
        explanation.checks = validate(explainer, explanation.attributions, inputs, params, model, scores, target,
                                      self.tolerance)
        failed = [c for c in explanation.checks if not c.passed]
        if failed and self.strict:
            raise ValidationError(explainer.name, failed)
        for message in explanation.warnings:
            warnings.warn(f"{explainer.name}: {message}", FoxlikeWarning, stacklevel=4)
        if self.metrics and explanation.passed:
            self._measure(explanation, explainer, params, model, inputs, target)
        return explanation

    def _measure(self, explanation, explainer, params, model, inputs, target) -> None:
        """Run the requested metrics on a validated explanation."""
        hook = plugins.plugin_manager().hook.calculate_features

        def reexplain(other_inputs, other_model=None, target=target):
            seen = model if other_model is None else ExplainedModel(
                other_model, model.transform, model.output, model.forward_args[: model._n_args],
                dict(zip(model._kwarg_names, model.forward_args[model._n_args:])))
            result = hook(explainer=explainer, model=seen, inputs=other_inputs, target=target, params=params)
            return _attributions(result).detach()

        for metric, metric_params in self.metrics:
            try:
                explanation.metrics[metric.name] = metric.compute(model, inputs, explanation, reexplain,
                                                                  **metric_params)
            except Exception as exc:  # noqa: BLE001 - lenient mode records it and goes on
                if self.strict:
                    raise
                explanation.metric_errors[metric.name] = f"{type(exc).__name__}: {exc}"
                warnings.warn(f"{explainer.name}: metric {metric.name!r} failed: {type(exc).__name__}: {exc}",
                              FoxlikeWarning, stacklevel=4)

    def _failed(self, explanation: Explanation, error: BaseException, started: float) -> Explanation:
        explanation.error = error
        explanation.seconds = time.perf_counter() - started
        warnings.warn(str(error), FoxlikeWarning, stacklevel=4)
        return explanation


def explain(model, explainers=None, target=None, output: str | Callable = "logits", strict: bool = True,
            rtol: float = 0.05, atol: float = 1e-4, metrics=None) -> Explaining:
    """Explain every prediction ``model`` makes inside the ``with`` block.

    ``explainers`` is a list of registered names (or Explainer classes), or a
    mapping from name to that explainer's parameters. ``target`` is what to
    explain: an int, one index per sample, ``"argmax"`` or another registered
    name, or a callable on the output; ``None`` explains the argmax of
    multi-class outputs. ``output`` chooses what is attributed: ``"logits"``,
    ``"softmax"``, ``"log_softmax"``, ``"sigmoid"`` or a callable. ``strict``
    raises on a failed check or explainer; ``strict=False`` records it in the
    result (and warns) and carries on. ``rtol`` and ``atol`` bound the
    completeness check of path methods. ``metrics`` (names, or a mapping from
    name to parameters) are computed for every explanation that passed its
    checks, into ``explanation.metrics``.
    """
    return Explaining(model, explainers, target, output, strict, rtol, atol, metrics)
