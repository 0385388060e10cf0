"""Figures made of rows (an image's views, or a bar chart), and figures encoded as PNG or JPEG bytes."""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from .bars import bar_size, draw_bars
from .maps import attribution_map
from .views import DPI, Row, layout_of

#: Images at least this wide are photographs: JPEG (quality 90) is about a fifth of PNG's size for them.
#: Smaller ones (digits) stay PNG, whose sharp pixel edges JPEG would blur.
PHOTO_WIDTH = 64


@dataclass
class Panel:
    """One row to draw: an image (``pixels`` (H, W, C) in [0, 1]) with its attributions, or, with ``pixels``
    None, attributions drawn as bars (``labels`` naming the features)."""

    title: str
    attributions: object
    pixels: np.ndarray | None = None
    labels: list[str] | None = None


def new_figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, and Agg when saved

    return Figure(figsize=(width, height), dpi=DPI)


def draw(panels: list[Panel]):
    """A Figure of one row per panel."""
    shaped = []
    for panel in panels:
        if panel.pixels is None:
            shaped.append((panel, None, None, bar_size(len(np.atleast_1d(panel.attributions)))))
        else:
            values = attribution_map(panel.attributions, *panel.pixels.shape[:2])
            layout = layout_of(panel.pixels, values)
            shaped.append((panel, values, layout, layout.size()))
    width = max(size[0] for *_, size in shaped)
    heights = [size[1] for *_, size in shaped]
    figure = new_figure(width, sum(heights))
    rows = [figure] if len(shaped) == 1 else figure.subfigures(len(shaped), 1, height_ratios=heights)
    for container, (panel, values, layout, _) in zip(rows, shaped):
        if layout is None:
            draw_bars(container, panel.attributions, panel.labels, panel.title)
        else:
            Row(container, layout, share=layout.size()[0] / width).fill(panel.pixels, values, panel.title)
    return figure


def encode(figure, photo: bool = False) -> tuple[bytes, str]:
    """The figure drawn once by Agg: ``(bytes, mime)``, JPEG for photographs, PNG otherwise."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3])
    buffer = io.BytesIO()
    if photo:
        image.save(buffer, format="JPEG", quality=90)
        return buffer.getvalue(), "image/jpeg"
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue(), "image/png"


class RowPainter:
    """Draws many images' views with one figure per layout, re-filled: what the report renders with."""

    def __init__(self):
        self._rows: dict = {}

    def paint(self, pixels: np.ndarray, attributions, title: str = "") -> tuple[bytes, str]:
        values = attribution_map(attributions, *pixels.shape[:2])
        layout = layout_of(pixels, values)
        if layout not in self._rows:
            figure = new_figure(*layout.size())
            self._rows[layout] = (figure, Row(figure, layout))
        figure, row = self._rows[layout]
        row.fill(pixels, values, title)
        return encode(figure, photo=pixels.shape[1] >= PHOTO_WIDTH)
