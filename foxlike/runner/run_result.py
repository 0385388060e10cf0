"""What a report shows about one run: every sample with its prediction and each explainer's result.

The per-sample results are the explainers' own records, :class:`foxlike.Explanation`
cut to one sample (:meth:`foxlike.Explanation.sample`): the same object from
the explainer to the report, with ``passed`` defined once, there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..comparison import Comparison, Row, directions
from ..explanation import Explanation
from .inputs import Inputs
from .shards import BatchRecord


@dataclass
class Sample:
    name: str
    prediction: int
    score: float
    #: the explained class, or the classes when there are several targets (-1: an empty slot)
    target: int | list[int] | None
    target_source: str
    explanations: dict[str, Explanation] = field(default_factory=dict)


def samples_of(inputs: Inputs, record: BatchRecord) -> list[Sample]:
    """The samples of one batch's record, each with its own slice of every explanation."""
    first = next(iter(record.explanations.values()))
    scores = record.scores.reshape(record.scores.shape[0], -1)
    samples = []
    for row, index in enumerate(record.indices.tolist()):
        target = first.target
        if target is not None and hasattr(target, "dim"):
            target = target[row].tolist() if target.dim() == 2 else int(target[row])
        else:
            target = None
        sample = Sample(name=inputs.names[index], prediction=int(scores[row].argmax()), score=float(scores[row].max()),
                        target=target, target_source=first.target_source)
        sample.explanations = {name: e.sample(row) for name, e in record.explanations.items()}
        samples.append(sample)
    return samples


@dataclass
class RunResult:
    """Everything a report shows about one run."""

    title: str
    model: str
    output: str
    target: Any
    explainers: dict[str, dict]
    inputs: Inputs
    samples: list[Sample]
    labels: list[str] = field(default_factory=list)
    metrics: dict[str, dict] = field(default_factory=dict)
    #: batches found already written in ``out_dir`` and not explained again
    resumed: int = 0
    #: the settings that differed from the earlier run whose batches were deleted (``[]``: none deleted)
    discarded: list[str] = field(default_factory=list)
    #: inputs that could not be read and were left out (``foxlike explain --skip-unreadable``)
    skipped: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(e.passed for s in self.samples for e in s.explanations.values())

    def label(self, index) -> str:
        """A class as the report shows it: its index and label; several, comma-separated."""
        if isinstance(index, list):
            return ", ".join(self.label(i) for i in index if i >= 0)
        if index is None:
            return "(single output)"
        if 0 <= index < len(self.labels):
            return f"{index} ({self.labels[index]})"
        return str(index)

    def comparison(self) -> Comparison | None:
        """The explainers ranked by each metric's mean over the samples, with the seconds each took in
        all; ``None`` when no metric was asked for."""
        if not self.metrics:
            return None
        rows = []
        for name in self.explainers:
            results = [s.explanations[name] for s in self.samples]
            scores = {metric: [float(r.metrics[metric]) for r in results if metric in r.metrics]
                      for metric in self.metrics}
            problems = sorted({str(r.error) if r.error is not None else "failed a check"
                               for r in results if not r.passed})
            metric_errors = {metric: message for r in results for metric, message in r.metric_errors.items()}
            rows.append(Row(name, sum(r.seconds / r.batch_size for r in results),
                            {metric: sum(v) / len(v) for metric, v in scores.items() if v}, "; ".join(problems),
                            metric_errors))
        return Comparison(rows, directions(self.metrics))
