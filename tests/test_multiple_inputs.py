"""Several attributed inputs, ``xai_model((image, metadata))``: attributions per input, checks per input,
completeness over all of them, refusals that name the explainers that can, shards that keep them."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import foxlike
from foxlike.runner.dataset import explain_dataset


class Product(nn.Module):
    """Two outputs: x1 . x2 and x1 . x1 + x2; IG from zero gives each input half of x1 * x2 for the first."""

    def forward(self, x1, x2, scale=1.0):
        return torch.stack([(x1 * x2).sum(1), (x1 * x1).sum(1) + x2.sum(1)], dim=1) * scale


class TupleIntegratedGradients(foxlike.Explainer):
    """Captum's IG on tuple inputs, here only to exercise the core's handling of several inputs."""

    name = "test.tuple_ig"
    modality = "cv"
    accepts = "tensors"
    multi_input = True
    completeness = True

    def calculate_features(self, model, inputs, target, n_steps: int = 64):
        from captum.attr import IntegratedGradients

        return IntegratedGradients(model).attribute(inputs, target=target, n_steps=n_steps,
                                                    additional_forward_args=model.additional_forward_args)

    def baselines(self, inputs, params):
        return tuple(torch.zeros_like(x) for x in inputs)


def test_each_input_gets_its_own_attributions_and_checks_and_completeness_sums_over_them():
    x1, x2 = torch.rand(3, 4) + 0.5, torch.rand(3, 4) + 0.5
    with foxlike.explain(Product(), [TupleIntegratedGradients], target=0) as xai_model:
        _, explanations = xai_model((x1, x2))
    explained = explanations["test.tuple_ig"]
    first, second = explained.attributions
    torch.testing.assert_close(first, x1 * x2 / 2, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(second, x1 * x2 / 2, rtol=1e-4, atol=1e-5)
    assert {(c.name, c.input) for c in explained.checks} >= {("finite", 0), ("finite", 1), ("non_zero", 1),
                                                             ("completeness", None)}
    assert explained.passed


def test_a_fixed_second_input_is_a_forward_argument_and_gets_no_attribution():
    x1, x2 = torch.rand(3, 4) + 0.5, torch.rand(3, 4) + 0.5
    with foxlike.explain(Product(), [TupleIntegratedGradients], target=0) as xai_model:
        _, both = xai_model((x1, x2))
        _, only_first = xai_model((x1,), x2)
    torch.testing.assert_close(only_first["test.tuple_ig"].attributions[0], x1 * x2, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(both["test.tuple_ig"].attributions[0], only_first["test.tuple_ig"].attributions[0])


def test_forward_keyword_arguments_still_reach_the_model_with_several_inputs():
    x1, x2 = torch.rand(2, 3) + 0.5, torch.rand(2, 3)
    with foxlike.explain(Product(), [TupleIntegratedGradients], target=1) as xai_model:
        output, explanations = xai_model((x1, x2), scale=3.0)
    torch.testing.assert_close(output, Product()(x1, x2) * 3.0)
    assert explanations["test.tuple_ig"].passed


def test_several_targets_of_several_inputs():
    x1, x2 = torch.rand(2, 3) + 0.5, torch.rand(2, 3)
    with foxlike.explain(Product(), [TupleIntegratedGradients], target="all") as xai_model:
        _, explanations = xai_model((x1, x2))
    first, second = explanations["test.tuple_ig"].attributions
    assert first.shape == (2, 2, 3) and second.shape == (2, 2, 3)
    torch.testing.assert_close(second[:, 1], x2, rtol=1e-4, atol=1e-5)  # d(x2.sum) = x2 from zero


class TuplePlugin:
    @foxlike.hookimpl
    def register_explainers(self, register):
        register(TupleIntegratedGradients)


def test_explainers_that_take_one_input_refuse_several_and_name_those_that_can(fresh_plugins):
    fresh_plugins.register(TuplePlugin(), name="tuple-ig")
    model = Product()
    model.train()
    with pytest.raises(foxlike.InputError, match="cv.grad_cam take\\(s\\) one input tensor, not 2: explain several "
                                                 "inputs with .*test.tuple_ig"):
        with foxlike.explain(model, ["cv.grad_cam"]) as xai_model:
            xai_model((torch.rand(2, 3), torch.rand(2, 3)))
    assert model.training


def test_inputs_of_different_batch_sizes_are_refused_before_the_model_runs():
    calls = []
    model = Product()
    model.register_forward_pre_hook(lambda *_: calls.append(1))
    with pytest.raises(foxlike.InputError, match="different batch sizes \\[3, 2\\]"):
        with foxlike.explain(model, [TupleIntegratedGradients]) as xai_model:
            xai_model((torch.rand(3, 4), torch.rand(2, 4)))
    assert not calls


def test_a_dataset_of_several_inputs_keeps_each_inputs_attributions(tmp_path):
    items = [{"inputs": (torch.rand(4) + 0.5, torch.rand(4) + 0.5)} for _ in range(5)]
    result = explain_dataset(Product(), items, [TupleIntegratedGradients], tmp_path, batch_size=2, target=0,
                             progress=False)
    first, second = result.attributions("test.tuple_ig")
    x1 = torch.stack([item["inputs"][0] for item in items])
    x2 = torch.stack([item["inputs"][1] for item in items])
    torch.testing.assert_close(first, x1 * x2 / 2, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(second, x1 * x2 / 2, rtol=1e-4, atol=1e-5)
