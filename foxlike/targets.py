"""What to explain: the user's ``target`` turned into one class index per sample, or into a score.

Accepted: an int (every sample), a per-sample list, tuple or tensor, a
callable ``f(output)`` (or ``f(output, context)``), or a name registered
through the ``register_targets`` hook (``"argmax"``, ``"argmin"``,
``"topk:3"``, ``"all"``, ``"positive"`` in :mod:`foxlike.builtin`; after a
colon comes the target's argument). ``None`` on a multi-class output means
argmax, and the result says so.

Several targets per sample come as an ``(N, T)`` index tensor (a list of
lists, ``"topk:3"``, a callable returning one): each explainer then explains
every column, and its attributions gain a target dimension, ``(N, T, ...)``.
An index of ``-1`` leaves a slot empty (a sample with fewer positive labels
than another): its attributions are zero and unchecked.

A callable or registered target may also return a :class:`ScoreTarget`: the
explained quantity is then not a column of an ``(N, classes)`` output but a
score computed from the output (a class's logits summed over a region of a
segmentation map, the score of one detection, the log-probability of a
continuation), and every explainer explains that score.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import TargetError
from .plugins import lookup
from .toolkit.detections import is_detections


@dataclass
class TargetContext:
    """What a target function may need beyond the output: the batch and a way to run the model again.

    ``run(inputs, *forward_args)`` runs the user's model and the output transform (no gradients);
    ``forward_args`` are the batch's own (with one row per sample where batched).
    """

    inputs: Any
    forward_args: tuple
    run: Callable
    #: the name of the output transform the scores went through ("logits", "sigmoid", ...)
    output: str = "logits"


@dataclass
class ScoreTarget:
    """A target that is a score per sample rather than a class index.

    ``forward(call, inputs, *per_sample)`` returns every row's score, shaped ``(rows,)`` or ``(rows, 1)``;
    ``call(x)`` runs the user's model (with its forward arguments) and the output transform on ``x``.
    ``per_sample`` holds tensors with one row per sample (a region mask, a detection's class and box, a
    continuation's token ids). They travel with the inputs through every explainer as forward arguments,
    which Captum and the toolkit expand with the inputs, so the rows of any expanded batch (IG's
    interpolation steps, LIME's perturbed copies) see their own sample's. ``describe`` says per sample
    what is explained, for the result and the report.
    """

    forward: Callable
    per_sample: tuple = ()
    describe: list = field(default_factory=list)
    #: how many scores per sample the forward returns, ``(rows, count)``: several targets (T) when above 1
    count: int = 1
    #: ``(N, count)`` bool, which slots hold a target (``None``: all); an empty slot (an image with fewer
    #: detections than another) gets zero attributions and no checks, as a ``-1`` class index does
    present: Any = None

    @classmethod
    def from_output(cls, score: Callable, per_sample: tuple = (), describe: list | None = None,
                    count: int = 1) -> "ScoreTarget":
        """A score of the transformed output alone: ``score(output, *per_sample) -> (rows,)`` or ``(rows, count)``."""
        return cls(lambda call, inputs, *rows: score(call(inputs), *rows), tuple(per_sample), list(describe or []),
                   count)


@functools.lru_cache(maxsize=256)
def _parameters_of(function: Callable) -> dict:
    """A target function's parameters, read once (registered targets are called on every prediction)."""
    try:
        return dict(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # a builtin without a signature
        return {}


def _call_target(function: Callable, output, context: TargetContext | None, name: str = "",
                 argument: str | None = None):
    """``function(output)``; with ``context`` when it takes a second argument (not named ``argument``), and
    ``argument=`` the text after the colon of ``"name:argument"`` when it takes one."""
    import torch

    try:
        parameters = _parameters_of(function)
    except TypeError:  # an unhashable callable object: read it every time
        parameters = _parameters_of.__wrapped__(function)
    positional = [p for p in parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    kwargs = {}
    if "argument" in parameters:
        if argument is not None:
            kwargs["argument"] = argument
    elif argument is not None:
        raise TargetError(f"Target {name!r} takes no argument, got {name}:{argument}: pass target={name!r}.")
    takes_context = len(positional) >= 2 and positional[1].name != "argument"
    detached = output.detach() if hasattr(output, "detach") else output
    with torch.no_grad():
        return function(detached, context, **kwargs) if takes_context else function(detached, **kwargs)


def _describe(target: Any) -> str:
    if isinstance(target, str):
        return target
    if callable(target):
        return getattr(target, "__name__", "callable")
    return "given"


def resolve_target(target: Any, output, context: TargetContext | None = None) -> tuple[Any, str]:
    """Return ``(target, source)`` for ``target`` against a batch ``output``.

    ``target`` comes back as a 1-D long tensor with one class index per sample, ``None`` when the model
    has a single output per sample, or a :class:`ScoreTarget`. ``source`` says where it came from, for the
    result ("argmax (default)", ...). ``context`` is passed to target functions that take it.
    """
    import torch

    source = _describe(target)
    name, argument = None, None
    if isinstance(target, str):
        name, _, argument = target.partition(":")
        argument = argument if ":" in target else None
        target = lookup("targets", name)
    if callable(target):
        try:
            target = _call_target(target, output, context, name or source, argument)
        except (AttributeError, TypeError, IndexError):
            if not is_detections(output):  # a class target ("argmax") tried on detections fails inside
                raise
            target = None
        if isinstance(target, ScoreTarget):
            return target, source
    if is_detections(output):
        raise TargetError(
            "The model returns detections (one dict of boxes, labels and scores per image), so a class index does "
            "not say which one to explain: pass target='detection:0' (each image's first detection), "
            "'detection:above:0.5' (every detection scoring above 0.5), or "
            "foxlike_cv.detection_target(label=..., box=...)."
        )
    if not isinstance(output, torch.Tensor):
        raise TargetError(
            f"The model's output is a {type(output).__name__}, not a tensor of scores, so foxlike cannot pick a "
            "class from it: pass output=<callable> that returns the scores, or a target that returns a "
            "foxlike.targets.ScoreTarget."
        )
    if output.dim() == 0:
        raise TargetError("The model returned a scalar; foxlike needs one output row per sample.")
    batch = output.shape[0]
    single = output.dim() == 1 or (output.dim() == 2 and output.shape[1] == 1)
    if target is None:
        if single:
            return (None if output.dim() == 1 else torch.zeros(batch, dtype=torch.long)), "single output"
        if output.dim() > 2:
            raise TargetError(
                f"Output of shape {tuple(output.shape)} has more than one class dimension, so there is no "
                "default class to explain: pass output=<callable> that reduces it to (batch, classes), or a "
                "target that returns a foxlike.targets.ScoreTarget."
            )
        return output.detach().argmax(dim=-1).reshape(batch), "argmax (default)"
    if output.dim() == 1:
        raise TargetError(
            f"The model returns one value per sample (output shape {tuple(output.shape)}), so there is no "
            f"class to choose: pass target=None instead of {target!r}."
        )
    if output.dim() > 2:
        raise TargetError(
            f"Output of shape {tuple(output.shape)} has more than one class dimension; "
            "pass output=<callable> that reduces it to (batch, classes), or a target that returns a "
            "foxlike.targets.ScoreTarget."
        )
    indices = _as_indices(target, batch, output.device)
    classes = output.shape[-1]
    bad = ((indices < 0) & ~((indices == -1) & (indices.dim() == 2))) | (indices >= classes)
    if bad.any():
        first = int(indices[bad][0])
        raise TargetError(
            f"Target index {first} is out of range for an output with {classes} classes "
            f"(valid: 0 to {classes - 1})."
        )
    return indices, source


def _as_indices(target: Any, batch: int, device) -> Any:
    import torch

    if isinstance(target, bool) or (isinstance(target, float) and not float(target).is_integer()):
        raise TargetError(f"Target must be a class index, got {target!r}.")
    try:
        indices = torch.as_tensor(target, device=device)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TargetError(
            f"Cannot read target {target!r} as class indices ({exc}). Pass an int, one int per sample, "
            "a callable, or a registered name such as 'argmax'."
        ) from None
    if indices.is_floating_point() or indices.is_complex() or indices.dtype == torch.bool:
        if indices.is_floating_point() and torch.equal(indices, indices.round()):
            indices = indices.long()
        else:
            raise TargetError(f"Target must hold integer class indices, got dtype {indices.dtype}.")
    indices = indices.long()
    if indices.dim() == 0:
        return indices.expand(batch).clone()
    if indices.dim() == 2 and indices.shape[0] == batch and indices.shape[1] > 1:
        return indices  # several targets per sample
    indices = indices.reshape(-1) if indices.dim() == 2 and 1 in indices.shape else indices
    if indices.dim() != 1 or indices.shape[0] != batch:
        raise TargetError(
            f"Target has {indices.numel()} entries for a batch of {batch} samples: "
            f"pass one class index per sample, a single int for all, or (N, T) indices for T targets each."
        )
    return indices


def target_count(target) -> int:
    """How many targets per sample ``target`` (resolved) names: T of an ``(N, T)`` target, a score's count, else 1."""
    if isinstance(target, ScoreTarget):
        return target.count
    return target.shape[1] if getattr(target, "dim", lambda: 0)() == 2 else 1
