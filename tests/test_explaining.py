"""The context manager: one forward pass, targets, validation, and the model left as it was found."""
import warnings

import pytest
import torch
from torch import nn

import foxlike
from tests.models import CountingModel, MaskedModel, Quadratic


class Constant(foxlike.Explainer):
    """Attributions equal to the input, without calling the model."""

    name = "test.constant"

    def calculate_features(self, model, inputs, target):
        return inputs.detach().clone()


class Zeros(foxlike.Explainer):
    """All-zero attributions: must fail the non_zero check."""

    name = "test.zeros"

    def calculate_features(self, model, inputs, target):
        return torch.zeros_like(inputs)


class HookThenFail(foxlike.Explainer):
    """Adds a hook to the model, turns gradients off, then raises half way."""

    name = "test.hook_then_fail"

    def calculate_features(self, model, inputs, target):
        for module in model.modules():
            module.register_forward_hook(lambda *args: None)
            module.train()
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        raise RuntimeError("failed half way")


class Drifting(nn.Module):
    """Its argmax changes from one call to the next: a second forward pass would be caught."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        bias = torch.tensor([10.0, 0.0]) if self.calls % 2 else torch.tensor([0.0, 10.0])
        return self.linear(x) + bias


def test_forward_runs_once_and_the_target_is_the_argmax_of_the_returned_output():
    model = Drifting()
    with foxlike.explain(model, [Constant]) as xai_model:
        output, explanations = xai_model(torch.randn(3, 4))
    assert model.calls == 1
    assert torch.equal(explanations["test.constant"].target, output.argmax(dim=1))
    assert explanations["test.constant"].target_source == "argmax (default)"


def test_model_is_in_eval_mode_inside_and_restored_module_by_module():
    model = CountingModel()
    model.train()
    model.linear.eval()  # a mixed state the user chose
    seen = {}

    class Spy(Constant):
        name = "test.spy"

        def calculate_features(self, model, inputs, target):
            seen["training"] = [m.training for m in model.model.modules()]
            return super().calculate_features(model, inputs, target)

    with foxlike.explain(model, [Spy]) as xai_model:
        xai_model(torch.randn(2, 12))
    assert seen["training"] == [False, False, False]
    assert [model.training, model.linear.training, model.dropout.training] == [True, False, True]


def test_works_under_no_grad_and_restores_grad_mode():
    model = Quadratic()
    with torch.no_grad():
        with foxlike.explain(model, ["cv.integrated_gradients"]) as xai_model:
            output, explanations = xai_model(torch.randn(2, 12))
        assert not torch.is_grad_enabled()
    assert not output.requires_grad  # the caller asked for no graph
    assert explanations["cv.integrated_gradients"].passed


def test_inference_mode_is_refused_with_a_way_out():
    with torch.inference_mode():
        with pytest.raises(foxlike.FoxlikeError, match="torch.no_grad"):
            with foxlike.explain(Quadratic(), ["cv.integrated_gradients"]):
                pass


def test_a_failing_explainer_leaves_the_model_as_it_was_and_names_itself():
    model = CountingModel()
    model.train()
    model.linear.weight.requires_grad_(False)
    users_hook = model.linear.register_forward_hook(lambda *args: None)
    inputs = torch.randn(2, 12)
    with pytest.raises(foxlike.ExplainerError, match="test.hook_then_fail.*failed half way"):
        with foxlike.explain(model, [HookThenFail]) as xai_model:
            xai_model(inputs)
    assert model.training and model.dropout.training
    assert [p.requires_grad for p in model.parameters()] == [False, True]
    assert list(model.linear._forward_hooks) == [users_hook.id]
    assert all(not m._forward_hooks for m in (model, model.dropout))
    assert not inputs.requires_grad and torch.is_grad_enabled()


def test_state_is_restored_when_the_users_code_raises_in_the_block():
    model = CountingModel()
    model.train()
    with pytest.raises(KeyboardInterrupt):
        with foxlike.explain(model, [Constant]) as xai_model:
            xai_model(torch.randn(2, 12))
            raise KeyboardInterrupt
    assert model.training


def test_lenient_mode_keeps_the_other_results_and_records_the_failure():
    model = CountingModel()
    with pytest.warns(foxlike.FoxlikeWarning, match="test.hook_then_fail"):
        with foxlike.explain(model, [HookThenFail, Constant], strict=False) as xai_model:
            _, explanations = xai_model(torch.randn(2, 12))
    failed, kept = explanations["test.hook_then_fail"], explanations["test.constant"]
    assert not failed.passed and "failed half way" in str(failed.error)
    assert kept.passed and kept.attributions.shape == (2, 12)


def test_all_zero_attributions_fail_validation_strictly_or_are_recorded():
    model = CountingModel()
    with pytest.raises(foxlike.ValidationError, match="non_zero: attributions are all zero for samples \\[0, 1\\]"):
        with foxlike.explain(model, [Zeros]) as xai_model:
            xai_model(torch.randn(2, 12))
    with pytest.warns(foxlike.FoxlikeWarning, match="non_zero"):
        with foxlike.explain(model, [Zeros], strict=False) as xai_model:
            _, explanations = xai_model(torch.randn(2, 12))
    checks = {c.name: c.passed for c in explanations["test.zeros"].checks}
    assert checks == {"shape": True, "finite": True, "non_zero": False}


@pytest.mark.parametrize("result, failed_check", [
    (lambda x: torch.full_like(x, float("nan")), "finite"),
    (lambda x: torch.ones(x.shape[0], 3), "shape"),
    (lambda x: torch.ones_like(x, dtype=torch.long), "finite"),
])
def test_bad_results_fail_the_check_that_catches_them(result, failed_check):
    class Bad(foxlike.Explainer):
        """Returns a broken result."""

        name = "test.bad"

        def calculate_features(self, model, inputs, target):
            return result(inputs)

    with pytest.raises(foxlike.ValidationError, match=failed_check):
        with foxlike.explain(CountingModel(), [Bad]) as xai_model:
            xai_model(torch.randn(2, 12))


def test_a_result_that_is_not_a_tensor_is_an_explainer_error():
    class ReturnsList(foxlike.Explainer):
        """Returns a list."""

        name = "test.list"

        def calculate_features(self, model, inputs, target):
            return [1.0]

    with pytest.raises(foxlike.ExplainerError, match="returned list, not a torch.Tensor"):
        with foxlike.explain(CountingModel(), [ReturnsList]) as xai_model:
            xai_model(torch.randn(2, 12))


def test_integrated_gradients_through_the_context_manager_matches_the_closed_form():
    model = Quadratic(features=12, classes=3)
    inputs, baseline = torch.randn(4, 12), torch.randn(12)
    target = [0, 2, 1, 2]
    with foxlike.explain(model, {"cv.integrated_gradients": {"baselines": baseline, "n_steps": 20}},
                         target=target) as xai_model:
        _, explanations = xai_model(inputs)
    result = explanations["cv.integrated_gradients"]
    expected = model.weight[target].detach() * (inputs**2 - baseline**2)
    torch.testing.assert_close(result.attributions, expected, rtol=1e-4, atol=1e-5)
    assert result.target.tolist() == target and result.target_source == "given"
    completeness = next(c for c in result.checks if c.name == "completeness")
    assert completeness.passed and completeness.value < 1e-4


def test_completeness_catches_too_few_steps():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))
    with torch.no_grad():
        model[0].weight.mul_(4)
    inputs = torch.randn(4, 8) * 3
    params = {"cv.integrated_gradients": {"n_steps": 2, "method": "riemann_right"}}
    with pytest.raises(foxlike.ValidationError, match="completeness: max relative error .* raise n_steps"):
        with foxlike.explain(model, params, rtol=0.01) as xai_model:
            xai_model(inputs)
    with foxlike.explain(model, {"cv.integrated_gradients": {"n_steps": 300}}, rtol=0.01) as xai_model:
        _, explanations = xai_model(inputs)
    assert explanations["cv.integrated_gradients"].passed


class Relevance(foxlike.Explainer):
    """Gradient times input, declared to conserve the output: exact for a linear model without bias."""

    name = "test.relevance"
    completeness = True
    conserves_output = True

    def calculate_features(self, model, inputs, target):
        inputs = inputs.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(model(inputs).gather(1, target[:, None]).sum(), inputs)
        return gradient * inputs.detach()


def test_a_relevance_method_is_checked_to_add_up_to_the_score_itself():
    torch.manual_seed(0)
    inputs = torch.randn(4, 6)
    with foxlike.explain(nn.Linear(6, 3, bias=False), [Relevance]) as xai_model:
        _, explanations = xai_model(inputs)
    assert explanations["test.relevance"].checks[-1].name == "completeness"
    assert explanations["test.relevance"].checks[-1].value < 1e-5

    biased = nn.Linear(6, 3)
    with torch.no_grad():
        biased.bias.fill_(5.0)  # the bias's share of the score is in no attribution
    with pytest.raises(foxlike.ValidationError, match="completeness: max relative error"):
        with foxlike.explain(biased, [Relevance]) as xai_model:
            xai_model(inputs)


def test_keyword_forward_arguments_reach_every_step_of_the_explainer():
    model = MaskedModel()
    inputs = torch.randn(3, 6)
    mask = torch.tensor([[1.0, 1, 0, 1, 0, 1]] * 3)
    with foxlike.explain(model, ["cv.integrated_gradients"]) as xai_model:
        output, explanations = xai_model(inputs, mask=mask)
    torch.testing.assert_close(output, model(inputs, mask=mask))
    attributions = explanations["cv.integrated_gradients"].attributions
    assert (attributions[:, [2, 4]] == 0).all() and (attributions[:, [0, 1, 3, 5]] != 0).all()
    assert explanations["cv.integrated_gradients"].passed  # completeness used the mask too


def test_the_output_transform_is_applied_and_recorded():
    model = Quadratic()
    inputs = torch.randn(2, 12)
    with foxlike.explain(model, ["cv.integrated_gradients"], output="softmax", rtol=0.02) as xai_model:
        output, explanations = xai_model(inputs)
    result = explanations["cv.integrated_gradients"]
    assert result.output == "softmax"
    probabilities = output.softmax(-1)
    assert torch.equal(result.target, probabilities.argmax(-1))
    # Completeness in probability space: the sum is p(x) - p(0) for the target class.
    uniform = torch.full((2,), 1 / 3)
    total = result.attributions.sum(dim=1)
    torch.testing.assert_close(total, probabilities.gather(1, result.target[:, None]).squeeze(1) - uniform,
                               rtol=0.02, atol=1e-3)


def test_unknown_parameters_are_refused_before_any_work():
    model = CountingModel()
    with pytest.raises(foxlike.ParameterError, match="does not take parameter\\(s\\) n_stepz.*n_steps"):
        foxlike.explain(model, {"cv.integrated_gradients": {"n_stepz": 10}})
    assert model.calls == 0


@pytest.mark.parametrize("explainers, message", [
    (None, "Name the explainers to run"),
    ([], "explainers is empty"),
    ([int], "not a foxlike.Explainer subclass"),
])
def test_bad_explainer_lists_are_refused(explainers, message):
    with pytest.raises(foxlike.ParameterError, match=message):
        foxlike.explain(CountingModel(), explainers)


def test_calling_outside_the_block_is_an_error():
    explaining = foxlike.explain(CountingModel(), [Constant])
    with pytest.raises(foxlike.FoxlikeError, match="inside its `with foxlike.explain"):
        explaining(torch.randn(1, 12))


def test_result_carries_parameters_timing_and_a_readable_repr():
    with foxlike.explain(Quadratic(), {"cv.integrated_gradients": {"n_steps": 8}}, target=1) as xai_model:
        _, explanations = xai_model(torch.randn(2, 12))
    result = explanations["cv.integrated_gradients"]
    assert result.parameters == {"n_steps": 8}
    assert result.seconds > 0
    assert "attributions=(2, 12)" in repr(result) and "passed" in repr(result)


def test_a_model_that_is_not_a_module_is_refused():
    with pytest.raises(foxlike.InputError, match="torch.nn.Module"):
        foxlike.explain(lambda x: x, [Constant])


def test_no_foxlike_warning_when_everything_passes():
    with warnings.catch_warnings():
        warnings.simplefilter("error", foxlike.FoxlikeWarning)
        with foxlike.explain(Quadratic(), ["cv.integrated_gradients"]) as xai_model:
            xai_model(torch.randn(2, 12))
