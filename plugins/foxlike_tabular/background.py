"""The reference rows of a table: a background dataset ``(B, F)``, one row of zeros when none is given.

With a background, a feature that is "removed" takes each background row's
value in turn and the model's scores are averaged over the rows: the
interventional expectation shap's KernelExplainer computes, and the set of
baselines expected gradients averages over.
"""
from __future__ import annotations

import torch

from foxlike import ParameterError
from foxlike.toolkit.rows import repeated, rows_of


def background_rows(inputs: torch.Tensor, background) -> torch.Tensor:
    """``background`` (a tensor, array or DataFrame of shape (B, F), or one row (F,)) as a tensor on the inputs'
    device and dtype; ``None`` gives one row of zeros."""
    if background is None:
        return inputs.new_zeros((1, inputs.shape[1]))
    if hasattr(background, "to_numpy"):  # a pandas DataFrame
        background = background.to_numpy(dtype="float32")
    try:
        rows = torch.as_tensor(background)
    except (TypeError, ValueError, RuntimeError):
        raise ParameterError(f"background must be a (B, F) tensor, array or DataFrame of reference rows, got "
                             f"{type(background).__name__}.") from None
    rows = rows.reshape(1, -1) if rows.dim() == 1 else rows
    if rows.dim() != 2 or rows.shape[1] != inputs.shape[1] or rows.shape[0] == 0:
        raise ParameterError(f"background of shape {tuple(rows.shape)} does not fit inputs of shape "
                             f"{tuple(inputs.shape)}: give (B, {inputs.shape[1]}) reference rows, one column per "
                             "input column (training rows, say 50 to 100 of them).")
    rows = rows.to(device=inputs.device, dtype=inputs.dtype)
    if not bool(torch.isfinite(rows).all()):
        raise ParameterError("background contains NaN or infinite values: clean or impute them first.")
    return rows


def expected_scores(model, background: torch.Tensor, batch: int) -> torch.Tensor:
    """E_b F(b) for each sample, ``(batch, C)``: the model's mean output over the background rows, each
    sample's own forward arguments repeated for them when it has any."""
    with torch.no_grad():
        if not model.forward_args:
            scores = model(background)
            return scores.reshape(len(background), -1).mean(dim=0, keepdim=True).expand(batch, -1)
        return torch.cat([model(background, *repeated(rows_of(model.forward_args, slice(i, i + 1), batch),
                                                      len(background))).reshape(len(background), -1)
                          .mean(dim=0, keepdim=True) for i in range(batch)])
