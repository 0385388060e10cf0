"""Explaining a whole dataset: batches streamed through the explainers, results written as they come.

``explain_dataset`` cuts the dataset into fixed batches (batch ``i`` holds
samples ``i*batch_size`` up to ``(i+1)*batch_size``), explains each inside one
``foxlike.explain`` block, and writes each batch's results to its own shard
file (``batch-000007.pt``) before recording it in ``manifest.json``. Both are
written to a temporary name and renamed, so a file is either whole or absent.
Run it again with the same ``out_dir`` after an interruption and the batches
already in the manifest are neither loaded nor explained again.

``foxlike explain`` runs through the same code, with its report folder's
``batches/`` as ``out_dir``: an interrupted command resumes the same way.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import torch

from ..errors import FoxlikeError, InputError, ParameterError

MANIFEST = "manifest.json"
#: 2: shards hold the prediction's ``scores``, each check's message and the ``metrics``.
FORMAT = 2


def shard_name(index: int) -> str:
    return f"batch-{index:06d}.pt"


#: The names :func:`shard_name` gives, and no other file's.
SHARD = re.compile(r"batch-\d{6,}\.pt")


@dataclass
class Job:
    """What to run on every batch: picklable, so a distributed worker can run it too."""

    explainers: dict[str, dict]
    target: Any = None
    output: str | Callable = "logits"
    strict: bool = True
    rtol: float = 0.05
    atol: float = 1e-4
    metrics: dict[str, dict] = field(default_factory=dict)

    def explain_batch(self, model: torch.nn.Module, inputs: torch.Tensor, first: int,
                      forward_kwargs: dict | None = None) -> dict:
        """Explain one batch; returns the shard's content (tensors on the CPU)."""
        from ..explaining import explain

        with explain(model, explainers=self.explainers, target=self.target, output=self.output,
                     strict=self.strict, rtol=self.rtol, atol=self.atol, metrics=self.metrics or None) as xai_model:
            output, explanations = xai_model(inputs, **(forward_kwargs or {}))
            scores = xai_model.transform(output)
        return {
            "indices": torch.arange(first, first + inputs.shape[0]),
            "scores": scores.detach().cpu(),
            "explanations": {
                name: {
                    "attributions": None if e.attributions is None else e.attributions.cpu(),
                    "target": None if e.target is None else e.target.cpu(),
                    "target_source": e.target_source,
                    "checks": [{"name": c.name, "passed": bool(c.passed), "message": str(c.message)}
                               for c in e.checks],
                    "error": None if e.error is None else str(e.error),
                    "seconds": e.seconds,
                    "extras": _storable(e.extras),
                    "metrics": {metric: values.detach().cpu() for metric, values in e.metrics.items()},
                    "metric_errors": dict(e.metric_errors),
                }
                for name, e in explanations.items()
            },
        }

    def describe(self) -> dict:
        """What must not change between a run and its resumption."""
        return {"explainers": self.explainers, "target": _describe(self.target), "output": _describe(self.output),
                "metrics": self.metrics}


def _storable(extras: dict) -> dict:
    """The extras a shard keeps: tensors (moved to the CPU) and plain numbers and strings."""
    return {name: value.cpu() if isinstance(value, torch.Tensor) else value
            for name, value in extras.items() if isinstance(value, (torch.Tensor, int, float, str, bool))}


def _describe(value) -> Any:
    """``value`` as the manifest records it: a callable by its qualified name (its repr holds an address)."""
    if callable(value) and not isinstance(value, type):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
    return value


def _by_name(specs, kind: str) -> dict[str, dict]:
    """Names, listed or mapped to their parameters, as a name -> parameters dict."""
    if isinstance(specs, str):
        specs = [specs]
    mapping = dict(specs) if isinstance(specs, Mapping) else {name: {} for name in specs}
    for name in mapping:
        if not isinstance(name, str):
            raise ParameterError(f"explain_dataset takes {kind} by registered name, got {name!r}.")
    return {name: dict(params or {}) for name, params in mapping.items()}


def make_job(explainers, target=None, output="logits", strict=True, rtol=0.05, atol=1e-4, metrics=None) -> Job:
    """Resolve ``explainers`` and ``metrics`` (lists or mappings, as for ``foxlike.explain``) into a :class:`Job`."""
    from ..explaining import _resolve, _resolve_explainers
    from ..metric import Metric

    _resolve_explainers(explainers)  # unknown names or parameters fail here, before any batch runs
    if metrics:
        _resolve(metrics, "metrics", Metric)
    return Job(_by_name(explainers, "explainers"), target, output, strict, rtol, atol,
               _by_name(metrics or {}, "metrics"))


# ---- the dataset side: which samples make batch i ----------------------------------------------

