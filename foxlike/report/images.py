"""Pictures of image attributions, drawn with matplotlib's non-interactive Agg backend.

For one image and one explainer: the image, the signed heat map, the heat map
blended over the image, and the positive, negative and absolute parts. For
one image and several explainers: the blended overlays side by side.
Figures come back as PNG bytes.
"""
from __future__ import annotations

import io

import numpy as np

VIEWS = ("image", "heat map", "overlay", "positive", "negative", "absolute")


def attribution_map(attributions: np.ndarray, height: int, width: int) -> np.ndarray:
    """A (height, width) map: channels summed, smaller maps (layer methods) resized to the image."""
    values = np.asarray(attributions, dtype=np.float32)
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


def _figure(columns: int):
    from matplotlib.figure import Figure  # no pyplot: no global state, Agg canvas

    figure = Figure(figsize=(2.2 * columns, 2.4), dpi=80)
    return figure, figure.subplots(1, columns, squeeze=False)[0]


def _png(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _show_image(axis, pixels: np.ndarray, title: str) -> None:
    gray = pixels.shape[-1] == 1
    axis.imshow(pixels[..., 0] if gray else pixels, cmap="gray" if gray else None, vmin=0, vmax=1)
    axis.set_title(title, fontsize=9)
    axis.axis("off")


def _overlay(axis, pixels: np.ndarray, values: np.ndarray, title: str) -> None:
    scale = colour_scale(values)
    _show_image(axis, pixels.mean(axis=-1, keepdims=True), title)
    # opacity follows the attribution's size, so unimportant pixels show the image unchanged
    axis.imshow(values, cmap="bwr", vmin=-scale, vmax=scale, alpha=np.clip(np.abs(values) / scale, 0, 1) * 0.8)


def explainer_views(pixels: np.ndarray, attributions: np.ndarray) -> bytes:
    """One row: image, signed heat map, overlay, positive, negative, absolute."""
    values = attribution_map(attributions, *pixels.shape[:2])
    scale = colour_scale(values)
    figure, axes = _figure(len(VIEWS))
    _show_image(axes[0], pixels, "image")
    axes[1].imshow(values, cmap="bwr", vmin=-scale, vmax=scale)
    _overlay(axes[2], pixels, values, "overlay")
    for axis, (name, part, cmap) in zip(axes[3:], [("positive", np.clip(values, 0, None), "Reds"),
                                                   ("negative", np.clip(-values, 0, None), "Blues"),
                                                   ("absolute", np.abs(values), "viridis")]):
        axis.imshow(part, cmap=cmap, vmin=0, vmax=scale)
    for axis, name in zip(axes[1:], VIEWS[1:]):
        axis.set_title(name, fontsize=9)
        axis.axis("off")
    return _png(figure)


def side_by_side(pixels: np.ndarray, attributions: dict[str, np.ndarray]) -> bytes:
    """The image, then each explainer's overlay, in one row."""
    figure, axes = _figure(1 + len(attributions))
    _show_image(axes[0], pixels, "image")
    for axis, (name, values) in zip(axes[1:], attributions.items()):
        _overlay(axis, pixels, attribution_map(values, *pixels.shape[:2]), name)
    return _png(figure)
