"""What a metric removes or adds: the input's features in the order of their attributions.

Images: a feature is a pixel (all its channels), ranked by the attribution
summed over channels; a one-channel map (Grad-CAM's, (N, 1, H, W)) ranks the
pixels of an image of any number of channels. Token ids: a feature is a token, replaced by
``pad_id``. Attributions must have the input's shape (for layer methods,
ask for ``upsample=True``).
"""
from __future__ import annotations

import torch

from foxlike import ParameterError


def feature_scores(inputs, attributions) -> torch.Tensor:
    """One score per feature per sample: (N, F)."""
    if not inputs.is_floating_point():
        expected = inputs.shape
        scores = attributions
    else:
        expected = (inputs.shape[0], *inputs.shape[2:]) if inputs.dim() == 4 else inputs.shape
        one_channel = inputs.dim() == 4 and attributions.dim() == 4 and attributions.shape[1] == 1
        scores = attributions.sum(dim=1) if inputs.dim() == 4 and (attributions.shape == inputs.shape or one_channel) \
            else attributions
    if tuple(scores.shape) != tuple(expected):
        raise ParameterError(
            f"This metric needs attributions shaped like the input ({tuple(inputs.shape)}), got "
            f"{tuple(attributions.shape)}: a map of the input's size, with its channels or one. For layer methods "
            "pass upsample=True."
        )
    return scores.reshape(inputs.shape[0], -1)


def reference(inputs, baseline, pad_id: int):
    """What a removed feature becomes: ``pad_id`` for tokens; a number, "mean" or "blur" for images."""
    if not inputs.is_floating_point():
        return torch.full_like(inputs, pad_id)
    if baseline == "mean":
        return inputs.mean(dim=tuple(range(1, inputs.dim())), keepdim=True).expand_as(inputs)
    if baseline == "blur":
        if inputs.dim() != 4:
            raise ParameterError("baseline='blur' needs images (N, C, H, W).")
        size = max(3, (min(inputs.shape[-2:]) // 8) | 1)
        return torch.nn.functional.avg_pool2d(inputs, size, stride=1, padding=size // 2, count_include_pad=False)
    return torch.full_like(inputs, float(baseline))


def blend(start, end, order, count):
    """``start`` with its ``count`` first features (in ``order``) taken from ``end``."""
    n = start.shape[0]
    chosen = torch.zeros(n, order.shape[1], dtype=torch.bool, device=start.device)
    chosen.scatter_(1, order[:, :count], True)
    if start.is_floating_point() and start.dim() == 4:
        chosen = chosen.reshape(n, 1, *start.shape[2:])
    else:
        chosen = chosen.reshape(start.shape)
    return torch.where(chosen, end, start)
