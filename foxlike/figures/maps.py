"""From attributions to what is drawn: a 2-D map the size of the image, its colour scale, displayable pixels."""
from __future__ import annotations

import numpy as np


def as_numpy(values) -> np.ndarray:
    """A tensor or array as float32 numpy (on the CPU, detached)."""
    if hasattr(values, "detach"):
        values = values.detach().float().cpu().numpy()
    return np.asarray(values, dtype=np.float32)


def attribution_map(attributions, height: int, width: int) -> np.ndarray:
    """A (height, width) map: channels summed, smaller maps (layer methods) resized to the image."""
    values = as_numpy(attributions)
    if values.ndim < 2:
        raise ValueError(f"attributions of shape {values.shape} are not an image map")
    values = values.reshape(-1, *values.shape[-2:]).sum(axis=0)
    if values.shape != (height, width):
        from skimage.transform import resize

        values = resize(values, (height, width), order=1, mode="edge", anti_aliasing=False)
    return np.nan_to_num(values)


def colour_scale(values: np.ndarray) -> float:
    """The value drawn at full colour: the 99th percentile of |values|, as Captum's visualiser does.

    Pixel attributions of large networks have a few extreme pixels; scaling to the maximum would leave
    every other pixel blank. Values beyond the scale are drawn at full colour.
    """
    magnitude = np.abs(values)
    return float(np.percentile(magnitude, 99)) or float(magnitude.max()) or 1.0


def has_negative(values: np.ndarray, scale: float) -> bool:
    """Whether a map has negative values worth a panel: any below -0.1% of the scale (Grad-CAM's ReLU has none)."""
    return bool(values.size) and float(values.min()) < -1e-3 * scale


def display_pixels(image) -> np.ndarray:
    """A model input (C, H, W), normalised or not, as (H, W, C) in [0, 1]: one or three channels shown as they
    are, any other count as their mean; stretched to [0, 1] when it lies outside."""
    values = np.nan_to_num(as_numpy(image))
    if values.ndim == 2:
        values = values[None]
    if values.shape[0] not in (1, 3):
        values = values.mean(axis=0, keepdims=True)
    pixels = np.moveaxis(values, 0, -1)
    low, high = float(pixels.min()), float(pixels.max())
    if low < 0 or high > 1:
        pixels = (pixels - low) / ((high - low) or 1.0)
    return pixels


def is_image(inputs) -> bool:
    """Whether one sample's input is an image: (C, H, W) or (H, W) floats with both sides above 1."""
    shape = tuple(getattr(inputs, "shape", ()))
    floating = getattr(inputs, "is_floating_point", lambda: np.issubdtype(np.asarray(inputs).dtype, np.floating))()
    return floating and len(shape) in (2, 3) and min(shape[-2:]) > 1
