"""Metrics: known cases where the right ranking is known by construction."""
import pytest
import torch
from torch import nn

import foxlike


class TopLeftOnly(nn.Module):
    """A classifier that looks only at the top-left quadrant of an 8x8 image."""

    def __init__(self, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 4))

    def forward(self, x):
        return self.net(x[:, :, :4, :4]) * 3


class RandomAttributions(foxlike.Explainer):
    """Random numbers: an explainer that knows nothing."""

    name = "test.random"

    def calculate_features(self, model, inputs, target, seed=0):
        generator = torch.Generator().manual_seed(seed)
        return torch.rand(inputs.shape, generator=generator).to(inputs)


INPUTS = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(1))


def test_a_faithful_explainer_ranks_above_a_random_one():
    comparison = foxlike.compare(TopLeftOnly(), INPUTS, ["cv.integrated_gradients", RandomAttributions],
                                 metrics=["deletion", "insertion"])
    assert comparison.ranking("deletion") == ["cv.integrated_gradients", "test.random"]
    assert comparison.ranking("insertion") == ["cv.integrated_gradients", "test.random"]
    text = str(comparison)
    assert "deletion (lower is better)" in text and "cv.integrated_gradients" in text
    assert '<table class="comparison">' in comparison.to_html()


def test_equal_scores_share_a_rank():
    from foxlike.comparison import Comparison, Row

    comparison = Comparison([Row("a", 1.0, {"deletion": 0.3}), Row("b", 1.0, {"deletion": 0.1}),
                             Row("c", 1.0, {"deletion": 0.3}), Row("d", 1.0, {}, "failed")], {"deletion": False})
    assert [comparison.rank("deletion", name) for name in "abcd"] == [2, 1, 2, None]
    assert comparison.ranking("deletion")[0] == "b" and comparison.ranking("deletion")[-1] == "d"
    assert "0.3000 (#2)" in str(comparison) and "(#3)" not in str(comparison)


def test_metrics_run_inside_the_context_manager_per_sample():
    with foxlike.explain(TopLeftOnly(), ["cv.integrated_gradients"], metrics=["deletion", "insertion"]) as xai_model:
        output, explanations = xai_model(INPUTS)
    metrics = explanations["cv.integrated_gradients"].metrics
    assert metrics["deletion"].shape == (16,) and metrics["insertion"].shape == (16,)
    assert ((metrics["deletion"] >= 0) & (metrics["deletion"] <= 1)).all()
    assert (metrics["insertion"] > metrics["deletion"]).float().mean() > 0.8


def test_deletion_reads_the_models_probabilities_so_different_models_score_differently():
    attributions_model = TopLeftOnly(seed=0)
    with foxlike.explain(attributions_model, ["cv.integrated_gradients"], target=0) as xai_model:
        _, explanations = xai_model(INPUTS)
    explanation = explanations["cv.integrated_gradients"]
    from foxlike.model import ExplainedModel
    from foxlike_metrics.curves import Deletion

    scores = [Deletion().compute(ExplainedModel(m, lambda o: o, "logits"), INPUTS, explanation, None).mean()
              for m in (TopLeftOnly(seed=0), TopLeftOnly(seed=5))]
    assert abs(float(scores[0] - scores[1])) > 0.01


def test_model_randomisation_drops_the_correlation_and_leaves_the_model_alone(digits):
    before = [p.detach().clone() for p in digits.model.parameters()]
    with foxlike.explain(digits.model, ["cv.integrated_gradients", "cv.saliency"],
                         metrics=["model_randomisation"]) as xai_model:
        _, explanations = xai_model(digits.test_images[:8])
    for name in ("cv.integrated_gradients", "cv.saliency"):
        correlation = explanations[name].metrics["model_randomisation"]
        assert correlation.shape == (8,) and correlation.mean() < 0.5
    assert all(torch.equal(a, b) for a, b in zip(before, digits.model.parameters()))


def test_cascading_randomisation_reports_every_layer(digits):
    from foxlike_metrics.randomisation import cascading_randomisation

    with foxlike.explain(digits.model, ["cv.integrated_gradients"]) as xai_model:
        _, explanations = xai_model(digits.test_images[:4])
    explanation = explanations["cv.integrated_gradients"]
    from foxlike.model import ExplainedModel
    from foxlike_cv import IntegratedGradients

    model = ExplainedModel(digits.model, lambda o: o, "logits")

    def reexplain(inputs, other):  # IG's steps chosen per sample come back with their record: foxlike.Features
        return IntegratedGradients().calculate_features(ExplainedModel(other, lambda o: o, "logits"), inputs,
                                                        explanation.target).attributions

    curve = cascading_randomisation(model, digits.test_images[:4], explanation, reexplain)
    assert [name for name, _ in curve] == ["classifier.3", "classifier.1", "features.2", "features.0"]
    assert curve[-1][1].mean() < curve[0][1].mean() + 0.2


@pytest.mark.parametrize("metric", ["infidelity", "max_sensitivity"])
def test_robustness_metrics_give_a_finite_score_per_sample(metric, digits):
    with foxlike.explain(digits.model, ["cv.integrated_gradients"], metrics=[metric]) as xai_model:
        _, explanations = xai_model(digits.test_images[:4])
    values = explanations["cv.integrated_gradients"].metrics[metric]
    assert values.shape == (4,) and torch.isfinite(values).all() and (values >= 0).all()


