"""Bad input gets a clear error that names the problem and the fix, and nothing is changed."""
import pytest
import torch
from torch import nn

import foxlike
from tests.models import Quadratic


def explain_once(model, inputs, **options):
    options.setdefault("explainers", ["cv.integrated_gradients"])
    with foxlike.explain(model, **options) as xai_model:
        return xai_model(inputs)


@pytest.mark.parametrize("inputs, message", [
    (torch.randn(2, 5), "inputs of shape \\(2, 5\\).*Check that the inputs have the shape"),
    (torch.randint(0, 3, (2, 12)), "dtype torch.int64"),
    (torch.empty(0, 12), "The batch is empty"),
    (torch.tensor([[float("nan")] * 12]), "NaN or infinite"),
    (torch.tensor([[float("inf")] * 12]), "NaN or infinite"),
    ([[1.0] * 12], "must be a torch.Tensor"),
])
def test_bad_inputs(inputs, message):
    model = Quadratic()
    model.train()
    with pytest.raises(foxlike.InputError, match=message):
        explain_once(model, inputs)
    assert model.training


def test_inputs_on_another_device_say_where_to_move_them():
    model = Quadratic().to("meta")
    with pytest.raises(foxlike.InputError, match="inputs are on cpu but the model is on meta.*inputs.to\\('meta'\\)"):
        explain_once(model, torch.randn(2, 12))


@pytest.mark.parametrize("target, message", [
    (3, "Target index 3 is out of range for an output with 3 classes"),
    ([0, 1, 2], "3 entries for a batch of 2"),
])
def test_bad_targets(target, message):
    with pytest.raises(foxlike.TargetError, match=message):
        explain_once(Quadratic(), torch.randn(2, 12), target=target)


class TupleModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Quadratic()

    def forward(self, x):
        scores = self.inner(x)
        return scores, {"aux": scores}


def test_a_model_returning_a_tuple_needs_an_output_callable():
    with pytest.raises(foxlike.InputError, match="returned a tuple.*output=lambda out: out\\[0\\]"):
        explain_once(TupleModel(), torch.randn(2, 12))
    output, explanations = explain_once(TupleModel(), torch.randn(2, 12), output=lambda out: out[0])
    assert isinstance(output, tuple) and explanations["cv.integrated_gradients"].passed


def test_parameters_an_explainer_does_not_take_are_an_error():
    with pytest.raises(foxlike.ParameterError, match="does not take parameter\\(s\\) steps"):
        explain_once(Quadratic(), torch.randn(2, 12), explainers={"cv.integrated_gradients": {"steps": 3}})


def test_unknown_explainer_names_suggest_the_nearest():
    with pytest.raises(foxlike.UnknownNameError, match="Unknown explainer 'cv.integrated_gradiants'.*"
                                                       "Did you mean 'cv.integrated_gradients'"):
        explain_once(Quadratic(), torch.randn(2, 12), explainers=["cv.integrated_gradiants"])


def test_the_inputs_come_out_unchanged():
    inputs = torch.randn(3, 12)
    before = inputs.clone()
    explain_once(Quadratic(), inputs)
    assert torch.equal(inputs, before) and not inputs.requires_grad


@pytest.mark.parametrize("name, inputs, instead", [
    ("cv.kernel_shap", torch.randn(4, 6), "tabular.kernel_shap|choose an explainer"),
    ("cv.lime", torch.randn(4, 6), "tabular.lime|choose an explainer"),
    ("cv.occlusion", torch.randn(4, 6), "choose an explainer|tabular.occlusion"),
    ("nlp.kernel_shap", torch.randn(4, 6), "tabular.kernel_shap|choose an explainer"),
])
def test_inputs_of_another_modality_are_refused_with_the_explainer_to_use(name, inputs, instead):
    model = torch.nn.Sequential(torch.nn.Linear(6, 3))
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(foxlike.InputError, match=f"{name} explains .*got inputs of shape \\(4, 6\\).*({instead})"):
        with foxlike.explain(model, [name]) as xai_model:
            xai_model(inputs)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert model.training
