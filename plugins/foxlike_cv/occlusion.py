"""Occlusion: the drop in the target score when a patch is replaced by a reference value."""
from __future__ import annotations

import foxlike
from foxlike.toolkit.chunking import perturbations_per_batch
from foxlike.toolkit.parameter_types import Count, PerturbationBatch, Reference
from foxlike.toolkit.rows import as_tuple

from .baselines import references


class Occlusion(foxlike.Explainer):
    """Occlusion: slide a patch of the reference value over the image, record the target score's drop.

    ``window`` and ``stride`` are in pixels (default: an eighth of the
    shorter side, at least 1); ``perturbations_per_eval`` batches the patches
    (``"auto"``: :func:`foxlike.toolkit.chunking.perturbations_per_batch`).
    With several inputs, each image gets its patches and every other input
    (metadata, say) is occluded one value at a time.
    """

    name = "cv.occlusion"
    modality = "cv"
    multi_input = True

    def calculate_features(self, model, inputs, target, window: Count | None = None, stride: Count | None = None,
                           baselines: Reference = 0.0, perturbations_per_eval: PerturbationBatch = "auto"):
        from captum.attr import Occlusion as CaptumOcclusion

        xs = as_tuple(inputs)
        windows, strides = zip(*(_patch(x, window, stride) for x in xs))
        several = isinstance(inputs, tuple)
        return CaptumOcclusion(model).attribute(
            inputs, sliding_window_shapes=windows if several else windows[0],
            strides=strides if several else strides[0],
            baselines=references(xs, baselines) if several else baselines, target=target,
            additional_forward_args=model.additional_forward_args,
            perturbations_per_eval=_patches_per_pass(model, inputs, perturbations_per_eval),
        )


def _patches_per_pass(model, inputs, requested) -> int:
    """Captum runs each patch on every sample of the batch at once: an automatic number of perturbed inputs
    per pass is shared out over the samples."""
    if requested != "auto":
        return requested
    return max(1, perturbations_per_batch(model, inputs, "auto") // as_tuple(inputs)[0].shape[0])


def _patch(x, window, stride) -> tuple[tuple, tuple]:
    """The sliding window and stride for one input: a square patch over every channel of an image, one value
    of anything else."""
    if x.dim() < 4:
        ones = (1,) * (x.dim() - 1)
        return ones, ones
    window = window or max(1, min(x.shape[-2:]) // 8)
    stride = stride or window
    return (x.shape[1], window, window), (x.shape[1], stride, stride)
