"""Pictures of image attributions, drawn with matplotlib's non-interactive Agg backend.

For one image and one explainer: the image, the signed heat map, the heat map
blended over the image, and the positive, negative and absolute parts. For
one image and several explainers: the blended overlays side by side.
Figures come back as :class:`Picture`: PNG, or JPEG for photographs.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

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


DPI = 80
#: Widest a view is drawn, in pixels: an ImageNet photo (224) keeps its detail, a digit (8) is enlarged.
MIN_VIEW, MAX_VIEW = 160, 256


def _figure(columns: int, image_width: int):
    from matplotlib.figure import Figure  # no pyplot: no global state, Agg canvas

    inches = min(max(image_width, MIN_VIEW), MAX_VIEW) / DPI + 0.2  # the view plus a little margin
    figure = Figure(figsize=(inches * columns, inches + 0.25), dpi=DPI)
    axes = figure.subplots(1, columns, squeeze=False)[0]
    figure.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99 - 0.25 / (inches + 0.25), wspace=0.06)
    return figure, axes


@dataclass(frozen=True)
class Picture:
    """An encoded figure: ``data`` in the format ``mime`` names."""

    data: bytes
    mime: str


#: Images at least this wide are photographs: JPEG (quality 90) is about a fifth of PNG's size for them.
#: Smaller ones (digits) stay PNG, whose sharp pixel edges JPEG would blur.
PHOTO_WIDTH = 64


def _encode(figure, image_width: int) -> Picture:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    if image_width >= PHOTO_WIDTH:
        figure.savefig(buffer, format="jpeg", bbox_inches="tight", pil_kwargs={"quality": 90})
        return Picture(buffer.getvalue(), "image/jpeg")
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return Picture(buffer.getvalue(), "image/png")


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


def explainer_views(pixels: np.ndarray, attributions: np.ndarray) -> Picture:
    """One row: image, signed heat map, overlay, positive, negative, absolute."""
    values = attribution_map(attributions, *pixels.shape[:2])
    scale = colour_scale(values)
    figure, axes = _figure(len(VIEWS), pixels.shape[1])
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
    return _encode(figure, pixels.shape[1])


def side_by_side(pixels: np.ndarray, attributions: dict[str, np.ndarray]) -> Picture:
    """The image, then each explainer's overlay, in one row."""
    figure, axes = _figure(1 + len(attributions), pixels.shape[1])
    _show_image(axes[0], pixels, "image")
    for axis, (name, values) in zip(axes[1:], attributions.items()):
        _overlay(axis, pixels, attribution_map(values, *pixels.shape[:2]), name)
    return _encode(figure, pixels.shape[1])
