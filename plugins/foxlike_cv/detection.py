"""Detection targets: why a detector found one object.

A detector's output is one dict per image of ``"boxes"`` (x1, y1, x2, y2 in input pixels), ``"labels"`` and
``"scores"`` (torchvision's Faster R-CNN, RetinaNet, FCOS and SSD in eval mode, and any model returning the
same). The explained detection is fixed once, from the first forward pass, as a class and a box riding along
with its sample; on every perturbed or interpolated image the explainers run, the score is that of the
detection of the same class whose box overlaps it most, as pytorch-grad-cam's ``FasterRCNNBoxScoreTarget``
matches them, when the overlap (IoU) reaches ``iou``.

When no detection of that class overlaps enough (the object is no longer detected: occluded, faded to the
baseline), the score is 0, which is what a detector that reports nothing says of it. The score is therefore
not smooth where a detection appears or disappears, so IG's completeness check may fail on a detection
and says so; saliency, Grad-CAM, occlusion, LIME and Kernel SHAP have no such check.
"""
from __future__ import annotations

from typing import Callable

import torch

import foxlike
from foxlike.toolkit.detections import is_detections

#: the overlap at which a detection on a changed image is still the explained one (grad-cam's threshold)
MATCHING_IOU = 0.5


def detection_target(index: int | None = None, label=None, box=None, above: float | None = None,
                     iou: float = MATCHING_IOU) -> Callable:
    """A target explaining detections, for ``foxlike.explain(target=...)``; give one of:

    - ``index``: each image's detection at that place in its prediction (0: the highest-scoring one);
    - ``label`` and ``box``: the class and box ``(x1, y1, x2, y2)`` to explain, one for every image, or one
      per image (a sequence of labels and an ``(N, 4)`` box tensor or list);
    - ``above``: every detection scoring above it, several targets per image (images with fewer get empty
      slots: zero attributions, not checked).
    """
    given = [name for name, value in (("index", index), ("label and box", box), ("above", above))
             if value is not None]
    if len(given) != 1 or (box is None) != (label is None):
        raise foxlike.TargetError("Name one detection target: index=I (each image's detection I), label=C with "
                                  "box=(x1, y1, x2, y2), or above=SCORE (every detection scoring above it).")
    if not 0 < iou <= 1:
        raise foxlike.TargetError(f"iou is the overlap a detection must keep to stay the explained one, in (0, 1]; "
                                  f"got {iou!r}.")

    def target(output):
        detections = _detections(output)
        if index is not None:
            labels, boxes, describe = _by_index(detections, index)
        elif above is not None:
            return _above(detections, above, iou)
        else:
            labels, boxes = _given(detections, label, box)
            describe = [f"class {int(c)} at {_box_text(b)}" for c, b in zip(labels, boxes)]
        return foxlike.ScoreTarget(lambda call, inputs, c, b: matched_scores(call(inputs), inputs, c, b, iou),
                                   (labels, boxes), describe)

    target.__name__ = "detection"
    return target


def matched_scores(detections, inputs: torch.Tensor, labels: torch.Tensor, boxes: torch.Tensor,
                   iou: float) -> torch.Tensor:
    """Per row, the score of the detection of ``labels[row]`` that overlaps ``boxes[row]`` most, if by ``iou``
    at least; else 0. ``labels``/``boxes`` may be ``(rows,)``/``(rows, 4)`` or ``(rows, T)``/``(rows, T, 4)``."""
    _detections(detections)
    several = labels.dim() == 2
    labels, boxes = (labels, boxes) if several else (labels[:, None], boxes[:, None])
    # 0 * the inputs keeps every row in the graph, so a row whose object is gone has a zero gradient
    # rather than none (autograd refuses an output that does not depend on the inputs)
    anchor = inputs.flatten(1).sum(1) * 0
    rows = []
    for row, found in enumerate(detections):
        overlaps = box_iou(boxes[row].to(found["boxes"].dtype), found["boxes"])  # (T, K)
        same = labels[row][:, None] == found["labels"][None, :]
        overlaps = torch.where(same, overlaps, torch.zeros_like(overlaps))
        picked = found["scores"].new_zeros(labels.shape[1]) + anchor[row]
        if overlaps.numel():
            best, where = overlaps.max(dim=1)
            hit = best >= iou
            picked = torch.where(hit, found["scores"][where] + anchor[row], picked)
        rows.append(picked)
    scores = torch.stack(rows)
    return scores if several else scores[:, 0]


