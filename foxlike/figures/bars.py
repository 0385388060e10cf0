"""Attributions that are not an image (tokens, table columns) as one bar per feature, in the views' colours."""
from __future__ import annotations

import numpy as np

from . import colours
from .maps import as_numpy

#: At most this many features are drawn: the largest by |attribution|, the rest summed in a last bar.
MOST_BARS = 40


def feature_scores(attributions) -> np.ndarray:
    """One number per feature: anything past the first dimension (an embedding) summed."""
    values = np.nan_to_num(as_numpy(attributions))
    return values.reshape(values.shape[0], -1).sum(axis=1) if values.ndim > 1 else values.reshape(-1)


def bar_size(count: int) -> tuple[float, float]:
    return max(4.0, 0.28 * min(count, MOST_BARS) + 1.6), 2.8


def draw_bars(container, attributions, labels: list[str] | None = None, title: str = "") -> None:
    from matplotlib.cm import ScalarMappable

    scores = feature_scores(attributions)
    names = list(labels or [str(i) for i in range(len(scores))])[: len(scores)]
    names += [str(i) for i in range(len(names), len(scores))]
    if len(scores) > MOST_BARS:
        keep = np.sort(np.argsort(-np.abs(scores))[: MOST_BARS - 1])
        rest = np.setdiff1d(np.arange(len(scores)), keep)
        names = [names[i] for i in keep] + [f"{len(rest)} others"]
        scores = np.append(scores[keep], scores[rest].sum())
    scale = float(np.abs(scores).max()) or 1.0
    axis = container.subplots()
    axis.bar(range(len(scores)), scores, color=colours.signed_rgb(scores, scale), edgecolor="#555", linewidth=0.4)
    axis.axhline(0, color="#555", linewidth=0.6)
    axis.set_xticks(range(len(scores)), names, rotation=60, ha="right", fontsize=8)
    axis.tick_params(axis="y", labelsize=7)
    axis.set_ylabel("attribution", fontsize=8)
    axis.set_title(title, fontsize=9)
    mappable = ScalarMappable(cmap=colours.colour_map("signed"))
    mappable.set_clim(-scale, scale)
    container.colorbar(mappable, ax=axis, fraction=0.04, pad=0.02).ax.tick_params(labelsize=7)
