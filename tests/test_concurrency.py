"""Two threads explaining two models at once get correct, separate results."""
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
