"""The core's own hook implementations, registered like any plugin's.

The named targets (``"argmax"``, ``"argmin"``), the named outputs
(``"logits"``, ``"softmax"``, ...) and the default answer to the
``calculate_features`` hook live here, apart from the code that resolves
names, as llm keeps its default plugins apart from its plugin loader.
"""
from __future__ import annotations

from collections.abc import Mapping

from .errors import InputError
from .hookspecs import hookimpl
from .toolkit.detections import is_detections


def logits(output):
    """The model's output as a tensor; Hugging Face style outputs give their ``.logits``, torchvision's
    segmentation models (``{"out": ..., "aux": ...}``) their ``"out"``. A detector's detections (a list of
    dicts with ``"boxes"``) come back as they are: a detection target scores them."""
    if hasattr(output, "dim"):
        return output
    if getattr(output, "logits", None) is not None:
        return output.logits
    if isinstance(output, Mapping) and hasattr(output.get("out"), "dim"):
        return output["out"]
    if is_detections(output):
        return output
    raise InputError(
        f"The model returned a {type(output).__name__}, not a tensor, and foxlike cannot tell which part "
        "to explain. In Python, pass output=<callable> that picks the scores, for example "
        "output=lambda out: out[0] or output=lambda out: out['scores']; from the command line or a config, "
        "name an output a plugin registers for such models (`output = \"...\"`, register_outputs hook) or wrap "
        "the model in a module:factory whose forward returns the scores."
    )


def topk(output, argument: str = "1"):
    """The ``k`` highest-scoring classes of each sample, best first (``"topk:3"``)."""
    from .errors import TargetError

    if not argument.isdigit() or int(argument) < 1:
        raise TargetError(f"topk takes a positive number of classes, as in 'topk:3', got 'topk:{argument}'.")
    k = int(argument)
    if k > output.shape[-1]:
        raise TargetError(f"topk:{k} asks for more classes than the output has ({output.shape[-1]}).")
    return output.topk(k, dim=-1).indices


def every_class(output):
    """Every class of the output, for every sample (``"all"``)."""
    import torch

    return torch.arange(output.shape[-1], device=output.device).expand(output.shape[0], -1)


def positive(output, context):
    """Every positive label of a multi-label head (``"positive"``): a logit above 0 or a sigmoid above 0.5.

    Samples with fewer positive labels than others fill their last slots with -1 (no target there).
    """
    from .errors import TargetError

    thresholds = {"logits": 0.0, "sigmoid": 0.5}
    if context.output not in thresholds:
        raise TargetError(f"'positive' reads labels from logits or sigmoid outputs, not {context.output!r}: pass "
                          "output='logits' or output='sigmoid'.")
    chosen = output > thresholds[context.output]
    width = max(1, int(chosen.sum(dim=1).max()))
    # the positive labels first, in class order; the rest of the row is -1
    order = (~chosen).to(output.dtype).argsort(dim=1, stable=True)[:, :width]
    return order.masked_fill(~chosen.gather(1, order), -1)


@hookimpl
def register_targets(register):
    register("argmax", lambda output: output.argmax(dim=-1))
    register("argmin", lambda output: output.argmin(dim=-1))
    register("topk", topk)
    register("all", every_class)
    register("positive", positive)


@hookimpl
def register_outputs(register):
    register("logits", logits)
    register("softmax", lambda output: logits(output).softmax(dim=-1))
    register("log_softmax", lambda output: logits(output).log_softmax(dim=-1))
    register("sigmoid", lambda output: logits(output).sigmoid())


@hookimpl(trylast=True)
def calculate_features(explainer, model, inputs, target, params):
    """foxlike's default answer to the hook: ask the explainer itself."""
    return explainer.calculate_features(model, inputs, target, **params)
