"""Running a batch of inputs through the explainers for the command line and the demo.

The inputs go through :func:`foxlike.explain_dataset` (a progress bar per
batch unless quiet), in lenient mode so that one failing explainer or check
still leaves a report. With ``out_dir`` each batch's results are written
there as they come, and a run interrupted half way resumes from the batches
already written; without it they go to a temporary folder. What happened to
every sample is kept in a :class:`RunResult`.
"""
from __future__ import annotations

import contextlib
import hashlib
import tempfile
from dataclasses import dataclass, field
from typing import Any

from ..comparison import Comparison, Row, directions
from .inputs import Inputs


@dataclass
class SampleExplanation:
    """One explainer's result for one sample."""

    attributions: Any  # numpy array, or None when the explainer failed
    checks: list[dict]
    seconds: float  # for the whole batch the sample was in
    batch_size: int
    error: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    metric_errors: dict[str, str] = field(default_factory=dict)

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
    metrics: dict[str, dict] = field(default_factory=dict)
    #: batches found already written in ``out_dir`` and not explained again
    resumed: int = 0

    @property
    def passed(self) -> bool:
        return all(e.passed for s in self.samples for e in s.explanations.values())

    def label(self, index: int | None) -> str:
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
            scores = {metric: [r.metrics[metric] for r in results if metric in r.metrics] for metric in self.metrics}
            problems = sorted({r.error or "failed a check" for r in results if not r.passed})
            metric_errors = {metric: message for r in results for metric, message in r.metric_errors.items()}
            rows.append(Row(name, sum(r.seconds / r.batch_size for r in results),
                            {metric: sum(v) / len(v) for metric, v in scores.items() if v}, "; ".join(problems),
                            metric_errors))
        return Comparison(rows, directions(self.metrics))


def fingerprint(*tensors) -> str:
    """A SHA-256 of the tensors' values: what a resumed run must find unchanged (inputs, weights)."""
    import torch

    digest = hashlib.sha256()
    for tensor in tensors:
        digest.update(str((tuple(tensor.shape), tensor.dtype)).encode())
        # as raw bytes, so that any dtype hashes (numpy has no bfloat16)
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def software(explainers, metrics) -> dict[str, str | None]:
    """The versions whose change can change the results: foxlike, torch, Captum, and the plugin
    distribution of each explainer and metric in use."""
    from importlib.metadata import PackageNotFoundError, version

    from .. import plugins

    found: dict[str, str | None] = {}
    for package in ("foxlike", "torch", "captum"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    versions = {p.name: p.version for p in plugins.plugins()}
    for kind, names in (("explainers", explainers), ("metrics", metrics or {})):
        table = getattr(plugins.registry(), kind)
        for name in names:
            if name in table:
                found[name] = f"{table[name].distribution} {versions.get(table[name].plugin, '')}".strip()
    return found


def _samples(inputs: Inputs, shard: dict) -> list[Sample]:
    """The samples of one batch's shard (written by :meth:`foxlike.runner.dataset.Job.explain_batch`)."""
    explanations = shard["explanations"]
    first = next(iter(explanations.values()))
    scores = shard["scores"]
    scores = scores.reshape(scores.shape[0], -1)
    batch_size = len(shard["indices"])
    samples = []
    for row, index in enumerate(shard["indices"].tolist()):
        sample = Sample(name=inputs.names[index], prediction=int(scores[row].argmax()), score=float(scores[row].max()),
                        target=None if first["target"] is None else int(first["target"][row]),
                        target_source=first["target_source"])
        for name, e in explanations.items():
            sample.explanations[name] = SampleExplanation(
                attributions=None if e["attributions"] is None else e["attributions"][row].float().numpy(),
                checks=e["checks"], seconds=e["seconds"], batch_size=batch_size, error=e["error"],
                metrics={metric: float(values[row]) for metric, values in e["metrics"].items()},
                metric_errors=e["metric_errors"],
            )
        samples.append(sample)
    return samples


def explain_inputs(model, inputs: Inputs, explainers: dict[str, dict], target: Any = "argmax",
                   output: str = "logits", batch_size: int = 16, quiet: bool = False, title: str = "",
                   model_name: str = "", labels: list[str] | None = None, metrics: dict[str, dict] | None = None,
                   out_dir=None, fresh: bool = False) -> RunResult:
    """Explain every sample of ``inputs`` with every explainer; failures are recorded, not raised.

    ``out_dir`` keeps each batch's results as it is written: run the same
    model on the same inputs with the same settings again and the batches
    found there are not explained again; results of another run there are
    deleted first. What must match: the settings, ``model_name``, the
    values of the model's weights and of the inputs, and the versions of
    :func:`software`. A change that none of these shows (the model's code,
    a plugin edited in place) needs ``fresh=True``, which deletes what
    ``out_dir`` holds first.
    """
    import warnings

    import torch

    import foxlike

    from .dataset import clear, explain_dataset

    keep = contextlib.nullcontext(out_dir) if out_dir is not None else tempfile.TemporaryDirectory()
    if fresh and out_dir is not None:
        clear(out_dir)
    identity = None if out_dir is None else {  # only a kept folder is ever resumed
        "model": model_name,
        "weights": fingerprint(*(v for v in model.state_dict().values() if isinstance(v, torch.Tensor))),
        "inputs": fingerprint(inputs.tensor, *inputs.forward_kwargs.values()),
        "software": software(explainers, metrics)}
    with keep as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", foxlike.FoxlikeWarning)  # recorded in the report instead
        result = explain_dataset(model, inputs, explainers, folder, batch_size=max(1, batch_size), target=target,
                                 output=output, strict=False, progress=not quiet, metrics=metrics or None,
                                 dataset_id=identity, restart_other_job=True)
        samples = [sample for i in range(result.batches) for sample in _samples(inputs, result.shard(i))]
    return RunResult(title or model_name, model_name, output, target, explainers, inputs, samples, list(labels or []),
                     dict(metrics or {}), len(result.resumed))
