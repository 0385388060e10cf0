"""The ``explain_dataset`` job spread over a Dask distributed cluster (the optional ``dask`` extra).

Each batch is one task: a worker loads the batch from the dataset, explains it
with its own copy of the model and sends the shard back; the client writes the
shards and the manifest exactly as :func:`foxlike.explain_dataset` does, so
the output folder is the same, a run can be resumed by either function, and
workers need no shared file system. Point it at a real cluster with
``Client("tcp://scheduler-host:8786")``; the dataset and the model are pickled
to the workers, so their classes must be importable there.
"""
from __future__ import annotations

import copy
import threading
import uuid
from typing import Callable

import torch

from ..errors import FoxlikeError, ParameterError
from .batches import load_batch, to_device
from .dataset import DatasetExplanations, open_store, settings_for
from .job import Job
from .shards import BatchRecord

_copies = threading.local()


def _own_copy(model: torch.nn.Module) -> torch.nn.Module:
    """This thread's private copy of ``model``: two tasks never put hooks or modes on one module at once."""
    cache = getattr(_copies, "models", None)
    if cache is None:
        cache = _copies.models = {}
    original, private = cache.get(id(model), (None, None))
    if original is not model:
        private = copy.deepcopy(model)
        cache[id(model)] = (model, private)
    return private


def explain_batch_task(model: torch.nn.Module, dataset, job: Job, index: int, batch_size: int, device) -> dict:
    """What one worker runs for batch ``index``: load it, explain it, return its record as a shard
    (plain tensors and strings travel back to the client whatever the explainers attached)."""
    inputs, kwargs = to_device(load_batch(dataset, index, batch_size), device)
    return job.explain_batch(_own_copy(model), inputs, index * batch_size, kwargs).to_shard()


def explain_dataset_distributed(model: torch.nn.Module, dataset, explainers, out_dir, batch_size: int = 32,
                                client=None, target=None, output: str | Callable = "logits", strict: bool = True,
                                rtol: float = 0.05, atol: float = 1e-4, device=None,
                                progress: bool = True, metrics=None, dataset_id=None) -> DatasetExplanations:
    """:func:`foxlike.explain_dataset` with one Dask task per batch.

    ``client`` is a ``distributed.Client`` (the current one when left out):
    ``Client(LocalCluster(n_workers=2))`` on one machine, or
    ``Client("tcp://scheduler:8786")`` for a running cluster. ``dataset`` is a
    map-style dataset or a tensor (a ``DataLoader`` cannot be split across
    workers: pass its ``.dataset``). ``device`` is where each worker moves the
    batch (and its copy of the model); ``metrics`` and ``dataset_id`` are
    :func:`foxlike.explain_dataset`'s. The results land in ``out_dir`` on the
    client's machine, one shard per batch; run it again to resume.
    """
    try:
        from distributed import as_completed, get_client
    except ImportError:
        raise FoxlikeError("Dask distributed is not installed: pip install 'foxlike[dask]'.") from None
    from torch.utils.data import DataLoader
    from tqdm.auto import tqdm

    if isinstance(dataset, DataLoader):
        raise ParameterError("Pass the DataLoader's .dataset and a batch_size: workers load their batches by index.")
    job = Job.make(explainers, target, output, strict, rtol, atol, metrics)
    settings, total = settings_for(dataset, job, batch_size, dataset_id)
    store = open_store(out_dir, settings)
    client = client or get_client()
    result = DatasetExplanations(store.out_dir, total, resumed=sorted(store.batches))
    missing = [i for i in range(total) if i not in store.batches]
    if not missing:
        return result
    shipped = copy.deepcopy(model).eval() if device is None else copy.deepcopy(model).to(device).eval()
    model_future, dataset_future = client.scatter([shipped, dataset], broadcast=True, hash=False)
    run = uuid.uuid4().hex[:8]
    futures = {
        client.submit(explain_batch_task, model_future, dataset_future, job, i, batch_size, device,
                      key=f"foxlike-batch-{i:06d}-{run}"): i
        for i in missing
    }
    with tqdm(total=total, initial=total - len(missing), desc="explaining", unit="batch",
              disable=not progress) as bar:
        try:
            for future in as_completed(futures):
                index = futures[future]
                store.write(index, BatchRecord.from_shard(future.result(), store.settings))
                result.computed.append(index)
                bar.update(1)
        finally:
            client.cancel(list(futures))
    return result
