"""Choosing a method: several explainers on the same inputs, ranked by each metric, with their cost."""
from __future__ import annotations

import html
from dataclasses import dataclass, field


@dataclass
class Row:
    explainer: str
    seconds: float
    scores: dict[str, float] = field(default_factory=dict)
    error: str = ""
    #: metric -> why it has no score (the metric itself failed on this explainer's attributions)
    metric_errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Comparison:
    """Mean metric scores per explainer; ``higher_is_better`` says which way each metric points."""

    rows: list[Row]
    higher_is_better: dict[str, bool]

    def ranking(self, metric: str) -> list[str]:
        """Explainer names from best to worst on ``metric`` (failed explainers last)."""
        scored = [r for r in self.rows if metric in r.scores]
        best_first = sorted(scored, key=lambda r: r.scores[metric], reverse=self.higher_is_better[metric])
        return [r.explainer for r in best_first] + [r.explainer for r in self.rows if metric not in r.scores]

    def rank(self, metric: str, explainer: str) -> int | None:
        """1 + how many explainers score strictly better on ``metric``: equal scores share a rank.
        ``None`` when ``explainer`` has no score on it."""
        row = next(r for r in self.rows if r.explainer == explainer)
        if metric not in row.scores:
            return None
        sign = 1 if self.higher_is_better[metric] else -1
        mine = sign * row.scores[metric]
        return 1 + sum(1 for r in self.rows if metric in r.scores and sign * r.scores[metric] > mine)

    def _cells(self):
        metrics = list(self.higher_is_better)
        ranks = {m: {r.explainer: self.rank(m, r.explainer) for r in self.rows} for m in metrics}
        header = ["explainer", "seconds"] + [f"{m} ({'higher' if self.higher_is_better[m] else 'lower'} is better)"
                                             for m in metrics]
        body = [[r.explainer, f"{r.seconds:.3f}"]
                + [f"{r.scores[m]:.4f} (#{ranks[m][r.explainer]})" if m in r.scores
                   else (r.metric_errors.get(m) or r.error or "-") for m in metrics] for r in self.rows]
        return header, body

    def __str__(self) -> str:
        header, body = self._cells()
        widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
        return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in [header, *body])

    def to_html(self) -> str:
        """A table for reports; every string is escaped."""
        header, body = self._cells()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in body)
        return f'<table class="comparison"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def directions(metrics) -> dict[str, bool]:
    """Whether higher is better, for each metric named (or given as a class) in ``metrics``."""
    from .plugins import lookup

    names = list(metrics) if isinstance(metrics, dict) else [metrics] if isinstance(metrics, (str, type)) else metrics
    return {m if isinstance(m, str) else m.name:
            (lookup("metrics", m) if isinstance(m, str) else m).higher_is_better for m in names}


def compare(model, inputs, explainers, metrics=("deletion", "insertion"), target=None, output="logits",
            **forward_kwargs) -> Comparison:
    """Run every explainer on ``inputs`` with ``metrics`` and rank them; one explainer failing fails only its row."""
    from .explaining import explain

    with explain(model, explainers, target=target, output=output, strict=False, metrics=metrics) as xai_model:
        _, explanations = xai_model(inputs, **forward_kwargs)
    rows = []
    for name, explanation in explanations.items():
        problem = "; ".join(explanation.warnings)
        scores = {metric: float(values.double().mean()) for metric, values in explanation.metrics.items()}
        rows.append(Row(name, explanation.seconds, scores, problem, dict(explanation.metric_errors)))
    return Comparison(rows, directions(metrics))
