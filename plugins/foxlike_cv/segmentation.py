"""Segmentation targets: why the model labelled a region as a class.

The explained score of a sample is its class's logit map summed (or averaged) over a pixel region, as
pytorch-grad-cam's ``SemanticSegmentationTarget``; the region is a boolean mask, a box, or the pixels
the model itself predicted as that class on the explained batch. The region is fixed once, from the first
forward pass, and travels with its sample as a forward argument, so IG's interpolated images and LIME's
perturbed ones are scored on the same pixels (that keeps the score a smooth function of the input, and
IG's completeness holds on it).

The output must be ``(N, classes, H, W)`` after the output transform; torchvision's segmentation models
return ``{"out": ..., "aux": ...}``, whose ``"out"`` the ``logits`` output picks.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch

import foxlike

REDUCTIONS = ("sum", "mean")


def segmentation_target(category, region=None, reduce: str = "sum") -> Callable:
    """A target explaining ``category`` over ``region`` of each image, for ``foxlike.explain(target=...)``.

    ``category``: a class index for every image, or one per image. ``region``: ``None`` (the pixels predicted
    as the class), a bool mask ``(H, W)`` for every image or ``(N, H, W)`` one per image, a box
    ``(x1, y1, x2, y2)`` in output pixels (x2, y2 exclusive) for every image, or a sequence of N such boxes.
    ``reduce``: ``"sum"`` or ``"mean"`` of the class's logits over the region.
    """
    if reduce not in REDUCTIONS:
        raise foxlike.TargetError(f"reduce must be 'sum' or 'mean', got {reduce!r}.")

    def target(output):
        maps = _class_maps(output)
        categories = _categories(category, maps)
        mask = _region_mask(region, maps, categories)
        return region_score(categories, mask, reduce, "predicted" if region is None else "given")

    target.__name__ = f"segmentation:{category}" if isinstance(category, int) else "segmentation"
    return target


def region_score(categories: torch.Tensor, mask: torch.Tensor, reduce: str, origin: str) -> foxlike.ScoreTarget:
    """The score of each sample's class over its region ``mask`` ``(N, H, W)``, both riding along with it."""
    pixels = mask.flatten(1).sum(1)
    describe = [f"class {int(c)} over {int(n)} {origin} pixels ({reduce})" for c, n in zip(categories, pixels)]
    return foxlike.ScoreTarget.from_output(lambda out, c, m: _score(out, c, m, reduce),
                                           (categories, mask.to(torch.float32)), describe)


def _categories(category, maps: torch.Tensor) -> torch.Tensor:
    batch, classes = maps.shape[:2]
    try:
        values = torch.as_tensor(category, device=maps.device)
    except (TypeError, ValueError, RuntimeError):
        values = None
    if (values is None or isinstance(category, bool) or values.is_floating_point() or values.dtype == torch.bool
            or values.dim() > 1 or (values.dim() == 1 and values.shape[0] != batch)):
        raise foxlike.TargetError(f"The segmentation class must be a class index or one per sample ({batch} here), "
                                  f"got {category!r}.")
    values = values.long().expand(batch) if values.dim() == 0 else values.long()
    bad = (values < 0) | (values >= classes)
    if bad.any():
        raise foxlike.TargetError(f"Class {int(values[bad][0])} is out of range for a segmentation output with "
                                  f"{classes} classes (valid: 0 to {classes - 1}).")
    return values.clone()


def _score(output, categories: torch.Tensor, masks: torch.Tensor, reduce: str) -> torch.Tensor:
    maps = _class_maps(output)
    picked = maps.gather(1, categories.view(-1, 1, 1, 1).expand(-1, 1, *maps.shape[2:])).squeeze(1)
    masks = masks.to(picked.dtype)
    total = (picked * masks).flatten(1).sum(1)
    return total / masks.flatten(1).sum(1).clamp_min(1) if reduce == "mean" else total


def _class_maps(output) -> torch.Tensor:
    if not isinstance(output, torch.Tensor) or output.dim() != 4:
        shape = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        raise foxlike.TargetError(
            f"A segmentation target needs an output of shape (N, classes, H, W), got {shape}: pass "
            "output=<callable> that returns the class maps (torchvision's segmentation models return a dict whose "
            "'out' the default output picks)."
        )
    return output


def _region_mask(region, maps: torch.Tensor, categories: torch.Tensor) -> torch.Tensor:
    """The region as a bool mask ``(N, H, W)`` on the output's grid; an empty region is refused."""
    batch, height, width = maps.shape[0], maps.shape[2], maps.shape[3]
    if region is None:
        mask = maps.argmax(dim=1) == categories.view(-1, 1, 1)
        empty = (~mask.flatten(1).any(1)).nonzero().flatten().tolist()
        if empty:
            raise foxlike.TargetError(
                f"No pixel of sample(s) {empty} is predicted as its class {categories[empty].tolist()}, so there is no region to "
                "explain: pass a region (a mask or a box), explain those samples with another class, or leave "
                "them out of the batch."
            )
        return mask
    if isinstance(region, torch.Tensor) and region.dim() >= 2:
        mask = region.to(maps.device).bool()
        mask = mask.expand(batch, -1, -1) if mask.dim() == 2 else mask
        if mask.shape != (batch, height, width):
            raise foxlike.TargetError(
                f"The region mask has shape {tuple(region.shape)}, but the output's maps are {height}x{width} for "
                f"{batch} samples: pass a mask of shape ({height}, {width}) or ({batch}, {height}, {width})."
            )
    else:
        mask = _boxes_mask(region, batch, height, width).to(maps.device)
    empty = (~mask.flatten(1).any(1)).nonzero().flatten().tolist()
    if empty:
        raise foxlike.TargetError(f"The region of sample(s) {empty} holds no pixel: give each sample a region of "
                                  "at least one pixel.")
    return mask


def _boxes_mask(region, batch: int, height: int, width: int) -> torch.Tensor:
    boxes = _as_boxes(region, batch)
    mask = torch.zeros(batch, height, width, dtype=torch.bool)
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        if not (0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height):
            raise foxlike.TargetError(
                f"Box {(x1, y1, x2, y2)} (x1, y1, x2, y2) lies outside the {width}x{height} output or is empty: give "
                f"0 <= x1 < x2 <= {width} and 0 <= y1 < y2 <= {height}, in output pixels."
            )
        mask[i, y1:y2, x1:x2] = True
    return mask


def _as_boxes(region, batch: int) -> list[tuple[int, int, int, int]]:
    values = region.tolist() if isinstance(region, torch.Tensor) else region
    if isinstance(values, Sequence) and len(values) == 4 and all(isinstance(v, (int, float)) for v in values):
        values = [values] * batch
    if (not isinstance(values, Sequence) or len(values) != batch
            or not all(isinstance(box, Sequence) and len(box) == 4 for box in values)):
        raise foxlike.TargetError(
            f"Cannot read region {region!r}: pass a bool mask (H, W) or (N, H, W), a box (x1, y1, x2, y2), one box "
            f"per sample ({batch} here), or None for the pixels predicted as the class."
        )
    return [tuple(int(v) for v in box) for box in values]


def named_segmentation(output, argument: str = ""):
    """``"segmentation:CLASS"`` or ``"segmentation:CLASS:mean"``: the pixels predicted as CLASS, for configs."""
    category, _, reduce = argument.partition(":")
    if not category.isdigit():
        raise foxlike.TargetError(f"Name the class to explain, as in 'segmentation:3' or 'segmentation:3:mean', got "
                                  f"'segmentation:{argument}'.")
    return segmentation_target(int(category), None, reduce or "sum")(output)