def test_an_explanation_that_cannot_change_has_zero_sensitivity():
    from tests.cv.models import LinearImage

    # On a linear model, saliency is |w| whatever the input; input x gradient moves with the input.
    model, inputs = LinearImage(shape=(1, 8, 8)), INPUTS[:6]
    comparison = foxlike.compare(model, inputs, ["cv.input_x_gradient", "cv.saliency"], metrics=["max_sensitivity"])
    assert comparison.ranking("max_sensitivity") == ["cv.saliency", "cv.input_x_gradient"]
    assert comparison.rows[1].scores["max_sensitivity"] == pytest.approx(0.0, abs=1e-6)


def test_unknown_metrics_list_the_known_ones():
    with pytest.raises(foxlike.UnknownNameError, match="Unknown metric 'delete'.*Did you mean 'deletion'"):
        foxlike.explain(TopLeftOnly(), ["cv.integrated_gradients"], metrics=["delete"])


def test_layer_shaped_attributions_need_upsampling(digits):
    with pytest.raises(foxlike.ParameterError, match="pass upsample=True"):
        with foxlike.explain(digits.model, {"cv.layer_integrated_gradients": {"n_steps": 200}},
                             metrics=["deletion"]) as xai_model:
            xai_model(digits.test_images[:2])


def test_in_lenient_mode_a_failed_metric_is_recorded_and_shown_in_the_ranking(digits):
    with pytest.warns(foxlike.FoxlikeWarning, match="metric 'deletion' failed"):
        comparison = foxlike.compare(digits.model, digits.test_images[:2],
                                     {"cv.layer_integrated_gradients": {"n_steps": 200}, "cv.saliency": {}},
                                     metrics=["deletion"])
    layer, saliency = comparison.rows
    assert "deletion" not in layer.scores and "pass upsample=True" in layer.metric_errors["deletion"]
    assert "deletion" in saliency.scores and saliency.metric_errors == {}
    assert comparison.ranking("deletion") == ["cv.saliency", "cv.layer_integrated_gradients"]
    assert "pass upsample=True" in str(comparison)


def test_deletion_works_on_text(sentiment_like=None):
    from tests.nlp.test_perturbation import IDS, BagOfWords

    with foxlike.explain(BagOfWords(), {"nlp.integrated_gradients": {"special_ids": (1, 2)}},
                         metrics={"deletion": {"pad_id": 0}}) as xai_model:
        _, explanations = xai_model(IDS)
    assert explanations["nlp.integrated_gradients"].metrics["deletion"].shape == (2,)


def test_a_third_party_metric_from_an_installed_package(use_packages):
    use_packages("foxlike-example-plugin")
    with foxlike.explain(TopLeftOnly(), ["cv.integrated_gradients"], metrics=["example.positive_share"]) as xai_model:
        _, explanations = xai_model(INPUTS)
    share = explanations["cv.integrated_gradients"].metrics["example.positive_share"]
    assert share.shape == (16,) and ((share >= 0) & (share <= 1)).all()


def test_infidelity_is_zero_for_the_gradient_of_a_linear_model():
    from tests.cv.models import LinearImage

    # f(x) - f(x - d) = d . w exactly, and the gradient is w: nothing to be unfaithful about, whatever the target.
    with foxlike.explain(LinearImage(shape=(1, 8, 8)), {"cv.saliency": {"abs": False}}, target=[0, 1, 2, 1],
                         metrics=["infidelity"]) as xai_model:
        _, explanations = xai_model(INPUTS[:4])
    torch.testing.assert_close(explanations["cv.saliency"].metrics["infidelity"], torch.zeros(4), atol=1e-6, rtol=0)


def test_rank_correlation_matches_scipy_on_attributions_full_of_ties():
    from scipy.stats import spearmanr

    from foxlike_metrics.randomisation import spearman

    generator = torch.Generator().manual_seed(0)
    a = torch.randint(0, 3, (4, 30), generator=generator).float()  # few values: many ties
    b = torch.randint(0, 3, (4, 30), generator=generator).float()
    expected = [spearmanr(x, y).statistic for x, y in zip(a.numpy(), b.numpy())]
    torch.testing.assert_close(spearman(a, b), torch.tensor(expected, dtype=torch.float64))


def test_a_failing_metric_in_lenient_mode_is_a_warning_and_the_rest_still_run(digits):
    with pytest.warns(foxlike.FoxlikeWarning, match="metric 'deletion' failed: ParameterError"):
        with foxlike.explain(digits.model, {"cv.layer_integrated_gradients": {"n_steps": 200}},
                             metrics=["deletion", "model_randomisation"], strict=False) as xai_model:
            _, explanations = xai_model(digits.test_images[:2])
    metrics = explanations["cv.layer_integrated_gradients"].metrics
    assert "deletion" not in metrics and metrics["model_randomisation"].shape == (2,)


class TopLeftRGB(nn.Module):
    """A three-channel CNN whose head reads only the top-left quadrant of its feature map."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x))[:, :, :4, :4].mean(dim=(2, 3)))


def test_grad_cam_of_an_rgb_model_is_scored_by_deletion_and_insertion():
    from foxlike_metrics.features import feature_scores

    images = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    with foxlike.explain(TopLeftRGB(), {"cv.grad_cam": {"relu": False}},
                         metrics=["deletion", "insertion"]) as xai_model:
        _, explanations = xai_model(images)

    grad_cam = explanations["cv.grad_cam"]
    assert grad_cam.attributions.shape == (6, 1, 8, 8)  # one channel for a three-channel image
    for name in ("deletion", "insertion"):
        scores = grad_cam.metrics[name]
        assert scores.shape == (6,) and bool(((scores >= 0) & (scores <= 1)).all())
    # the one-channel map ranks pixels as the same map on every channel does
    spread = grad_cam.attributions.expand(-1, 3, -1, -1) / 3
    torch.testing.assert_close(feature_scores(images, grad_cam.attributions), feature_scores(images, spread))
