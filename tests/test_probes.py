"""Probe answers are remembered per model, and forgotten when the model changes."""
import gc
import weakref

import torch
from torch import nn

import foxlike
from foxlike.model import ExplainedModel
from foxlike.toolkit.probes import _found


class Counting(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.first = nn.Conv2d(1, 4, 3, padding=1)
        self.last = nn.Conv2d(4, 4, 3, padding=1)
        self.head = nn.Linear(4, 3)
        self.forwards = 0

    def forward(self, x):
        self.forwards += 1
        return self.head(self.last(self.first(x).relu()).relu().mean(dim=(2, 3)))


def test_the_last_conv_layer_is_found_once_per_model_and_again_after_a_change():
    model, inputs = Counting(), torch.randn(2, 1, 6, 6)
    view = ExplainedModel(model, lambda o: o, "logits")
    assert view.run_order(inputs, nn.Conv2d)[-1] is model.last
    after_first = model.forwards
    assert view.run_order(torch.randn(5, 1, 6, 6), nn.Conv2d)[-1] is model.last  # batch size does not matter
    assert model.forwards == after_first
    model.last = nn.Conv2d(4, 4, 3, padding=1)  # the model changed: ask again
    assert view.run_order(inputs, nn.Conv2d)[-1] is model.last
    assert model.forwards == after_first + 1


def test_remembered_answers_go_with_the_model():
    model = Counting()
    # strict=False: this test is about what is remembered, not whether Grad-CAM finds evidence.
    with foxlike.explain(model, ["cv.grad_cam"], strict=False) as xai_model:
        xai_model(torch.randn(2, 1, 6, 6))
    assert model in _found
    reference = weakref.ref(model)
    del model, xai_model
    gc.collect()
    assert reference() is None
