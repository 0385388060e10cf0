"""Running a batch of inputs through ``foxlike.explain`` for the command line and the demo.

The inputs go through in batches (a progress bar per batch unless quiet), in
lenient mode so that one failing explainer or check still leaves a report;
what happened to every sample is kept in a :class:`RunResult`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .inputs import Inputs


@dataclass
class SampleExplanation:
    """One explainer's result for one sample."""

    attributions: Any  # numpy array, or None when the explainer failed
    checks: list[dict]
    seconds: float  # for the whole batch the sample was in
    batch_size: int
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(c["passed"] for c in self.checks)


@dataclass
class Sample:
    name: str
    prediction: int
    score: float
    target: int | None
    target_source: str
    explanations: dict[str, SampleExplanation] = field(default_factory=dict)


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

    @property
    def passed(self) -> bool:
        return all(e.passed for s in self.samples for e in s.explanations.values())

    def label(self, index: int | None) -> str:
        if index is None:
            return "(single output)"
        if 0 <= index < len(self.labels):
            return f"{index} ({self.labels[index]})"
        return str(index)


def _checks(explanation) -> list[dict]:
    return [{"name": c.name, "passed": bool(c.passed), "message": str(c.message)} for c in explanation.checks]


def explain_inputs(model, inputs: Inputs, explainers: dict[str, dict], target: Any = "argmax",
                   output: str = "logits", batch_size: int = 16, quiet: bool = False, title: str = "",
                   model_name: str = "", labels: list[str] | None = None) -> RunResult:
    """Explain every sample of ``inputs`` with every explainer; failures are recorded, not raised."""
    import warnings

    from tqdm import tqdm

    import foxlike

    samples: list[Sample] = []
    starts = range(0, len(inputs), max(1, batch_size))
    with foxlike.explain(model, explainers=explainers, target=target, output=output, strict=False) as xai_model:
        for start in tqdm(starts, desc=title or "explaining", unit="batch", disable=quiet, leave=False):
            batch = inputs.tensor[start:start + batch_size]
            kwargs = {key: value[start:start + batch_size] for key, value in inputs.forward_kwargs.items()}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", foxlike.FoxlikeWarning)  # recorded in the report instead
                raw, explanations = xai_model(batch, **kwargs)
            scores = xai_model.transform(raw).detach()
            first = next(iter(explanations.values()))
            targets = first.target
            for row in range(batch.shape[0]):
                scores_row = scores[row].reshape(-1)
                sample = Sample(
                    name=inputs.names[start + row],
                    prediction=int(scores_row.argmax()),
                    score=float(scores_row.max()),
                    target=None if targets is None else int(targets[row]),
                    target_source=first.target_source,
                )
                for name, explanation in explanations.items():
                    attributions = explanation.attributions
                    sample.explanations[name] = SampleExplanation(
                        attributions=None if attributions is None else attributions[row].float().cpu().numpy(),
                        checks=_checks(explanation),
                        seconds=explanation.seconds,
                        batch_size=batch.shape[0],
                        error=None if explanation.error is None else str(explanation.error),
                    )
                samples.append(sample)
    return RunResult(title or model_name, model_name, output, target, explainers, inputs, samples, list(labels or []))
