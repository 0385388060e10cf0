"""One row of views of one image's attributions, drawn onto a matplotlib Figure (or SubFigure).

The views: the image, the signed heat map, the overlay, and the positive and
negative parts, each map with a colour bar and its numeric scale. A map with no
negative values (Grad-CAM, LRP with the z+ rule) gets no positive or negative
panel: its heat map is already the positive part, and a note says so. Small
inputs (an 8x8 digit) are drawn large with nearest interpolation, so each of
their pixels stays one visible square.

A :class:`Row` is built once for a :class:`Layout` and filled for each input:
the report re-fills one figure per layout instead of building a figure per input,
which is most of what a figure costs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import colours
from .maps import colour_scale, has_negative

SIGNED_VIEWS = ("image", "heat map", "overlay", "positive", "negative")
NON_NEGATIVE_VIEWS = ("image", "heat map", "overlay")
NO_NEGATIVE_NOTE = "no negative values: nothing lowers the score (no positive / negative panels)"

DPI = 100
#: Widest a view is drawn, in pixels: an ImageNet photo (224) keeps its detail, a digit (8) is enlarged.
MIN_VIEW, MAX_VIEW = 160, 256
#: Inputs narrower than this are drawn with nearest interpolation (each pixel a square).
SMALL_INPUT = 64
#: Per view, the widths beside the map (as fractions of it): gap, colour bar, room for the bar's numbers.
_GAP, _BAR, _TICKS = 0.04, 0.06, 0.38
_TITLE_INCHES, _NOTE_INCHES = 0.5, 0.22


@dataclass(frozen=True)
class Layout:
    """What fixes a row's axes: the image's size and channels, and whether the map has negative values."""

    height: int
    width: int
    grey: bool
    signed: bool

    @property
    def views(self) -> tuple[str, ...]:
        return SIGNED_VIEWS if self.signed else NON_NEGATIVE_VIEWS

    @property
    def view_inches(self) -> tuple[float, float]:
        wide = min(max(self.width, MIN_VIEW), MAX_VIEW) / DPI
        return wide, wide * self.height / self.width

    def size(self) -> tuple[float, float]:
        """The (width, height) in inches of a figure holding this one row."""
        wide, high = self.view_inches
        return len(self.views) * wide * (1 + _GAP + _BAR + _TICKS), high + _TITLE_INCHES + _NOTE_INCHES


def layout_of(pixels: np.ndarray, values: np.ndarray) -> Layout:
    return Layout(pixels.shape[0], pixels.shape[1], pixels.shape[-1] == 1, has_negative(values, colour_scale(values)))


class Row:
    """The artists of one row, made once; :meth:`fill` draws an image and its map into them."""

    def __init__(self, container, layout: Layout, share: float = 1.0):
        """``share``: the part of the container's width the row takes (rows of fewer views, left-aligned)."""
        self.layout, self.container = layout, container
        views = layout.views
        wide, high = layout.view_inches
        total_wide, total_high = layout.size()
        across, up = share * wide / total_wide, high / total_high  # one map's width and height, as fractions
        unit, bottom = across * (1 + _GAP + _BAR + _TICKS), _NOTE_INCHES / total_high
        # axes placed by hand (no grid of spacer axes): a third of the drawing time is axes
        self.axes = {name: container.add_axes((0.005 + i * unit, bottom, across, up)) for i, name in enumerate(views)}
        bars = {name: container.add_axes((0.005 + i * unit + across * (1 + _GAP), bottom, across * _BAR, up))
                for i, name in enumerate(views) if name != "image"}
        small = max(layout.height, layout.width) < SMALL_INPUT
        interpolation = "nearest" if small else "antialiased"
        blank = np.zeros((layout.height, layout.width) + (() if layout.grey else (3,)), dtype=np.float32)
        zeros = np.zeros((layout.height, layout.width), dtype=np.float32)
        self.images = {"image": self.axes["image"].imshow(blank, cmap="gray", vmin=0, vmax=1,
                                                          interpolation=interpolation)}
        self.images["heat map"] = self.axes["heat map"].imshow(
            zeros, cmap=colours.colour_map("signed" if layout.signed else "positive"), interpolation=interpolation)
        self.images["overlay"] = self.axes["overlay"].imshow(np.zeros(zeros.shape + (3,)), interpolation=interpolation)
        if layout.signed:
            for part in ("positive", "negative"):
                self.images[part] = self.axes[part].imshow(zeros, cmap=colours.colour_map(part),
                                                           interpolation=interpolation)
        from matplotlib.patches import Rectangle

        for name, axis in self.axes.items():
            axis.set_axis_off()
            axis.set_label(name)  # what a test (or a user) finds the view by: figure.axes[i].get_label()
            axis.add_patch(Rectangle((0, 0), 1, 1, transform=axis.transAxes, fill=False, linewidth=0.6, clip_on=False,
                                     edgecolor="#333"))
            # a title as plain text: Axes.set_title re-measures the axes on every draw
            axis.text(0.5, 1.02, name, transform=axis.transAxes, ha="center", va="bottom", fontsize=9)
        signed = "signed" if layout.signed else "positive"
        parts = {"heat map": signed, "overlay": signed, "positive": "positive", "negative": "negative"}
        self.bars = {name: ColourBar(axis, parts[name], name) for name, axis in bars.items()}
        self.title = container.text(0.5 * share, 1 - 0.06 / total_high, "", fontsize=9, ha="center", va="top")
        self.note = container.text(0.5 * share, 0.02, "" if layout.signed else NO_NEGATIVE_NOTE, ha="center",
                                   va="bottom", fontsize=8, color="#444")

    def fill(self, pixels: np.ndarray, values: np.ndarray, title: str = "") -> None:
        """Draw ``pixels`` ((H, W, C) in [0, 1]) and ``values`` ((H, W)) into the row's artists."""
        scale = colour_scale(values)
        self.images["image"].set_data(pixels[..., 0] if self.layout.grey else pixels)
        self.images["heat map"].set_data(values if self.layout.signed else np.clip(values, 0, None))
        self.images["heat map"].set_clim(-scale if self.layout.signed else 0, scale)
        self.images["overlay"].set_data(np.clip(colours.overlay_rgb(pixels, values, scale), 0, 1))
        low = -scale if self.layout.signed else 0.0
        self.bars["heat map"].show(low, scale)
        self.bars["overlay"].show(low, scale)
        if self.layout.signed:
            self.images["positive"].set_data(np.clip(values, 0, None))
            self.images["positive"].set_clim(0, scale)
            self.images["negative"].set_data(np.clip(values, None, 0))
            self.images["negative"].set_clim(-scale, 0)
            self.bars["positive"].show(0.0, scale)
            self.bars["negative"].show(-scale, 0.0)
        self.title.set_text(title)


