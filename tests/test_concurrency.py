"""Threads explaining models at once: separate models run side by side, a shared model is never corrupted."""
import threading

import torch
from torch import nn

import foxlike


def make_model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 4))


def explain(model, inputs):
    with foxlike.explain(model, {"cv.integrated_gradients": {"n_steps": 64}}, target=1) as xai_model:
        _, explanations = xai_model(inputs)
    return explanations["cv.integrated_gradients"].attributions


def test_two_threads_two_models():
    models = [make_model(1), make_model(2)]
    inputs = [torch.randn(8, 10), torch.randn(8, 10)]
    expected = [explain(m, x) for m, x in zip(models, inputs)]
    results, errors = {}, []
    start = threading.Barrier(2)

    def worker(index):
        try:
            start.wait()
            for _ in range(20):
                results.setdefault(index, []).append(explain(models[index], inputs[index]))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for index in (0, 1):
        for attributions in results[index]:
            torch.testing.assert_close(attributions, expected[index])
    assert not torch.allclose(expected[0], expected[1])


class WithBatchNorm(nn.Module):
    """A small CNN with BatchNorm: a forward in training mode would change its running statistics."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3))

    def forward(self, x):
        return self.head(self.features(x))


SHARED = {"cv.grad_cam": {}, "cv.layer_integrated_gradients": {"layer": "features.3", "n_steps": 16},
          "cv.saliency": {}}


def explain_shared(model, inputs, target):
    with foxlike.explain(model, SHARED, target=target, strict=False) as xai_model:
        _, explanations = xai_model(inputs)
    return {name: e.attributions for name, e in explanations.items()}, [e.error for e in explanations.values()]


def snapshot(model):
    return ({k: v.clone() for k, v in model.state_dict().items()}, [m.training for m in model.modules()],
            sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules()))


def test_threads_sharing_one_model_get_serial_results_and_leave_it_exactly_as_it_was():
    torch.manual_seed(0)
    model = WithBatchNorm()
    model.train()  # left in training mode by the user: it must come out in training mode
    inputs = [torch.randn(2, 1, 8, 8, generator=torch.Generator().manual_seed(i)) for i in range(4)]
    targets = [0, 1, 2, 1]
    before = snapshot(model)
    expected = [explain_shared(model, x, t)[0] for x, t in zip(inputs, targets)]
    assert snapshot(model)[1] == before[1]
    results, errors = {}, []
    start = threading.Barrier(4)

    def worker(index):
        try:
            start.wait()
            for _ in range(10):
                attributions, failures = explain_shared(model, inputs[index], targets[index])
                errors.extend(f for f in failures if f is not None)
                results.setdefault(index, []).append(attributions)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    for index in range(4):
        assert len(results[index]) == 10
        for attributions in results[index]:
            for name, values in attributions.items():
                torch.testing.assert_close(values, expected[index][name], rtol=0, atol=0, msg=name)
    state, modes, hooks = snapshot(model)
    assert modes == before[1] and all(modes)  # still in training mode, every module
    assert hooks == before[2] == 0
    for key, value in before[0].items():
        assert torch.equal(state[key], value), key  # BatchNorm buffers bit-identical


def test_a_block_entered_in_one_thread_can_be_called_from_another():
    model = make_model(3)
    inputs = torch.randn(4, 10)
    found = {}
    with foxlike.explain(model, {"cv.integrated_gradients": {"n_steps": 32}}, target=0) as xai_model:
        thread = threading.Thread(target=lambda: found.update(xai_model(inputs)[1]))
        with torch.no_grad():  # grad mode is per thread; the call enables it for itself
            thread.start()
            thread.join()
    assert found["cv.integrated_gradients"].passed
