"""Pictures of table attributions: a bar per feature for one sample, and a summary over all samples.

The summary is what shap users expect: the mean |attribution| per feature as
bars, and beside it a beeswarm-style strip per feature, one dot per sample at
its attribution, coloured by the feature's value in that sample (blue low,
red high) when the feature is one column. Features come from the explanation
(:meth:`foxlike.Explanation.feature_values`): a group of columns is one bar.
"""
from __future__ import annotations

import io

import numpy as np

#: a picture as the report embeds it: its bytes and its MIME type
Picture = tuple[bytes, str]

#: Features drawn per chart, the largest first: a 30-column table stays readable, wider ones are cut.
MOST_FEATURES = 20
DPI = 80


def _png(figure) -> Picture:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue(), "image/png"


def _names(explanation, count: int, columns=()) -> list[str]:
    """The explanation's names for its features, else the table's column names, else x0, x1, ..."""
    for names in (list(explanation.feature_names or []), list(columns)):
        if len(names) == count:
            return names
    return [f"x{i}" for i in range(count)]


def _per_target(explanation) -> list[tuple[int | None, np.ndarray]]:
    """``(target, values per feature)`` for one sample's explanation, one entry per target it has."""
    values = explanation.feature_values().detach().float().cpu().numpy()
    target = explanation.target
    if values.ndim == 2:  # several targets: one row each, empty slots left out
        return [(int(t), values[i]) for i, t in enumerate(target.tolist()) if t >= 0]
    return [(None, values)]


def sample_bars(values: np.ndarray, names: list[str], title: str = "") -> Picture:
    """One sample: a horizontal bar per feature, the largest |value| on top, red raising the score, blue
    lowering it."""
    from matplotlib.figure import Figure

    order = np.argsort(-np.abs(values))[:MOST_FEATURES][::-1]
    figure = Figure(figsize=(6, 0.25 * len(order) + 0.8), dpi=DPI)
    axis = figure.subplots()
    axis.barh(range(len(order)), values[order], color=["#c62828" if v > 0 else "#1f4fd8" for v in values[order]])
    axis.set_yticks(range(len(order)), [names[i] for i in order], fontsize=8)
    axis.axvline(0, color="#888", linewidth=0.8)
    axis.set_xlabel("attribution", fontsize=8)
    if title:
        axis.set_title(title, fontsize=9)
    return _png(figure)


def feature_bars(explanation, columns=()) -> list[tuple[int | None, Picture]]:
    """One sample's explanation as bar charts, one per target (``columns``: the table's column names)."""
    return [(target, sample_bars(values, _names(explanation, len(values), columns)))
            for target, values in _per_target(explanation)]


def summary_plot(values: np.ndarray, names: list[str], inputs: np.ndarray | None = None, title: str = "") -> Picture:
    """All samples ``(N, k)``: mean |attribution| per feature, and a strip of every sample's attribution
    (coloured by ``inputs`` (N, k), the features' values, when given)."""
    from matplotlib.figure import Figure

    order = np.argsort(-np.abs(values).mean(axis=0))[:MOST_FEATURES][::-1]
    figure = Figure(figsize=(10, 0.28 * len(order) + 1.0), dpi=DPI)
    bars, swarm = figure.subplots(1, 2, sharey=True)
    bars.barh(range(len(order)), np.abs(values).mean(axis=0)[order], color="#555")
    bars.set_yticks(range(len(order)), [names[i] for i in order], fontsize=8)
    bars.set_xlabel("mean |attribution|", fontsize=8)
    generator = np.random.default_rng(0)
    for row, feature in enumerate(order):
        jitter = generator.uniform(-0.3, 0.3, len(values))
        colour = "#777" if inputs is None else inputs[:, feature]
        swarm.scatter(values[:, feature], row + jitter, c=colour, cmap="coolwarm", s=9, linewidths=0)
    swarm.axvline(0, color="#888", linewidth=0.8)
    swarm.set_xlabel("attribution (colour: the feature's value, blue low, red high)", fontsize=8)
    if title:
        figure.suptitle(title, fontsize=9)
    return _png(figure)


def _standardised(inputs: np.ndarray) -> np.ndarray:
    spread = inputs.std(axis=0)
    return (inputs - inputs.mean(axis=0)) / np.where(spread > 0, spread, 1)


def summaries(run) -> list[tuple[str, Picture]]:
    """One summary per explainer of a run on tables (each sample's first target when it has several)."""
    found = []
    for name in run.explainers:
        explanations = [s.explanations[name] for s in run.samples if s.explanations[name].error is None]
        if not explanations:
            continue
        rows = [_per_target(e)[0][1] for e in explanations]
        grouping = explanations[0].extras.get("column_feature")
        inputs = None
        if grouping is None or len(set(np.asarray(grouping).tolist())) == len(grouping):
            table = run.inputs.tensor.detach().cpu().numpy()
            kept = [i for i, s in enumerate(run.samples) if s.explanations[name].error is None]
            inputs = _standardised(table[kept])  # every feature one column, numbered in column order
        found.append((name, summary_plot(np.stack(rows), _names(explanations[0], len(rows[0]), run.inputs.feature_names), inputs,
                                         f"{name}: {len(rows)} samples")))
    return found
