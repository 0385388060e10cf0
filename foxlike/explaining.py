"""The context manager around inference: ``with foxlike.explain(model, ...) as xai_model``.

Named explaining.py, not explain.py, so that the module never shadows the
``foxlike.explain`` function once imported.
"""
from __future__ import annotations

import time
import warnings
from typing import Any, Callable

import torch

from .modalities import check_inputs, from_frame
from .plugins import plugin_manager, registry
from .shared_models import calling, enter, leave
from .errors import (ExplainerError, FoxlikeError, FoxlikeWarning, InputError, ModelError, ParameterError,
                     ValidationError)
from .explainer import Explainer
from .explanation import Check, Explanation, Explanations, Features
from .metric import Metric
from .model import ExplainedModel
from .outputs import resolve_output
from .prediction_graph import PredictionGraph
from .specs import Spec, resolve
from .target_columns import columns, multi_target_indices, per_column, without_empty_slots
from .targets import ScoreTarget, TargetContext, resolve_target, target_count
from .toolkit.rows import as_tuple
from .validation import Tolerance, all_finite, validate


def resolve_explainers(explainers) -> list[Spec]:
    """The explainers to run as specs; an empty or missing choice says what is installed."""
    if explainers is None:
        known = ", ".join(registry().explainers) or "(none installed)"
        raise ParameterError(f"Name the explainers to run, for example explainers=['cv.integrated_gradients']. "
                             f"Installed: {known}.")
    resolved = resolve(explainers, "explainers", Explainer)
    if not resolved:
        raise ParameterError("explainers is empty: name at least one explainer to run.")
    return resolved


def resolve_metrics(metrics) -> list[Spec]:
    return resolve(metrics, "metrics", Metric) if metrics else []


def _attributions(result):
    return result.attributions if isinstance(result, Features) else result


def _attributed_inputs(model: torch.nn.Module, inputs, explainers: list[Spec]):
    """The inputs checked: one tensor, or a tuple of tensors (several attributed inputs, each checked, with
    one batch size), refused for explainers that take only one."""
    if not isinstance(inputs, (tuple, list)) or not inputs or not all(isinstance(x, torch.Tensor) for x in inputs):
        _check_inputs(model, inputs)
        return inputs
    inputs = tuple(inputs)
    for x in inputs:
        _check_inputs(model, x)
    sizes = [x.shape[0] for x in inputs]
    if len(set(sizes)) > 1:
        raise InputError(f"The attributed inputs have different batch sizes {sizes}: give every input one row per "
                         "sample (a tensor that is the same for all samples is a forward argument: pass it after "
                         "the inputs, xai_model((a, b), shared)).")
    single = [spec.name for spec in explainers if not spec.cls.multi_input]
    if single:
        able = sorted(name for name, entry in registry().explainers.items() if entry.obj.multi_input)
        raise InputError(f"{', '.join(single)} take(s) one input tensor, not {len(inputs)}: explain several inputs "
                         f"with {', '.join(able) or '(no installed explainer)'}, or pass the others as forward "
                         "arguments (they are then not attributed).")
    return inputs


def _detached(output):
    """The output without its graph, in the same structure: a tensor, or tuples, lists and dicts of them (a
    Hugging Face ``ModelOutput`` is a dict); anything else is returned as it is."""
    if isinstance(output, torch.Tensor):
        return output.detach()
    if isinstance(output, dict):
        copy = output.copy()
        for key, value in output.items():
            copy[key] = _detached(value)
        return copy
    if isinstance(output, (tuple, list)) and type(output) in (tuple, list):
        return type(output)(_detached(value) for value in output)
    return output


def _check_inputs(model: torch.nn.Module, inputs) -> None:
    if not isinstance(inputs, torch.Tensor):
        raise InputError(f"Inputs must be a torch.Tensor with the batch in dimension 0 (or a tuple of them for "
                         f"several inputs), got {type(inputs).__name__}.")
    if inputs.is_inference():
        raise InputError("The inputs were created under torch.inference_mode(), and such tensors can never take "
                         "part in autograd, which attributions need: make them outside inference mode, or pass "
                         "inputs.clone() made outside it.")
    if inputs.dim() == 0 or inputs.shape[0] == 0:
        raise InputError(f"The batch is empty (inputs of shape {tuple(inputs.shape)}): pass at least one sample.")
    if inputs.is_floating_point() and not all_finite(inputs):
        raise InputError("The inputs contain NaN or infinite values; clean or impute them before explaining.")
    parameter = next(model.parameters(), None)
    if parameter is not None and parameter.device != inputs.device:
        raise InputError(
            f"The inputs are on {inputs.device} but the model is on {parameter.device}: "
            f"move them with inputs.to({str(parameter.device)!r})."
        )


