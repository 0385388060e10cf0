"""calculate_features is a pluggy hook: plugins can wrap every explanation."""
import pytest
import torch

import foxlike
from tests.models import Quadratic


class Wrapping:
    """Records every explanation and doubles its attributions."""

    def __init__(self):
        self.seen = []

    @foxlike.hookimpl(wrapper=True)
    def calculate_features(self, explainer, model, inputs, target, params):
        self.seen.append((explainer.name, dict(params)))
        attributions = yield
        return attributions * 2


def test_a_wrapper_sees_and_can_change_every_explanation(fresh_plugins):
    wrapper = Wrapping()
    fresh_plugins.register(wrapper, name="test-wrapper")
    model, inputs = Quadratic(), torch.randn(2, 12)
    with foxlike.explain(model, {"cv.integrated_gradients": {"n_steps": 16}}, target=0, rtol=1.5) as xai_model:
        _, wrapped = xai_model(inputs)
    fresh_plugins.unregister("test-wrapper")
    with foxlike.explain(model, {"cv.integrated_gradients": {"n_steps": 16}}, target=0) as xai_model:
        _, plain = xai_model(inputs)
    assert wrapper.seen == [("cv.integrated_gradients", {"n_steps": 16})]
    torch.testing.assert_close(wrapped["cv.integrated_gradients"].attributions,
                               2 * plain["cv.integrated_gradients"].attributions)


def test_a_plugin_can_answer_in_place_of_the_explainer(fresh_plugins):
    class Cache:
        @foxlike.hookimpl
        def calculate_features(self, explainer, model, inputs, target, params):
            return torch.full_like(inputs, 7.0) if explainer.name == "cv.integrated_gradients" else None

    fresh_plugins.register(Cache(), name="test-cache")
    with pytest.warns(foxlike.FoxlikeWarning, match="completeness"):  # 7s are not a faithful answer
        with foxlike.explain(Quadratic(), ["cv.integrated_gradients"], strict=False) as xai_model:
            _, explanations = xai_model(torch.randn(2, 12))
    assert (explanations["cv.integrated_gradients"].attributions == 7.0).all()
