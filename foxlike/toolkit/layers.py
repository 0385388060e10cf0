"""Finding the layer a layer method attributes to.

The last convolutional layer is the last one that *runs* in a forward pass,
which is not always the last one registered (a model may define its layers
in any order): ``ExplainedModel.run_order`` tells which it is.
"""
from __future__ import annotations

import torch
from torch import nn

from ..errors import ParameterError


def last_conv_layer(model, inputs) -> nn.Module:
    """The convolution that runs last in a forward pass."""
    ran = model.run_order(inputs, (nn.Conv1d, nn.Conv2d, nn.Conv3d))
    if not ran:
        raise ParameterError(
            "The model has no convolutional layer that runs in its forward pass, so there is no last conv "
            "layer to attribute to. Name a layer with layer='<dotted.name>' (see model.named_modules()) "
            "or pass the module itself."
        )
    return ran[-1]


def resolve_layer(model, inputs, layer) -> nn.Module:
    """``layer`` as given (a dotted name or a module), or the last conv layer when ``None``."""
    return last_conv_layer(model, inputs) if layer is None else model.layer(layer)


def upsample_to_input(attributions: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """Sum over channels and resize bilinearly to the input's height and width: (N, 1, H, W)."""
    summed = attributions.sum(dim=1, keepdim=True) if attributions.dim() == 4 else attributions
    if summed.dim() != 4:
        raise ParameterError(
            f"upsample=True needs a layer with 4-D output (N, C, h, w); this layer gives {tuple(attributions.shape)}."
        )
    return nn.functional.interpolate(summed, size=inputs.shape[-2:], mode="bilinear", align_corners=False)

