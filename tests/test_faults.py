"""Faults half way through: the model comes out as it went in, and the error says who failed."""
import pytest
import torch

import foxlike
from tests.models import CountingModel


def snapshot(model):
    return {
        "training": [m.training for m in model.modules()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "values": [p.detach().clone() for p in model.parameters()],
        "hooks": [(dict(m._forward_hooks), dict(m._forward_pre_hooks), dict(m._backward_hooks))
                  for m in model.modules()],
    }


def assert_same(model, before):
    after = snapshot(model)
    assert after["training"] == before["training"]
    assert after["requires_grad"] == before["requires_grad"]
    assert all(torch.equal(a, b) for a, b in zip(after["values"], before["values"]))
    assert [tuple(map(set, h)) for h in after["hooks"]] == [tuple(map(set, h)) for h in before["hooks"]]


def tampering_explainer(exception: BaseException):
    class Tampering(foxlike.Explainer):
        """Hooks every module, switches modes and gradient flags, then raises."""

        name = "test.tampering"

        def calculate_features(self, model, inputs, target):
            for module in model.model.modules():
                module.register_forward_pre_hook(lambda *a: None)
                module.register_full_backward_hook(lambda *a: None)
                module.train()
            for parameter in model.parameters():
                parameter.requires_grad_(not parameter.requires_grad)
            model(inputs)  # run with the hooks in place, as a real explainer would
            raise exception

    return Tampering


class Fine(foxlike.Explainer):
    """Gradient times input by autograd, a real if simple explainer."""

    name = "test.fine"

    def calculate_features(self, model, inputs, target):
        inputs = inputs.detach().requires_grad_(True)
        scores = model(inputs).gather(1, target[:, None]).sum()
        return torch.autograd.grad(scores, inputs)[0] * inputs.detach()


def prepared_model():
    model = CountingModel()
    model.train()
    model.linear.bias.requires_grad_(False)
    model.linear.register_forward_hook(lambda *a: None)
    return model


@pytest.mark.parametrize("exception, raised", [
    (RuntimeError("boom"), foxlike.ExplainerError),
    (MemoryError("out of memory"), foxlike.ExplainerError),
    (KeyboardInterrupt(), KeyboardInterrupt),
])
def test_any_exception_half_way_restores_everything(exception, raised):
    model = prepared_model()
    before = snapshot(model)
    with pytest.raises(raised):
        with foxlike.explain(model, [Fine, tampering_explainer(exception)]) as xai_model:
            xai_model(torch.randn(2, 12))
    assert_same(model, before)
    assert torch.is_grad_enabled()


def test_lenient_mode_returns_the_other_results_and_names_the_failed_explainer():
    model = prepared_model()
    before = snapshot(model)
    with pytest.warns(foxlike.FoxlikeWarning, match="Explainer 'test.tampering' failed: RuntimeError: boom"):
        with foxlike.explain(model, [tampering_explainer(RuntimeError("boom")), Fine], strict=False) as xai_model:
            _, explanations = xai_model(torch.randn(2, 12))
    assert explanations["test.fine"].passed
    assert isinstance(explanations["test.tampering"].error, foxlike.ExplainerError)
    assert_same(model, before)


def test_an_interrupt_is_never_swallowed_even_in_lenient_mode():
    model = prepared_model()
    before = snapshot(model)
    with pytest.raises(KeyboardInterrupt):
        with foxlike.explain(model, [tampering_explainer(KeyboardInterrupt())], strict=False) as xai_model:
            xai_model(torch.randn(2, 12))
    assert_same(model, before)


def test_a_plugin_hook_that_raises_is_reported_as_that_explainers_failure(fresh_plugins):
    class Broken:
        @foxlike.hookimpl(wrapper=True)
        def calculate_features(self, explainer, model, inputs, target, params):
            yield
            raise ValueError("a wrapper broke")

    fresh_plugins.register(Broken(), name="broken-wrapper")
    model = prepared_model()
    before = snapshot(model)
    with pytest.raises(foxlike.ExplainerError, match="'test.fine' failed: ValueError: a wrapper broke"):
        with foxlike.explain(model, [Fine]) as xai_model:
            xai_model(torch.randn(2, 12))
    assert_same(model, before)
