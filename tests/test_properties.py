"""Property-based: over random shapes, batches, targets and explainers, the invariants hold."""
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import foxlike
from tests.test_faults import assert_same, snapshot


class GradientTimesInput(foxlike.Explainer):
    """Gradient x input by autograd."""

    name = "test.gradient_x_input"

    def calculate_features(self, model, inputs, target):
        inputs = inputs.detach().requires_grad_(True)
        scores = model(inputs, *model.forward_args).gather(1, target[:, None]).sum()
        return torch.autograd.grad(scores, inputs)[0] * inputs.detach()


EXPLAINERS = {
    "ig": ("cv.integrated_gradients", {"n_steps": 16}),
    "gxi": (GradientTimesInput, {}),
}


def small_model(channels, classes, kind):
    if kind == "conv":
        return nn.Sequential(nn.Conv2d(channels, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                             nn.Flatten(), nn.Linear(4, classes))
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(classes))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batch=st.integers(1, 5),
    channels=st.integers(1, 3),
    side=st.integers(3, 7),
    classes=st.integers(2, 6),
    kind=st.sampled_from(["conv", "linear"]),
    chosen=st.lists(st.sampled_from(sorted(EXPLAINERS)), min_size=1, max_size=2, unique=True),
    target_kind=st.sampled_from(["none", "int", "list", "argmax", "callable"]),
    training=st.booleans(),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_invariants(batch, channels, side, classes, kind, chosen, target_kind, training, seed, data):
    torch.manual_seed(seed)
    model = small_model(channels, classes, kind)
    inputs = torch.randn(batch, channels, side, side)
    model(inputs)  # materialise lazy layers
    model.train(training)
    target = {
        "none": None,
        "int": data.draw(st.integers(0, classes - 1)),
        "list": data.draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch)),
        "argmax": "argmax",
        "callable": lambda output: output.argmin(dim=1),
    }[target_kind]
    explainers = dict(EXPLAINERS[name] for name in chosen)
    before = snapshot(model)
    with foxlike.explain(model, explainers, target=target, strict=False, rtol=0.2) as xai_model:
        output, explanations = xai_model(inputs)
    assert_same(model, before)
    assert output.shape == (batch, classes)
    with torch.no_grad():
        expected = {"none": output.argmax(1), "argmax": output.argmax(1), "callable": output.argmin(1),
                    "int": torch.full((batch,), target if isinstance(target, int) else 0),
                    "list": torch.tensor(target if isinstance(target, list) else [0] * batch)}[target_kind]
    assert set(explanations) == {e if isinstance(e, str) else e.name for e in explainers}
    for explanation in explanations.values():
        assert explanation.error is None
        assert explanation.attributions.shape == inputs.shape
        assert torch.equal(explanation.target, expected)
        assert [c.name for c in explanation.checks][:3] == ["shape", "finite", "non_zero"]
