"""Choosing how many interpolation steps, or perturbed inputs, run at once.

Captum's ``internal_batch_size=None`` evaluates all ``n_steps x batch`` scaled
inputs in one pass, which runs out of memory for large models (captum issues
245 and 538). foxlike measures what one scaled input costs, in one forward
pass on a single sample, and fits as many as the budget allows.
"""
from __future__ import annotations

import torch

from .probes import remembered, signature
from .rows import as_tuple

#: The default budget on the CPU. Larger chunks are slower there, not faster: resnet18 IG on 2 cores
#: took 3.45, 3.31, 3.66 and 4.36 s in chunks of 10, 20, 40 and 80 rows at 224 px (260 MiB to 2 GiB
#: of saved tensors), and 11.5 s in chunks of 400 rows against 16.3 s (800) and 28 s (3,200) at 64 px.
#: 512 MiB lands in the fast region at every size measured.
CPU_BUDGET_MB = 512
#: The share of the GPU's free memory used by default.
GPU_SHARE = 0.5
#: Room over what autograd saves, for the gradients flowing back and the forward's temporaries.
#: On the CPU the peak per row measured 0.96x to 0.99x of the saved tensors (resnet18 at 112 and
#: 224 px, mobilenet_v3_small, vgg11); the rest is for allocators and GPU workspaces.
BACKWARD_HEADROOM = 1.2


def _model_storages(module: torch.nn.Module) -> set[int]:
    return {t.untyped_storage().data_ptr() for t in (*module.parameters(), *module.buffers())}


def bytes_per_row(model, inputs) -> int:
    """Memory one scaled input costs: what autograd saves for backward, with headroom, plus input and gradient.

    Autograd also saves the weights (a convolution keeps its kernel for the input's gradient); they
    are there once whatever the chunk size, so they are not counted. Counting them made resnet18's
    row cost 53 MiB instead of 5 MiB at 112 px, and chunks ten times smaller than the budget allows.
    A tensor saved twice (a tanh's output is also the next convolution's input) is counted once.
    """
    saved = 0
    weights = _model_storages(model)
    alive: dict[tuple[int, int], torch.Tensor] = {}

    def pack(tensor):
        nonlocal saved
        key = (tensor.data_ptr(), tensor.numel())
        if tensor.untyped_storage().data_ptr() not in weights and key not in alive:
            # Held until the probe ends, so that no later tensor reuses the address and is taken for
            # this one. The graph itself keeps nothing (``None``): a tensor packed as itself would tie
            # it to its own graph in a cycle gc cannot see; the probe never runs backward.
            alive[key] = tensor
            saved += tensor.numel() * tensor.element_size()
        return None

    def unpack(_):
        raise RuntimeError("the memory probe's graph is not for backward")

    sample, args = model.first_sample(inputs)
    samples = tuple(x.detach().requires_grad_(x.is_floating_point()) for x in as_tuple(sample))
    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        model(*samples, *args)
    alive.clear()
    return int(saved * BACKWARD_HEADROOM) + sum(2 * x.numel() * x.element_size() for x in samples)


def budget_bytes(device: torch.device, memory_budget_mb: float | None) -> int:
    if memory_budget_mb is not None:
        return int(memory_budget_mb * 2**20)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free * GPU_SHARE)
    return CPU_BUDGET_MB * 2**20


def rows_per_chunk(model, inputs, n_steps: int, memory_budget_mb: float | None) -> int:
    """How many scaled inputs fit in the budget (at least one, at most all of them); ``inputs`` is a tensor or,
    for a model of several inputs, a tuple of them (a row is then one of each)."""
    first = as_tuple(inputs)[0]
    rows = budget_bytes(first.device, memory_budget_mb) // _bytes_per_row(model, inputs)
    return int(max(1, min(rows, n_steps * first.shape[0])))


def _bytes_per_row(model, inputs) -> int:
    """:func:`bytes_per_row`, measured once per model and input signature."""
    question = ("bytes_per_row", *map(signature, as_tuple(inputs)), *(signature(a) for a in model.forward_args))
    return max(1, remembered(model.model, question, lambda: bytes_per_row(model, inputs)))


#: Values (over every attributed input) in one batch of perturbed inputs on the CPU: 16 images of 3x224x224.
#: At 224 px, batches of 64 images were 12-14% slower than Captum's 16 on this CPU and took 2.4-2.8x the
#: memory; small inputs (8x8 digits, tables) reach :data:`MAX_PERTURBATIONS` long before.
CPU_PERTURBATION_VALUES = 16 * 3 * 224 * 224
#: The most perturbed inputs per batch: past it, batches only add memory on the CPU.
MAX_PERTURBATIONS = 64
#: On a GPU, where large batches are what makes it fast, the budget decides, up to this many.
MAX_GPU_PERTURBATIONS = 512


def perturbations_per_batch(model, inputs, requested, memory_budget_mb: float | None = None) -> int:
    """``requested`` perturbed inputs per forward pass, or with ``"auto"`` as many as suit the device: on the
    CPU a fixed number of values, on a GPU what the memory budget holds (one forward's saved tensors per
    input, an upper bound of what a forward without autograd keeps)."""
    if requested != "auto":
        return requested
    first = as_tuple(inputs)[0]
    if first.device.type != "cuda":
        values = sum(x[0].numel() for x in as_tuple(inputs))
        return int(max(1, min(MAX_PERTURBATIONS, CPU_PERTURBATION_VALUES // max(values, 1))))
    per_row = _bytes_per_row(model, inputs)
    return int(max(1, min(MAX_GPU_PERTURBATIONS, budget_bytes(first.device, memory_budget_mb) // per_row)))
