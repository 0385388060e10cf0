"""Reference inputs for path methods: a number or a tensor, never random noise."""
from __future__ import annotations

import numbers

import torch

from foxlike import ParameterError


def reference(inputs: torch.Tensor, baselines) -> torch.Tensor | float:
    """``baselines`` as Captum takes it: a float, or a tensor viewed at the input's shape (no copy)."""
    if isinstance(baselines, numbers.Real) and not isinstance(baselines, bool):
        return float(baselines)
    if isinstance(baselines, torch.Tensor):
        try:
            return baselines.to(device=inputs.device, dtype=inputs.dtype).expand_as(inputs)
        except RuntimeError:
            raise ParameterError(
                f"baselines of shape {tuple(baselines.shape)} cannot be broadcast to the inputs' shape "
                f"{tuple(inputs.shape)}: pass a number, or a tensor of the input's shape (or one sample's)."
            ) from None
    raise ParameterError(
        f"baselines must be a number (0.0, the default, is a black image after normalisation) or a tensor, "
        f"got {type(baselines).__name__}."
    )


def reference_tensor(inputs: torch.Tensor, baselines) -> torch.Tensor:
    """The reference as a tensor of the input's shape, for the completeness check."""
    value = reference(inputs, baselines)
    if isinstance(value, float):  # one row viewed N times: the check then runs the model on one row
        return inputs.new_full((1, *inputs.shape[1:]), value).expand_as(inputs)
    return value


def references(inputs: tuple, baselines) -> tuple:
    """One reference per attributed input: ``baselines`` for each, or its own from a tuple of them."""
    if isinstance(baselines, (tuple, list)):
        if len(baselines) != len(inputs):
            raise ParameterError(f"baselines has {len(baselines)} entries for {len(inputs)} inputs: give one "
                                 "reference per input, or one number for all.")
        return tuple(reference(x, b) for x, b in zip(inputs, baselines))
    return tuple(reference(x, baselines) for x in inputs)


def reference_tensors(inputs, baselines):
    """:func:`reference_tensor` for one input, or one per input for several."""
    if isinstance(inputs, tuple):
        return tuple(reference_tensor(x, b) for x, b in zip(inputs, references(inputs, baselines)))
    return reference_tensor(inputs, baselines)
