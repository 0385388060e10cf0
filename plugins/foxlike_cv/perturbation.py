"""How LIME and Kernel SHAP switch an image's features off: set them to the reference value.

The features of an image are its superpixels (shared by all channels); with
several attributed inputs every input brings its own, numbered after the
previous input's, so one coalition switches features of all inputs at once
(an input that is not an image, such as metadata, has one feature per value).
"""
from __future__ import annotations

import torch

from foxlike.toolkit.perturbation import each_sample
from foxlike.toolkit.rows import as_tuple, repeated

from .baselines import references
from .superpixels import feature_masks


def joint_ids(masks: list[torch.Tensor]) -> tuple[list[torch.Tensor], int]:
    """One sample's masks (one per input) renumbered into one range 0..k-1; returns them and k."""
    joint, offset = [], 0
    for mask in masks:
        values, dense = torch.unique(mask, return_inverse=True)
        joint.append(dense.reshape(mask.shape) + offset)
        offset += len(values)
    return joint, offset


def features_off(sample: tuple, masks: list[torch.Tensor], n_features: int, references: tuple, forward_args):
    """``perturb`` for :mod:`foxlike.toolkit.perturbation`: the sample's inputs (each a batch of one) with the
    features whose coalition entry is 0 set to the input's reference, one copy per coalition."""
    onehots = [torch.nn.functional.one_hot(mask.reshape(-1), n_features).to(x.dtype) for x, mask in zip(sample, masks)]

    def perturb(chunk):
        perturbed = []
        for x, mask, onehot, reference in zip(sample, masks, onehots, references):
            keep = (chunk.to(x) @ onehot.T).reshape(len(chunk), *mask.shape)
            perturbed.append(x * keep + reference * (1 - keep))
        return (perturbed[0] if len(perturbed) == 1 else tuple(perturbed)), repeated(forward_args, len(chunk))

    return perturb


def to_input_shape(coefficients: torch.Tensor, mask: torch.Tensor, inputs_shape) -> torch.Tensor:
    """Spread each feature's coefficient over its pixels, in every channel: ``(k,)`` gives the input's shape,
    ``(T, k)`` one map per target, ``(T, *input)``."""
    return coefficients[..., mask].expand(*coefficients.shape[:-1], *inputs_shape)


def attribution_buffer(inputs: torch.Tensor, target) -> torch.Tensor:
    """Where every sample's map goes: the input's shape, with a target dimension for (N, T) targets."""
    if isinstance(target, torch.Tensor) and target.dim() == 2:
        return inputs.new_empty((inputs.shape[0], target.shape[1], *inputs.shape[1:]))
    return torch.empty_like(inputs)


def element_masks(inputs: torch.Tensor) -> torch.Tensor:
    """One feature per value of each sample (an input that is not an image: a table row, metadata)."""
    per_sample = torch.arange(inputs[0].numel(), device=inputs.device).reshape(inputs.shape[1:])
    return per_sample.expand(inputs.shape).clone()


def explain_features(model, inputs, target, feature_mask, segmentation, n_segments, baselines, fit):
    """The loop of the superpixel surrogates: ``fit(perturb, k, target_i) -> (values, extras)`` per sample,
    its values spread back over the features of every input.

    Returns the attributions (a tuple for several inputs), each sample's values, each sample's extras and
    the feature masks.
    """
    xs = as_tuple(inputs)
    given = feature_mask if isinstance(feature_mask, (tuple, list)) else (feature_mask,) * len(xs)
    masks = [feature_masks(x, m, segmentation, n_segments) if x.dim() == 4 or m is not None else element_masks(x)
             for x, m in zip(xs, given)]
    refs = references(xs, baselines)
    buffers = [attribution_buffer(x, target) for x in xs]
    values, extras = [], []
    for i, sample, sample_target, args in each_sample(inputs, target, model.forward_args):
        ids, k = joint_ids([m[i] for m in masks])
        base = tuple(r if isinstance(r, float) else r[i:i + 1] for r in refs)
        found, extra = fit(features_off(as_tuple(sample), ids, k, base, args), k, sample_target)
        values.append(found.tolist())
        extras.append(extra)
        for buffer, x, mask in zip(buffers, xs, ids):
            buffer[i] = to_input_shape(found.to(x), mask, x.shape[1:])
    attributions = tuple(buffers) if isinstance(inputs, tuple) else buffers[0]
    return attributions, values, extras, (tuple(masks) if isinstance(inputs, tuple) else masks[0])
