"""Choosing how many interpolation steps run at once from a memory budget.

Captum's ``internal_batch_size=None`` evaluates all ``n_steps x batch`` scaled
inputs in one pass, which runs out of memory for large models (captum issues
245 and 538). foxlike measures what one scaled input costs, in one forward
pass on a single sample, and fits as many as the budget allows.
"""
from __future__ import annotations

import torch

from foxlike.probes import remembered, signature

#: The default budget on the CPU, where free memory is hard to know.
CPU_BUDGET_MB = 2048
#: The share of the GPU's free memory used by default.
GPU_SHARE = 0.5


def bytes_per_row(model, inputs) -> int:
    """Memory one scaled input costs: the tensors autograd saves for backward, plus input and gradient."""
    saved = 0

    def pack(tensor):
        nonlocal saved
        saved += tensor.numel() * tensor.element_size()
        # Keep nothing: holding the tensor would tie it to its own graph in a cycle gc cannot see,
        # and the probe never runs backward, so nothing is ever unpacked.
        return None

    def unpack(_):
        raise RuntimeError("the memory probe's graph is not for backward")

    sample, args = model.first_sample(inputs)
    sample = sample.detach().requires_grad_(sample.is_floating_point())
    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        model(sample, *args)
    return saved + 2 * sample.numel() * sample.element_size()


def budget_bytes(device: torch.device, memory_budget_mb: float | None) -> int:
    if memory_budget_mb is not None:
        return int(memory_budget_mb * 2**20)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free * GPU_SHARE)
    return CPU_BUDGET_MB * 2**20


def rows_per_chunk(model, inputs, n_steps: int, memory_budget_mb: float | None) -> int:
    """How many scaled inputs fit in the budget (at least one, at most all of them)."""
    question = ("bytes_per_row", signature(inputs), *(signature(a) for a in model.forward_args))
    per_row = max(1, remembered(model.model, question, lambda: bytes_per_row(model, inputs)))
    rows = budget_bytes(inputs.device, memory_budget_mb) // per_row
    return int(max(1, min(rows, n_steps * inputs.shape[0])))
