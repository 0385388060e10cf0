"""How LIME and Kernel SHAP switch an image's superpixels off: set them to the reference value."""
from __future__ import annotations

import torch

from foxlike.toolkit.rows import repeated


def superpixels_off(image, mask, n_features, baselines, forward_args):
    """``perturb`` for :mod:`foxlike.toolkit.perturbation`: ``image`` (1, C, H, W) with the superpixels
    of ``mask`` (1, H, W) whose coalition entry is 0 set to ``baselines``, one copy per coalition."""
    onehot = torch.nn.functional.one_hot(mask.reshape(-1), n_features).to(image.dtype)  # (pixels, k)

    def perturb(chunk):
        keep = (chunk.to(image) @ onehot.T).reshape(len(chunk), *mask.shape)  # (s, 1, H, W)
        return image * keep + baselines * (1 - keep), repeated(forward_args, len(chunk))

    return perturb


def to_input_shape(coefficients: torch.Tensor, mask: torch.Tensor, inputs_shape) -> torch.Tensor:
    """Spread each feature's coefficient over its pixels, in every channel: ``(k,)`` gives the input's shape,
    ``(T, k)`` one map per target, ``(T, *input)``."""
    return coefficients[..., mask].expand(*coefficients.shape[:-1], *inputs_shape)


def attribution_buffer(inputs: torch.Tensor, target) -> torch.Tensor:
    """Where every image's map goes: the inputs' shape, with a target dimension for (N, T) targets."""
    if isinstance(target, torch.Tensor) and target.dim() == 2:
        return inputs.new_empty((inputs.shape[0], target.shape[1], *inputs.shape[1:]))
    return torch.empty_like(inputs)
