"""What an explanation run produces, and the one record of it that shards, reports and servers read.

An :class:`Explanation` is one explainer's result for a batch; ``sample(i)``
is the same record for one of its samples, and ``to_record()`` /
``from_record()`` turn either into plain tensors, numbers and strings (what a
shard file holds) and back.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .errors import RecordedError


@dataclass
class Features:
    """What an explainer may return instead of a bare tensor: attributions plus extras.

    ``extras`` holds anything else worth keeping (LIME's per-superpixel
    coefficients, Captum's convergence delta, the layer that was used, ...).
    """

    attributions: Any
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Check:
    """The outcome of one validation check on one explanation."""

    name: str
    passed: bool
    message: str
    value: Any = None
    #: with several targets per sample, the target column this check is about
    target: int | None = None
    #: with several attributed inputs, the input this check is about
    input: int | None = None

    @property
    def label(self) -> str:
        """The check's name, with its target column and input when there are several."""
        where = [f"{what} {value}" for what, value in (("target", self.target), ("input", self.input))
                 if value is not None]
        return f"{self.name} ({', '.join(where)})" if where else self.name


class Explanations(dict):
    """What ``xai_model(inputs)`` returns: explainer name -> :class:`Explanation`, shown in Jupyter as each
    explanation's figure and checks."""

    def _repr_html_(self) -> str:
        from .figures.notebook import explanations_html

        return explanations_html(self)


def _storable(extras: dict) -> dict:
    """The extras a record keeps: tensors (moved to the CPU) and plain numbers and strings."""
    import torch

    return {name: value.detach().cpu() if isinstance(value, torch.Tensor) else value
            for name, value in extras.items() if isinstance(value, (torch.Tensor, int, float, str, bool))}


@dataclass
class Explanation:
    """One explainer's result for one batch (or, from :meth:`sample`, for one of its samples)."""

    explainer: str
    attributions: Any
    target: Any
    target_source: str
    output: str
    parameters: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    #: seconds the explainer took for the whole batch of ``batch_size`` samples
    seconds: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    #: metric name -> why it could not be computed (lenient mode; strict mode raises)
    metric_errors: dict[str, str] = field(default_factory=dict)
    batch_size: int = 0
    #: the names of the features attributed (a table's columns, or the groups of them an explainer formed);
    #: ``None`` when the inputs had none
    feature_names: list[str] | None = None
    #: the inputs that were explained (the caller's tensors, not copied; not kept in records)
    inputs: Any = field(default=None, repr=False, compare=False)
    #: which sample of its batch this is (set by :meth:`sample`); None for a whole batch
    index: int | None = None

    @property
    def passed(self) -> bool:
        """True when the explainer ran and every check passed."""
        return self.error is None and all(c.passed for c in self.checks)

    @property
    def warnings(self) -> list[str]:
        """The messages of failed checks (and the error, if the explainer failed)."""
        found = [f"{c.label}: {c.message}" for c in self.checks if not c.passed]
        if self.error is not None:
            found.insert(0, f"error: {type(self.error).__name__}: {self.error}")
        return found

    @property
    def target_description(self) -> list:
        """Per sample, what was explained when the target is a score (a region, a detection), else ``[]``."""
        return list(getattr(self.target, "describe", []) or [])

    def sample(self, index: int) -> "Explanation":
        """This explanation for sample ``index`` alone: attributions, target and metrics of that row (checks,
        extras and seconds stay the batch's)."""
        import torch

        def row(value):
            if isinstance(value, tuple):  # several inputs' attributions
                return tuple(row(v) for v in value)
            return value[index] if isinstance(value, torch.Tensor) and value.dim() else value

        target = self.target
        if isinstance(target, torch.Tensor) and target.dim():
            target = target[index]
        return replace(self, attributions=row(self.attributions), target=target, inputs=row(self.inputs), index=index,
                       metrics={name: row(values) for name, values in self.metrics.items()})

    def plot(self, inputs=None, index: int | None = None, labels: list[str] | None = None):
        """A matplotlib Figure of this explanation: per sample (of a batch, up to eight, or ``index``) the image,
        heat map, overlay and positive and negative parts, each map with its colour bar; attributions that are
        not an image as bars (``labels`` naming the features). ``inputs`` default to the ones explained."""
        from .figures import plot_explanation

        return plot_explanation(self, inputs, index, labels)

    def save(self, path, **plot_arguments) -> None:
        """Write :meth:`plot`'s figure to ``path`` (.png, .jpg, .pdf, .svg)."""
        from .figures import save

        save(self.plot(**plot_arguments), path)

    def _repr_html_(self) -> str:
        from .figures.notebook import explanation_html

        return explanation_html(self)

    def to_record(self) -> dict:
        """Plain tensors (on the CPU), numbers and strings: what a shard file holds (torch.load with
        ``weights_only=True`` reads it back)."""
        import torch

        def cpu(value):
            if isinstance(value, tuple):
                return tuple(cpu(v) for v in value)
            return value.detach().cpu() if isinstance(value, torch.Tensor) else value

        return {
            "attributions": cpu(self.attributions),
            "target": cpu(self.target) if isinstance(self.target, torch.Tensor) else None,
            "target_description": [str(d) for d in self.target_description],
            "target_source": self.target_source,
            "checks": [{"name": c.name, "passed": bool(c.passed), "message": str(c.message), "target": c.target,
                        "input": c.input} for c in self.checks],
            "error": None if self.error is None else str(self.error),
            "seconds": self.seconds,
            "batch_size": self.batch_size,
            "extras": _storable(self.extras),
            "metrics": {metric: cpu(values) for metric, values in self.metrics.items()},
            "metric_errors": dict(self.metric_errors),
            "feature_names": None if self.feature_names is None else [str(n) for n in self.feature_names],
        }

    @classmethod
    def from_record(cls, explainer: str, record: dict, parameters: dict | None = None,
                    output: str = "") -> "Explanation":
        """The explanation :meth:`to_record` wrote (an error comes back as a :class:`RecordedError`)."""
        attributions = record["attributions"]
        return cls(
            explainer, attributions, record["target"], record["target_source"], output, dict(parameters or {}),
            checks=[Check(c["name"], c["passed"], c["message"], target=c.get("target"), input=c.get("input"))
                    for c in record["checks"]],
            seconds=record["seconds"], extras=dict(record.get("extras", {})),
            error=None if record["error"] is None else RecordedError(record["error"]),
            metrics=dict(record.get("metrics", {})), metric_errors=dict(record.get("metric_errors", {})),
            batch_size=record.get("batch_size") or 0, feature_names=record.get("feature_names"),
        )

    def feature_values(self):
        """One value per feature: the attributions ``(N, F)`` (``(N, T, F)``, or one sample's ``(F,)``) summed
        over the columns of each feature when the explainer grouped them (``extras["column_feature"]``)."""
        import torch

        values = self.attributions
        if not isinstance(values, torch.Tensor):
            raise TypeError(f"{self.explainer} has {type(values).__name__} attributions, not one table's tensor")
        grouping = self.extras.get("column_feature")
        grouping = grouping[0] if isinstance(grouping, list) else grouping  # one per target column
        if not isinstance(grouping, torch.Tensor) or grouping.shape[0] != values.shape[-1]:
            return values
        summed = values.new_zeros((*values.shape[:-1], int(grouping.max()) + 1))
        return summed.index_add_(values.dim() - 1, grouping.to(values.device), values)

    def to_frame(self):
        """The attributions as a pandas DataFrame, one column per feature (:meth:`feature_values`) named by
        :attr:`feature_names`, one row per sample (per sample and target, a MultiIndex, for several targets)."""
        import pandas

        values = self.feature_values().detach().cpu()
        values = values.reshape(1, -1) if values.dim() == 1 else values
        names = list(self.feature_names or [f"x{i}" for i in range(values.shape[-1])])
        if len(names) != values.shape[-1]:
            names = [f"x{i}" for i in range(values.shape[-1])]
        if values.dim() == 3:
            index = pandas.MultiIndex.from_product([range(values.shape[0]), range(values.shape[1])],
                                                   names=["sample", "target"])
            return pandas.DataFrame(values.reshape(-1, values.shape[-1]).numpy(), index=index, columns=names)
        if values.dim() != 2:
            raise TypeError(f"{self.explainer}'s attributions of shape {tuple(values.shape)} are not a table's: "
                            "to_frame() takes (N, F) or (N, T, F) attributions")
        return pandas.DataFrame(values.numpy(), index=pandas.RangeIndex(values.shape[0], name="sample"),
                                columns=names)

    def __repr__(self) -> str:
        if isinstance(self.attributions, tuple):
            shape = tuple(tuple(a.shape) for a in self.attributions)
        else:
            shape = tuple(self.attributions.shape) if hasattr(self.attributions, "shape") else None
        status = "passed" if self.passed else f"warnings={self.warnings}"
        return (
            f"Explanation({self.explainer!r}, attributions={shape}, "
            f"target={self.target_source}, output={self.output!r}, {status}, {self.seconds:.3f}s)"
        )
