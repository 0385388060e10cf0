"""A thousand runs in one process: memory stays flat and nothing is left on the model."""
import gc
import os
import weakref

import torch
from torch import nn

import foxlike


def resident_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def live_tensors() -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, torch.Tensor))


def test_a_thousand_runs_leave_memory_flat_and_no_hooks():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Tanh(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    inputs = torch.randn(4, 1, 8, 8)
    explained_models = []

    def run():
        with foxlike.explain(model, {"cv.integrated_gradients": {"n_steps": 16}}) as xai_model:
            _, explanations = xai_model(inputs)
        return explanations

    for _ in range(100):  # warm up allocator and caches
        run()
    gc.collect()
    tensors_before, memory_before = live_tensors(), resident_bytes()
    for i in range(1000):
        explanations = run()
        if i % 100 == 0:
            explained_models.append(weakref.ref(explanations["cv.integrated_gradients"]))
    del explanations
    gc.collect()
    growth = resident_bytes() - memory_before
    assert live_tensors() - tensors_before <= 2
    assert growth < 20 * 2**20, f"resident memory grew by {growth / 2**20:.1f} MiB over 1000 runs"
    assert all(ref() is None for ref in explained_models)
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks and not module._backward_hooks