#: A batch: the inputs, and the keyword arguments of the model's forward with one row per sample.
Batch = tuple[torch.Tensor, dict]


def _sample_input(item) -> Batch:
    """A dataset item is the input tensor, a tuple/list whose first entry is, or a dict whose "input"
    (or "inputs", or first entry) is; a dict's "forward_kwargs" go to the model's forward."""
    kwargs = {}
    if isinstance(item, Mapping):
        kwargs = dict(item.get("forward_kwargs", {}))
        item = item.get("input", item.get("inputs", next(iter(item.values()))))
    elif isinstance(item, (tuple, list)):
        item = item[0]
    if not isinstance(item, torch.Tensor):
        raise InputError(
            f"Dataset items must be tensors or (tensor, label, ...) tuples, got {type(item).__name__}. "
            "Wrap the dataset so that item[0] is the input tensor."
        )
    return item, kwargs


def batch_count(dataset, batch_size: int) -> int:
    return -(-len(dataset) // batch_size)


def load_batch(dataset, index: int, batch_size: int) -> Batch:
    """The inputs (stacked) and forward arguments of batch ``index`` of a map-style dataset or a tensor."""
    start = index * batch_size
    stop = min(start + batch_size, len(dataset))
    if isinstance(dataset, torch.Tensor):
        return dataset[start:stop], {}
    inputs, kwargs = zip(*(_sample_input(dataset[i]) for i in range(start, stop)))
    return torch.stack(inputs), {name: torch.stack([k[name] for k in kwargs]) for name in kwargs[0]}


def to_device(batch: Batch, device) -> Batch:
    """``batch`` moved to ``device`` (left where it is for ``None``)."""
    inputs, kwargs = batch
    if device is None:
        return batch
    return inputs.to(device), {name: value.to(device) for name, value in kwargs.items()}


def _loader_batches(loader) -> Iterator[Batch]:
    for batch in loader:
        yield _sample_input(batch)


# ---- the output side: shards and the manifest --------------------------------------------------

def _write_atomically(path: Path, write: Callable[[Any], None], mode: str = "wb") -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, mode) as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def clear(out_dir) -> None:
    """Delete the shards (listed or not: one written just before an interruption is not) and the
    manifest in ``out_dir``, and only those files."""
    out = Path(out_dir)
    for path in out.glob("batch-*.pt"):
        if SHARD.fullmatch(path.name):
            path.unlink()
    (out / MANIFEST).unlink(missing_ok=True)


class Manifest:
    """``manifest.json``: the job, and every batch whose shard is written."""

    def __init__(self, out_dir: Path, settings: dict, restart_other_job: bool = False):
        self.path = out_dir / MANIFEST
        self.settings = json.loads(json.dumps(settings, default=str))  # as it reads back from the file
        self.batches: dict[int, dict] = {}
        if self.path.exists():
            saved = json.loads(self.path.read_text())
            if (saved.get("format"), saved.get("settings")) == (FORMAT, self.settings):
                self._resume(out_dir, saved)
            elif restart_other_job:
                clear(out_dir)
            else:
                raise FoxlikeError(
                    f"{out_dir} holds results of a different job ({saved.get('settings')}, format "
                    f"{saved.get('format')}), not of this one ({self.settings}, format {FORMAT}). Choose another "
                    "out_dir, or delete that one to start again."
                )

    def _resume(self, out_dir: Path, saved: dict) -> None:
        self.batches = {int(i): record for i, record in saved.get("batches", {}).items()
                        if (out_dir / record["shard"]).exists()}

    def add(self, index: int, shard: dict) -> None:
        self.batches[index] = {
            "shard": shard_name(index),
            "samples": int(shard["indices"].numel()),
            "passed": {name: e["error"] is None and all(c["passed"] for c in e["checks"])
                       for name, e in shard["explanations"].items()},
        }
        content = {"format": FORMAT, "settings": self.settings,
                   "batches": {str(i): self.batches[i] for i in sorted(self.batches)}}
        _write_atomically(self.path, lambda f: f.write(json.dumps(content, indent=1, default=str)), mode="w")


def write_shard(out_dir: Path, manifest: Manifest, index: int, shard: dict) -> None:
    """Write batch ``index``'s shard, then record it: the manifest never names a missing shard."""
    _write_atomically(out_dir / shard_name(index), lambda f: torch.save(shard, f))
    manifest.add(index, shard)


