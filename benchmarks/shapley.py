"""Exact Shapley values by enumerating every coalition of a few features (2**12 = 4,096 for 12)."""
from __future__ import annotations

from math import factorial

import torch


def grid_mask(height: int, width: int, rows: int, columns: int) -> torch.Tensor:
    """A (height, width) feature mask of rows x columns rectangular cells, numbered row by row."""
    row_of = torch.arange(height) * rows // height
    column_of = torch.arange(width) * columns // width
    return row_of[:, None] * columns + column_of[None, :]


@torch.no_grad()
def exact_shapley(model, image: torch.Tensor, mask: torch.Tensor, target: int, baseline: float = 0.0,
                  chunk: int = 1024) -> torch.Tensor:
    """Shapley value of each feature of ``mask`` for ``model(image)[target]``, absent features set to ``baseline``."""
    features = int(mask.max()) + 1
    coalitions = torch.arange(2**features)
    present = (coalitions[:, None] >> torch.arange(features)) & 1  # (2**n, n)
    values = []
    for part in present.split(chunk):
        keep = part[:, mask.flatten()].reshape(len(part), *mask.shape).to(image.dtype)
        batch = image * keep[:, None] + baseline * (1 - keep[:, None])
        values.append(model(batch)[:, target])
    values = torch.cat(values).double()
    size = present.sum(dim=1)
    weight = torch.tensor([factorial(s) * factorial(features - s - 1) / factorial(features) for s in range(features)],
                          dtype=torch.float64)
    shapley = torch.zeros(features, dtype=torch.float64)
    for i in range(features):
        without = present[:, i] == 0
        gain = values[coalitions[without] | (1 << i)] - values[without]
        shapley[i] = (weight[size[without]] * gain).sum()
    return shapley


def per_feature(attributions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """One value per feature from an input-shaped map that is constant on each feature (its mean there)."""
    flat = attributions.reshape(-1, mask.numel())[0].double()
    features = int(mask.max()) + 1
    total = torch.zeros(features, dtype=torch.float64).index_add_(0, mask.flatten(), flat)
    return total / torch.bincount(mask.flatten(), minlength=features)


def relative_error(estimate: torch.Tensor, exact: torch.Tensor) -> float:
    return float((estimate - exact).norm() / exact.norm())
