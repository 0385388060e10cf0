"""Which samples make batch ``i`` of a dataset, and what a dataset item holds.

Batch ``i`` holds samples ``i*batch_size`` up to ``(i+1)*batch_size``, always
the same ones, which is what lets a run resume by batch number.
"""
from __future__ import annotations

from typing import Iterator, Mapping

import torch

from ..errors import InputError

#: A batch: the inputs, and the keyword arguments of the model's forward with one row per sample.
Batch = tuple[torch.Tensor, dict]


def item_input(item) -> Batch:
    """A dataset item is the input tensor, a tuple/list whose first entry is, or a dict whose "input"
    (or "inputs", or first entry) is; a dict's "forward_kwargs" go to the model's forward. A dict's
    "inputs" may be a tuple of tensors: several attributed inputs (an image and its metadata)."""
    kwargs = {}
    if isinstance(item, Mapping):
        kwargs = dict(item.get("forward_kwargs", {}))
        item = item.get("input", item.get("inputs", next(iter(item.values()))))
        if isinstance(item, (tuple, list)) and item and all(isinstance(x, torch.Tensor) for x in item):
            return tuple(item), kwargs
    elif isinstance(item, (tuple, list)):
        item = item[0]
    if not isinstance(item, torch.Tensor):
        raise InputError(
            f"Dataset items must be tensors or (tensor, label, ...) tuples, got {type(item).__name__}. "
            "Wrap the dataset so that item[0] is the input tensor (or give {'inputs': (a, b)} for several)."
        )
    return item, kwargs


def _stacked(samples: list):
    """One batch of the samples' inputs: a tensor, or a tuple of tensors for several inputs."""
    if isinstance(samples[0], tuple):
        return tuple(torch.stack(parts) for parts in zip(*samples))
    return torch.stack(samples)


def batch_count(dataset, batch_size: int) -> int:
    return -(-len(dataset) // batch_size)


def load_batch(dataset, index: int, batch_size: int) -> Batch:
    """The inputs (stacked) and forward arguments of batch ``index`` of a map-style dataset or a tensor."""
    start = index * batch_size
    stop = min(start + batch_size, len(dataset))
    if isinstance(dataset, torch.Tensor):
        return dataset[start:stop], {}
    inputs, kwargs = zip(*(item_input(dataset[i]) for i in range(start, stop)))
    return _stacked(list(inputs)), {name: torch.stack([k[name] for k in kwargs]) for name in kwargs[0]}


def to_device(batch: Batch, device) -> Batch:
    """``batch`` moved to ``device`` (left where it is for ``None``)."""
    inputs, kwargs = batch
    if device is None:
        return batch
    moved = tuple(x.to(device) for x in inputs) if isinstance(inputs, tuple) else inputs.to(device)
    return moved, {name: value.to(device) for name, value in kwargs.items()}


def loader_batches(loader) -> Iterator[Batch]:
    """The batches a ``DataLoader`` yields, read as dataset items are."""
    for batch in loader:
        yield item_input(batch)