def number(value: float) -> str:
    """A bar's value: three significant digits, a true minus sign, no "-0"."""
    text = f"{value + 0.0:.3g}"
    return "0" if text in ("-0", "0") else text.replace("-", "\u2212")


class ColourBar:
    """A colour bar with its numeric scale: the colour map as a gradient and five labelled values.

    Drawn as an image and five texts rather than with ``Figure.colorbar``, whose tick machinery was two
    thirds of the time a re-filled row took to draw (0.12 of 0.18 s for a digit's five views).
    """

    TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)

    def __init__(self, axis, part: str, view: str):
        from matplotlib.patches import Rectangle

        self.axis = axis
        axis.set_label(f"colour bar: {view}")
        axis.set_axis_off()
        axis.imshow(np.linspace(1, 0, 256)[:, None], cmap=colours.colour_map(part), aspect="auto",
                    extent=(0, 1, 0, 1), interpolation="bilinear")
        axis.add_patch(Rectangle((0, 0), 1, 1, transform=axis.transAxes, fill=False, linewidth=0.6, clip_on=False,
                                 edgecolor="#333"))
        self.labels = [axis.text(1.45, f, "", transform=axis.transAxes, va="center", ha="left", fontsize=7)
                       for f in self.TICKS]
        for f in self.TICKS:
            axis.plot([1.0, 1.2], [f, f], transform=axis.transAxes, color="#333", linewidth=0.6, clip_on=False)

    def show(self, low: float, high: float) -> None:
        for label, f in zip(self.labels, self.TICKS):
            label.set_text(number(low + f * (high - low)))

    @property
    def values(self) -> list[str]:
        """The numbers the bar shows, bottom to top."""
        return [label.get_text() for label in self.labels]
