"""Telling a detector's output apart: torchvision's detectors return one dict per image with ``"boxes"``
``(K, 4)``, ``"labels"`` ``(K,)`` and ``"scores"`` ``(K,)``, the detections sorted by score."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DETECTION_KEYS = ("boxes", "labels", "scores")


def is_detections(output: Any) -> bool:
    """Whether ``output`` is a list (or tuple) of per-image dicts holding boxes, labels and scores."""
    return (isinstance(output, (list, tuple)) and len(output) > 0
            and all(isinstance(d, Mapping) and all(k in d for k in DETECTION_KEYS) for d in output))