def _detached(inputs):
    """The explained inputs as an explanation keeps them: the same storage, no graph."""
    if isinstance(inputs, tuple):
        return tuple(_detached(x) for x in inputs)
    return inputs.detach() if isinstance(inputs, torch.Tensor) else inputs


class Explaining:
    """What ``explain(...)`` returns: a context manager whose value is the explaining model."""

    def __init__(self, model, explainers=None, target=None, output: str | Callable = "logits",
                 strict: bool = True, rtol: float = 0.05, atol: float = 1e-4, metrics=None, feature_names=None):
        if not isinstance(model, torch.nn.Module):
            raise InputError(f"foxlike explains torch.nn.Module models, got {type(model).__name__}.")
        self.model = model
        self.explainers = resolve_explainers(explainers)
        self.metrics = resolve_metrics(metrics)
        self.output_name, self.transform = resolve_output(output)
        self.target = target
        self.strict = strict
        for name, value in (("rtol", rtol), ("atol", atol)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                raise ParameterError(f"{name} must be a number of at least 0 (the completeness tolerance), got "
                                     f"{value!r}.")
        self.tolerance = Tolerance(rtol, atol)
        self.feature_names = None if feature_names is None else [str(name) for name in feature_names]
        self._entered = 0
        self._grad_enabled: list[bool] = []

    def __enter__(self) -> "Explaining":
        if torch.is_inference_mode_enabled():
            raise FoxlikeError(
                "foxlike.explain cannot run under torch.inference_mode(): attributions need gradients, which "
                "inference mode forbids for good. Use torch.no_grad() (foxlike re-enables gradients inside) "
                "or no guard at all."
            )
        enter(self.model)
        self._entered += 1
        self._grad_enabled.append(torch.is_grad_enabled())
        torch.set_grad_enabled(True)
        return self

    def __exit__(self, *exc_info) -> None:
        torch.set_grad_enabled(self._grad_enabled.pop())
        self._entered -= 1
        leave(self.model)

    def __call__(self, inputs, *args, **kwargs) -> tuple[Any, dict[str, Explanation]]:
        """Run the model once on ``inputs`` and explain that prediction with every explainer."""
        if not self._entered:
            raise FoxlikeError("Call the explaining model inside its `with foxlike.explain(...)` block.")
        inputs, feature_names = from_frame(inputs, next(self.model.parameters(), torch.empty(0)).device)
        feature_names = feature_names or self.feature_names
        inputs = _attributed_inputs(self.model, inputs, self.explainers)
        for spec in self.explainers:  # before the model runs: a table given to an image method, say
            # the first input is of the explainer's kind; others beside it (metadata) are the explainer's business
            check_inputs(spec.cls, as_tuple(inputs)[0], registry().explainers)
        requires_grad = [x.requires_grad for x in as_tuple(inputs)]
        explanations: dict[str, Explanation] = Explanations()
        readers = sum(spec.cls.uses_input_gradient for spec in self.explainers)
        try:
            with calling(self.model), torch.enable_grad():
                output, scores, graph = self._forward(inputs, args, kwargs, keep_graph=readers > 0)
                targets = self._targets(scores, inputs, args, kwargs, graph, feature_names)
                for spec in self.explainers:
                    target, source, model = targets[self._target_key(spec)]
                    if graph is not None:  # the last reader of one target frees the graph as its backward runs
                        graph.last_use = readers == 1 and spec.cls.uses_input_gradient and target_count(target) == 1
                    explanations[spec.name] = self._run(spec, model, inputs, target, source, scores)
                    readers -= spec.cls.uses_input_gradient
                    if graph is not None and not readers:
                        graph.release()
        except (ValidationError, ExplainerError) as exc:
            # what was computed before the failure (and the failed explanation itself), kept for the caller
            exc.explanations = {**explanations, **exc.explanations}
            raise
        finally:
            for x, flag in zip(as_tuple(inputs), requires_grad):
                x.requires_grad_(flag)
        return output, explanations

    def _target_key(self, spec: Spec):
        """Explainers share one resolution of the user's target; with none, of their class's default."""
        return "given" if self.target is not None else spec.cls.default_target

    def _targets(self, scores, inputs, args, kwargs, graph: PredictionGraph | None, feature_names=None) -> dict:
        """Each distinct target resolved once: key -> (target, source, the model view explainers get)."""
        context = TargetContext(inputs, tuple(args) + tuple(kwargs.values()),
                                lambda x, *a: self.transform(self.model(*as_tuple(x), *a[:len(args)],
                                                                        **dict(zip(kwargs, a[len(args):])))),
                                self.output_name)
        resolved = {}
        for spec in self.explainers:
            key = self._target_key(spec)
            if key in resolved:
                continue
            target, source = resolve_target(self.target if self.target is not None else key, scores, context)
            if self.target is None and key is not None:
                source = f"{source} ({spec.cls.__name__}'s default)"
            score = target if isinstance(target, ScoreTarget) else None
            model = ExplainedModel(self.model, self.transform, self.output_name, args, kwargs, score,
                                   n_inputs=len(as_tuple(inputs)))
            model.prediction = graph
            model.feature_names = feature_names
            resolved[key] = (target, source, model)
        return resolved

    def _forward(self, inputs, args, kwargs, keep_graph: bool):
        """The one forward pass: the output, its transform, and the graph for explainers that read the input
        gradient (:mod:`foxlike.prediction_graph`); its failure names the inputs it got.

        Without such explainers it runs without autograd: a graph kept alive
        for the returned output would sit in memory while every explainer runs
        (6% more peak memory on resnet18), and explainers build their own.
        """
        xs = as_tuple(inputs)
        keep_graph = keep_graph and all(x.is_floating_point() for x in xs)
        try:
            if not keep_graph:
                with torch.no_grad():
                    output = self.model(*xs, *args, **kwargs)
                    return output, self.transform(output), None
            leaves = tuple(x.detach().requires_grad_() for x in xs)
            output = self.model(*leaves, *args, **kwargs)
            scores = self.transform(output)
            if not isinstance(scores, torch.Tensor) or not scores.requires_grad:
                return _detached(output), _detached(scores), None
            return _detached(output), scores.detach(), PredictionGraph(xs, leaves, scores)
        except Exception as exc:  # noqa: BLE001 - the model's own error, named as such, its traceback chained
            shown = " and ".join(f"shape {tuple(x.shape)} and dtype {x.dtype}" for x in as_tuple(inputs))
            raise ModelError(
                f"The model raised {type(exc).__name__} in its forward pass on inputs of "
                f"{shown}: {exc}. This is the model's error (its traceback "
                "is chained to this one). Check that the inputs have the shape, dtype and extra arguments the "
                "model expects, or fix the model."
            ) from exc

    def _run(self, spec: Spec, model, inputs, target, source, scores) -> Explanation:
        batch = as_tuple(inputs)[0]
        explanation = Explanation(spec.name, None, target, source, self.output_name, spec.params,
                                  batch_size=batch.shape[0], inputs=_detached(inputs))
        explainer = spec.instance
        count = target_count(target)
        started = time.perf_counter()
        try:
            if count == 1:
                one_target = None if isinstance(target, ScoreTarget) else target
                attributions, explanation.extras = self._calculate(spec, explainer, model, inputs, one_target)
            elif spec.cls.multi_target:
                indices = multi_target_indices(target, batch.shape[0], batch.device)
                attributions, explanation.extras = self._calculate(spec, explainer, model, inputs, indices)
                attributions = without_empty_slots(attributions, target)
            else:
                attributions, explanation.extras = per_column(
                    lambda x, m, t: self._calculate(spec, explainer, m, x, t), model, inputs, target, count)
        except FoxlikeError as exc:
            if self.strict:
                raise
            return self._failed(explanation, exc, started)
        except Exception as exc:  # noqa: BLE001 - say which explainer failed
            if self.strict:
                raise ExplainerError(spec.name, exc) from exc
            return self._failed(explanation, ExplainerError(spec.name, exc), started)
        if batch.is_cuda:
            torch.cuda.synchronize(batch.device)
        explanation.seconds = time.perf_counter() - started
        explanation.attributions = attributions
        # an explainer whose features are not the columns (groups of them) names them; else the columns' names
        names = explanation.extras.pop("feature_names", None)
        if names and isinstance(names[0], list):  # called once per target: one list each, all the same
            names = names[0]
        explanation.feature_names = names or model.feature_names
        explanation.checks = self._checks(explainer, spec, attributions, inputs, model, scores, target, count)
        failed = [c for c in explanation.checks if not c.passed]
        if failed and self.strict:
            error = ValidationError(spec.name, failed)
            error.explanations[spec.name] = explanation
            raise error
        for message in explanation.warnings:
            warnings.warn(f"{spec.name}: {message}", FoxlikeWarning, stacklevel=4)
        if self.metrics and explanation.passed and count == 1 and not isinstance(inputs, tuple):
            self._measure(explanation, explainer, spec.params, model, inputs,
                          None if isinstance(target, ScoreTarget) else target)
        return explanation

    def _calculate(self, spec: Spec, explainer, model, inputs, target) -> tuple[torch.Tensor, dict]:
        """One call of the ``calculate_features`` hook: the attributions (detached) and their extras."""
        result = plugin_manager().hook.calculate_features(
            explainer=explainer, model=model, inputs=inputs, target=target, params=spec.params
        )
        extras = result.extras if isinstance(result, Features) else {}
        result = _attributions(result)
        if isinstance(inputs, tuple) and isinstance(result, (tuple, list)) and all(
                isinstance(r, torch.Tensor) for r in result):
            return tuple(r.detach() for r in result), extras
        if not isinstance(result, torch.Tensor):
            raise ExplainerError(spec.name, TypeError(f"returned {type(result).__name__}, not a torch.Tensor"))
        return result.detach(), extras

    def _checks(self, explainer, spec: Spec, attributions, inputs, model, scores, target, count: int) -> list:
        """Every check on the result; with several targets, on each target's column (tagged with it)."""
        if count == 1:
            if model.score is not None:  # the explained quantity is the score, not a column of the output
                with torch.no_grad():
                    scores = model.on(inputs, *model.forward_args)
            one_target = None if isinstance(target, ScoreTarget) else target
            return validate(explainer, attributions, inputs, spec.params, model, scores, one_target, self.tolerance)
        batch = as_tuple(inputs)[0].shape[0]
        for values in as_tuple(attributions):
            if values.dim() < 2 or values.shape[:2] != (batch, count):
                return [Check("shape", False, f"{tuple(values.shape)}, expected ({batch}, {count}, ...): "
                                              f"one map per sample and target", tuple(values.shape))]
        checks = []
        for t, rows, inputs_t, model_t, target_t in columns(model, inputs, target, count):
            column = tuple(v[:, t] if rows is None else v[rows, t] for v in as_tuple(attributions))
            column = column if isinstance(inputs, tuple) else column[0]
            if model_t.score is not None:
                with torch.no_grad():
                    scores_t = model_t.on(inputs_t, *model_t.forward_args)
            else:
                scores_t = scores if rows is None else scores[rows]
            for check in validate(explainer, column, inputs_t, spec.params, model_t, scores_t, target_t,
                                  self.tolerance):
                check.target = t
                checks.append(check)
        return checks

    def _measure(self, explanation, explainer, params, model, inputs, target) -> None:
        """Run the requested metrics on a validated explanation.

        They re-explain through the same ``calculate_features`` hook, so a plugin's wrapper sees these
        explanations too.
        """
        hook = plugin_manager().hook.calculate_features

        def reexplain(other_inputs, other_model=None, target=target):
            seen = model if other_model is None else model.with_model(other_model)
            result = hook(explainer=explainer, model=seen, inputs=other_inputs, target=target, params=params)
            return _attributions(result).detach()

        for spec in self.metrics:
            try:
                explanation.metrics[spec.name] = spec.instance.compute(model, inputs, explanation, reexplain,
                                                                       **spec.params)
            except Exception as exc:  # noqa: BLE001 - lenient mode records it and goes on
                if self.strict:
                    raise
                explanation.metric_errors[spec.name] = f"{type(exc).__name__}: {exc}"
                warnings.warn(f"{explanation.explainer}: metric {spec.name!r} failed: {type(exc).__name__}: {exc}",
                              FoxlikeWarning, stacklevel=4)

    def _failed(self, explanation: Explanation, error: BaseException, started: float) -> Explanation:
        explanation.error = error
        explanation.seconds = time.perf_counter() - started
        warnings.warn(str(error), FoxlikeWarning, stacklevel=4)
        return explanation


def explain(model, explainers=None, target=None, output: str | Callable = "logits", strict: bool = True,
            rtol: float = 0.05, atol: float = 1e-4, metrics=None, feature_names=None) -> Explaining:
    """Explain every prediction ``model`` makes inside the ``with`` block.

    ``explainers`` is a list of registered names (or Explainer classes), or a
    mapping from name to that explainer's parameters. ``target`` is what to
    explain: an int, one index per sample, ``"argmax"`` or another registered
    name, or a callable on the output (which may return a
    :class:`foxlike.targets.ScoreTarget`); ``None`` explains the argmax of
    multi-class outputs. ``output`` chooses what is attributed: ``"logits"``,
    ``"softmax"``, ``"log_softmax"``, ``"sigmoid"`` or a callable. ``strict``
    raises on a failed check or explainer (the error's ``explanations`` holds
    what was computed before it); ``strict=False`` records it in the result
    (and warns) and carries on. ``rtol`` and ``atol`` bound the completeness
    check of path methods. ``metrics`` (names, or a mapping from name to
    parameters) are computed for every explanation that passed its checks,
    into ``explanation.metrics``. ``feature_names`` names a table's columns when the inputs are tensors
    (a pandas DataFrame brings its own): explanations carry them, and explainers that group columns read
    them.

    Several threads may explain one model at once: its state is captured by
    the first block and restored by the last, and calls on it run one at a
    time (:mod:`foxlike.shared_models`).
    """
    return Explaining(model, explainers, target, output, strict, rtol, atol, metrics, feature_names)