@dataclass
class DatasetExplanations:
    """Where a dataset's explanations were written, and what this run did."""

    out_dir: Path
    batches: int
    computed: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)

    def shard(self, index: int) -> dict:
        return torch.load(self.out_dir / shard_name(index), weights_only=True)

    def attributions(self, explainer: str) -> torch.Tensor:
        """One explainer's attributions for the whole dataset, in dataset order."""
        return torch.cat([self.shard(i)["explanations"][explainer]["attributions"] for i in range(self.batches)])

    def targets(self, explainer: str) -> torch.Tensor | None:
        parts = [self.shard(i)["explanations"][explainer]["target"] for i in range(self.batches)]
        return None if parts[0] is None else torch.cat(parts)

    def metric(self, explainer: str, metric: str) -> torch.Tensor:
        """One metric's scores of one explainer, a number per sample in dataset order (NaN where it
        was not computed: the explainer failed or failed a check in that batch)."""
        parts = []
        for i in range(self.batches):
            shard = self.shard(i)
            values = shard["explanations"][explainer]["metrics"].get(metric)
            parts.append(torch.full((len(shard["indices"]),), float("nan")) if values is None else values.double())
        return torch.cat(parts)

    def manifest(self) -> dict:
        return json.loads((self.out_dir / MANIFEST).read_text())


def prepare(dataset_or_loader, job: Job, out_dir, batch_size: int | None, dataset_id=None,
            restart_other_job: bool = False) -> tuple[Path, Manifest, int]:
    """Check the arguments, open (or resume) ``out_dir``; returns it, its manifest and the batch count."""
    from torch.utils.data import DataLoader

    is_loader = isinstance(dataset_or_loader, DataLoader)
    if is_loader:
        batch_size = batch_size or dataset_or_loader.batch_size
        if batch_size != dataset_or_loader.batch_size:
            raise ParameterError(f"batch_size={batch_size} differs from the DataLoader's "
                                 f"({dataset_or_loader.batch_size}): leave batch_size out when passing a loader.")
        total = len(dataset_or_loader)
    else:
        if not hasattr(dataset_or_loader, "__len__") or not hasattr(dataset_or_loader, "__getitem__"):
            raise InputError("explain_dataset takes a map-style dataset (len() and [i]), a tensor, or a DataLoader.")
        batch_size = batch_size or 32
        total = batch_count(dataset_or_loader, batch_size)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ParameterError(f"batch_size must be a positive int, got {batch_size!r}.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings = {**job.describe(), "batch_size": batch_size, "batches": total}
    if dataset_id is not None:
        settings["dataset"] = dataset_id
    return out, Manifest(out, settings, restart_other_job), total


def explain_dataset(model: torch.nn.Module, dataset_or_loader, explainers, out_dir, batch_size: int | None = None,
                    target=None, output: str | Callable = "logits", strict: bool = True, rtol: float = 0.05,
                    atol: float = 1e-4, device=None, progress: bool = True, metrics=None, dataset_id=None,
                    restart_other_job: bool = False) -> DatasetExplanations:
    """Explain every sample of a dataset in batches, writing one shard per batch to ``out_dir``.

    ``dataset_or_loader`` is a map-style dataset whose items are input
    tensors, ``(input, label, ...)`` tuples or dicts (``{"input": ...,
    "forward_kwargs": {"attention_mask": ...}}``: those keyword arguments go
    to the model's forward), a tensor of inputs, or a ``DataLoader`` (which
    must yield its batches in the same order every time for resuming to be
    right: no shuffling). ``batch_size`` defaults to 32, or to the loader's.
    ``device`` moves each batch there (the model must already be on it). The
    other arguments are those of :func:`foxlike.explain`.

    Running again with the same ``out_dir`` resumes: written batches are
    skipped. ``dataset_id`` (anything JSON can hold: a name and version, a
    checksum) is recorded, and a run with another one is treated as another
    job: refused, or with ``restart_other_job=True`` the earlier job's shards
    are deleted and everything is explained afresh.
    """
    from torch.utils.data import DataLoader
    from tqdm.auto import tqdm

    job = make_job(explainers, target, output, strict, rtol, atol, metrics)
    out, manifest, total = prepare(dataset_or_loader, job, out_dir, batch_size, dataset_id, restart_other_job)
    size = manifest.settings["batch_size"]
    result = DatasetExplanations(out, total, resumed=sorted(manifest.batches))
    with tqdm(total=total, initial=len(manifest.batches), desc="explaining", unit="batch",
              disable=not progress) as bar:
        if isinstance(dataset_or_loader, DataLoader):
            batches = ((i, inputs) for i, inputs in enumerate(_loader_batches(dataset_or_loader))
                       if i not in manifest.batches)
        else:
            batches = ((i, load_batch(dataset_or_loader, i, size)) for i in range(total) if i not in manifest.batches)
        for index, batch in batches:
            inputs, kwargs = to_device(batch, device)
            write_shard(out, manifest, index, job.explain_batch(model, inputs, index * size, kwargs))
            result.computed.append(index)
            bar.update(1)
    return result
