"""The one colour scheme of every view: red raises the explained score, blue lowers it, white is nothing.

The signed views use the diverging map from -scale to +scale; the positive view
uses its red half and the negative view its blue half, so one value has one
colour wherever it is drawn. The overlay is computed here, in numpy, so that the
report's thumbnails (drawn without matplotlib) and the figures show the same colours.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

DIVERGING = "RdBu_r"
#: the most an overlay covers the image at full colour (the image shows through)
OVERLAY_OPACITY = 0.8


@lru_cache(maxsize=None)
def colour_map(part: str = "signed"):
    """``signed`` (-scale..scale), ``positive`` (0..scale: the red half) or ``negative`` (-scale..0: the blue half)."""
    from matplotlib import colormaps
    from matplotlib.colors import LinearSegmentedColormap

    full = colormaps[DIVERGING]
    if part == "signed":
        return full
    half = np.linspace(0.5, 1.0, 128) if part == "positive" else np.linspace(0.0, 0.5, 128)
    return LinearSegmentedColormap.from_list(f"{DIVERGING}_{part}", full(half))


def signed_rgb(values: np.ndarray, scale: float) -> np.ndarray:
    """(H, W, 3) colours of a signed map on the diverging scheme."""
    return colour_map("signed")(np.clip(values / (2 * scale) + 0.5, 0, 1))[..., :3]


def overlay_rgb(pixels: np.ndarray, values: np.ndarray, scale: float) -> np.ndarray:
    """The map blended over the image in grey: opacity follows |attribution|, so pixels that matter little show
    the image unchanged."""
    grey = np.repeat(pixels.mean(axis=-1, keepdims=True), 3, axis=-1)
    alpha = (np.clip(np.abs(values) / scale, 0, 1) * OVERLAY_OPACITY)[..., None]
    return (1 - alpha) * grey + alpha * signed_rgb(values, scale)
