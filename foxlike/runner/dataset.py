"""Explaining a whole dataset: batches streamed through a job, each batch's record written as it comes.

``explain_dataset`` cuts the dataset into fixed batches (:mod:`.batches`),
explains each inside one ``foxlike.explain`` block with the job's specs
(resolved once, :mod:`.job`), and writes each batch's record to its own shard
(:mod:`.shards`). Run it again with the same ``out_dir`` after an
interruption and the batches already written are neither loaded nor
explained again.

``foxlike explain`` runs through the same code, with its report folder's
``batches/`` as ``out_dir``: an interrupted command resumes the same way.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from ..errors import InputError, ParameterError
from .batches import batch_count, load_batch, loader_batches, to_device
from .job import Job
from .shards import MANIFEST, BatchRecord, ShardStore, shard_name


@dataclass
class DatasetExplanations:
    """Where a dataset's explanations were written, and what this run did."""

    out_dir: Path
    batches: int
    computed: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)

    def shard(self, index: int) -> dict:
        """Batch ``index``'s shard file as written (the format :meth:`BatchRecord.to_shard` gives)."""
        return torch.load(self.out_dir / shard_name(index), weights_only=True)

    def record(self, index: int) -> BatchRecord:
        """Batch ``index``'s results as a :class:`BatchRecord` of :class:`foxlike.Explanation` objects."""
        return BatchRecord.from_shard(self.shard(index), self.manifest()["settings"])

    def _each(self, explainer: str):
        return (self.record(i).explanations[explainer] for i in range(self.batches))

    def attributions(self, explainer: str):
        """One explainer's attributions for the whole dataset, in dataset order (a tuple, one per input, for
        several attributed inputs)."""
        parts = [e.attributions for e in self._each(explainer)]
        if isinstance(parts[0], tuple):
            return tuple(torch.cat(values) for values in zip(*parts))
        return torch.cat(parts)

    def targets(self, explainer: str) -> torch.Tensor | None:
        parts = [e.target for e in self._each(explainer)]
        return None if parts[0] is None else torch.cat(parts)

    def metric(self, explainer: str, metric: str) -> torch.Tensor:
        """One metric's scores of one explainer, a number per sample in dataset order (NaN where it
        was not computed: the explainer failed or failed a check in that batch)."""
        return torch.cat([e.metrics[metric].double() if metric in e.metrics
                          else torch.full((e.batch_size,), float("nan")) for e in self._each(explainer)])

    def manifest(self) -> dict:
        return json.loads((self.out_dir / MANIFEST).read_text())


def settings_for(dataset_or_loader, job: Job, batch_size: int | None, dataset_id=None) -> tuple[dict, int]:
    """Check the arguments; the settings a store records (the job's, the batch size, the dataset's id) and
    the number of batches."""
    from torch.utils.data import DataLoader

    is_loader = isinstance(dataset_or_loader, DataLoader)
    if is_loader:
        batch_size = dataset_or_loader.batch_size if batch_size is None else batch_size
        if batch_size != dataset_or_loader.batch_size:
            raise ParameterError(f"batch_size={batch_size} differs from the DataLoader's "
                                 f"({dataset_or_loader.batch_size}): leave batch_size out when passing a loader.")
        total = len(dataset_or_loader)
    else:
        if not hasattr(dataset_or_loader, "__len__") or not hasattr(dataset_or_loader, "__getitem__"):
            raise InputError("explain_dataset takes a map-style dataset (len() and [i]), a tensor, or a DataLoader.")
        batch_size = 32 if batch_size is None else batch_size
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ParameterError(f"batch_size must be a positive int, got {batch_size!r}.")
    if not is_loader:
        total = batch_count(dataset_or_loader, batch_size)
    settings = {**job.describe(), "batch_size": batch_size, "batches": total}
    if dataset_id is not None:
        settings["dataset"] = dataset_id
    return settings, total


def open_store(out_dir, settings: dict, restart_other_job: bool = False) -> ShardStore:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return ShardStore(out, settings, restart_other_job)


def run_batches(model, dataset_or_loader, job: Job, store, total: int, device=None, progress: bool = True) -> list[int]:
    """Explain every batch ``store`` does not hold yet and write its record there; returns those computed."""
    from torch.utils.data import DataLoader
    from tqdm.auto import tqdm

    size = store.settings["batch_size"]
    computed = []
    with tqdm(total=total, initial=len(store.batches), desc="explaining", unit="batch",
              disable=not progress) as bar:
        if isinstance(dataset_or_loader, DataLoader):
            batches = ((i, batch) for i, batch in enumerate(loader_batches(dataset_or_loader))
                       if i not in store.batches)
        else:
            batches = ((i, load_batch(dataset_or_loader, i, size)) for i in range(total) if i not in store.batches)
        for index, batch in batches:
            inputs, kwargs = to_device(batch, device)
            store.write(index, job.explain_batch(model, inputs, index * size, kwargs))
            computed.append(index)
            bar.update(1)
    return computed


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
    job = Job.make(explainers, target, output, strict, rtol, atol, metrics)
    settings, total = settings_for(dataset_or_loader, job, batch_size, dataset_id)
    store = open_store(out_dir, settings, restart_other_job)
    result = DatasetExplanations(store.out_dir, total, resumed=sorted(store.batches))
    result.computed = run_batches(model, dataset_or_loader, job, store, total, device, progress)
    return result
