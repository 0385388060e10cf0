"""Explanations as matplotlib figures: the one renderer of notebooks, saved files and the HTML report.

``plot(explanations)`` draws one sample as each explainer explained it;
``Explanation.plot()`` and ``Explanation.save(path)`` draw one explanation.
Every view uses one colour scheme (:mod:`.colours`) and carries a colour bar
with its numeric scale (:mod:`.views`). Figures are made without pyplot: no
global state, nothing shown until asked, any thread.
"""
from __future__ import annotations

from .drawing import Panel, RowPainter, draw, encode
from .explanations import panels_of, panels_of_several


def plot_explanation(explanation, inputs=None, index: int | None = None, labels: list[str] | None = None):
    """The Figure of one explanation (each sample of a batch, up to eight, or ``index``)."""
    return draw(panels_of(explanation, inputs, index, labels))


def plot(explanations, inputs=None, index: int = 0, labels: list[str] | None = None):
    """The Figure of sample ``index`` as each explanation (a dict from ``xai_model(inputs)``, a list, or one)
    explains it, one row of views per explainer, in one colour scheme."""
    return draw(panels_of_several(explanations, inputs, index, labels))


def save(figure, path) -> None:
    """Write ``figure`` to ``path``; the format follows the suffix (.png, .jpg, .pdf, .svg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    figure.savefig(path)


__all__ = ["Panel", "RowPainter", "draw", "encode", "plot", "plot_explanation", "save"]