def box_iou(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Intersection over union of every box in ``first`` (A, 4) with every box in ``second`` (B, 4)."""
    top_left = torch.maximum(first[:, None, :2], second[None, :, :2])
    bottom_right = torch.minimum(first[:, None, 2:], second[None, :, 2:])
    inter = (bottom_right - top_left).clamp_min(0).prod(dim=2)
    area = lambda b: (b[:, 2:] - b[:, :2]).clamp_min(0).prod(dim=1)  # noqa: E731
    overlap = inter / (area(first)[:, None] + area(second)[None, :] - inter).clamp_min(1e-12)
    # a box of no area (an untrained regressor makes them) still is the box it is
    same = (first[:, None, :] == second[None, :, :]).all(dim=2)
    return torch.where(same, torch.ones_like(overlap), overlap)


def _detections(output):
    if not is_detections(output):
        shape = f"a tensor of shape {tuple(output.shape)}" if isinstance(output, torch.Tensor) else \
            f"a {type(output).__name__}"
        raise foxlike.TargetError(
            f"A detection target needs a detector's output (one dict of 'boxes', 'labels' and 'scores' per image), "
            f"got {shape}. For a classifier, pass a class index (target=3 or 'argmax'); for a detector whose "
            "output is shaped otherwise, pass output=<callable> that returns such dicts."
        )
    return output


def _by_index(detections, index: int):
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise foxlike.TargetError(f"A detection index is a place in the prediction (0, 1, ...), got {index!r}.")
    counts = [len(found["scores"]) for found in detections]
    short = [i for i, n in enumerate(counts) if n <= index]
    if short:
        raise foxlike.TargetError(
            f"Detection index {index} is past the predictions of sample(s) {short}, which have "
            f"{[counts[i] for i in short]} detection(s): pass an index below {min(counts[i] for i in short)}, "
            "target='detection:above:SCORE' for every detection there is, or leave those images out."
        )
    labels = torch.stack([found["labels"][index] for found in detections]).long()
    boxes = torch.stack([found["boxes"][index] for found in detections]).float()
    describe = [f"detection {index}: class {int(found['labels'][index])} at {_box_text(found['boxes'][index])}, "
                f"score {float(found['scores'][index]):.3g}" for found in detections]
    return labels, boxes, describe


def _given(detections, label, box):
    batch = len(detections)
    device = detections[0]["boxes"].device
    labels = torch.as_tensor(label, device=device).long().reshape(-1)
    boxes = torch.as_tensor(box, dtype=torch.float32, device=device).reshape(-1, 4)
    labels = labels.expand(batch).clone() if labels.numel() == 1 else labels
    boxes = boxes.expand(batch, 4).clone() if boxes.shape[0] == 1 else boxes
    if labels.shape[0] != batch or boxes.shape[0] != batch:
        raise foxlike.TargetError(f"Give one label and one box (x1, y1, x2, y2) for every image, or one per image "
                                  f"({batch} here); got {labels.shape[0]} label(s) and {boxes.shape[0]} box(es).")
    if bool(((boxes[:, 2:] <= boxes[:, :2]).any(dim=1)).any()):
        raise foxlike.TargetError(f"A box is (x1, y1, x2, y2) with x1 < x2 and y1 < y2, got {boxes.tolist()}.")
    return labels, boxes


def _above(detections, threshold: float, iou: float) -> foxlike.ScoreTarget:
    chosen = [found["scores"] > threshold for found in detections]
    none = [row for row, keep in enumerate(chosen) if not bool(keep.any())]
    if none:
        raise foxlike.TargetError(f"No detection of sample(s) {none} scores above {threshold:g}, so they have nothing "
                                  "to explain: lower the score, or leave those images out of the batch.")
    width = max(1, max(int(c.sum()) for c in chosen))
    batch, device = len(detections), detections[0]["boxes"].device
    labels = torch.full((batch, width), -1, dtype=torch.long, device=device)  # -1 matches no detection
    boxes = torch.zeros(batch, width, 4, device=device)
    describe = []
    for row, (found, keep) in enumerate(zip(detections, chosen)):
        n = int(keep.sum())
        labels[row, :n], boxes[row, :n] = found["labels"][keep], found["boxes"][keep].float()
        describe.append([f"class {int(c)} at {_box_text(b)}" for c, b in zip(labels[row, :n], boxes[row, :n])])
    return foxlike.ScoreTarget(lambda call, inputs, c, b: matched_scores(call(inputs), inputs, c, b, iou),
                               (labels, boxes), describe, count=width, present=labels >= 0)


def _box_text(box) -> str:
    return "(" + ", ".join(f"{float(v):.1f}" for v in box) + ")"


def named_detection(output, argument: str = ""):
    """``"detection:I"`` (each image's detection I) or ``"detection:above:SCORE"``, for configs."""
    kind, _, value = argument.partition(":")
    if kind.isdigit() and not value:
        return detection_target(index=int(kind))(output)
    if kind == "above":
        try:
            threshold = float(value)
        except ValueError:
            threshold = None
        if threshold is not None:
            return detection_target(above=threshold)(output)
    raise foxlike.TargetError(f"Name the detection to explain, as in 'detection:0' (each image's first) or "
                              f"'detection:above:0.5' (every detection scoring above 0.5), got 'detection:{argument}'.")
