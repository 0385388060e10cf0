"""The explained model as a module that takes the inputs alone, for libraries that call ``model(x)``.

pytorch-grad-cam, Zennit and Quantus call the model they are given with
the inputs and nothing else. :func:`inputs_only` binds an
:class:`foxlike.ExplainedModel`'s forward arguments, so that the library
sees the same output transform and the same extra arguments as every other
explainer. Libraries that call the model on batches of other sizes
(perturbed copies of one sample, a sliding window) cannot be given
arguments with one row per sample: those are refused up front rather than
paired with the wrong rows.
"""
from __future__ import annotations

import torch

from ..errors import ParameterError
from .rows import is_batched


class InputsOnly(torch.nn.Module):
    """``explained(x, *explained.forward_args)`` as ``forward(x)``; ``explained`` is the ExplainedModel."""

    def __init__(self, explained: torch.nn.Module):
        super().__init__()
        self.explained = explained
        # foxlike.explain has put the user's model in eval mode; this wrapper's own flag must say so too
        # (Quantus refuses a model whose top module is training). Set here alone, not recursively.
        self.training = False

    def forward(self, inputs):
        return self.explained(inputs, *self.explained.forward_args)


def inputs_only(model, inputs: torch.Tensor, reruns: str | None = None) -> InputsOnly:
    """``model`` (an ExplainedModel) as a module called with the inputs alone.

    ``reruns`` names the library when it calls the model on batches other than ``inputs``; then a
    forward argument with one row per sample (an attention mask) is refused with a
    :class:`ParameterError`, since it cannot follow those batches.
    """
    if reruns is not None and any(is_batched(a, inputs.shape[0]) for a in model.forward_args):
        raise ParameterError(
            f"{reruns} calls the model on batches of its own making (perturbed or resized copies of the inputs), "
            "so forward arguments with one row per sample cannot follow them. Explain without per-sample "
            "forward arguments, or use one of foxlike's own explainers, which pass them on."
        )
    return InputsOnly(model)
