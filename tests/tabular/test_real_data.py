"""The tabular explainers on MLPs trained on scikit-learn's breast cancer and diabetes tables, against exact
interventional Shapley values computed by enumerating every coalition."""
from __future__ import annotations

import itertools

import pytest
import torch

import foxlike
from foxlike.demo.tables import breast_cancer, diabetes
from foxlike.toolkit.surrogates import exact_shapley

MEASURES = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave points",
            "symmetry", "fractal dimension"]
#: breast cancer's 30 columns as its 10 measures, each with its mean, error and worst value
GROUPS = {m: [f"mean {m}", f"{m} error", f"worst {m}"] for m in MEASURES}


@pytest.fixture(scope="module")
def cancer():
    torch.manual_seed(0)
    return breast_cancer()


@pytest.fixture(scope="module")
def sugar():
    return diabetes()


def enumerated_shapley(model, sample, background, column_feature, k, column=0):
    """v(S) = E_b f(x_S, b_rest) for all 2**k coalitions, then the Shapley formula: no sampling, no fit."""
    coalitions = torch.tensor(list(itertools.product((0, 1), repeat=k)), dtype=torch.float32)
    keep = coalitions[:, column_feature][:, None, :]
    rows = sample * keep + background[None] * (1 - keep)
    with torch.no_grad():
        values = model(rows.reshape(-1, sample.shape[0])).reshape(len(coalitions), len(background), -1)
    return exact_shapley(values[..., column].mean(dim=1))


def test_exact_shapley_of_a_known_game():
    # v = 1 only when both 0 and 1 are in (a glove game with a dummy): 0 and 1 share it, 2 gets nothing
    values = torch.tensor([float(a and b) for a, b, _ in itertools.product((0, 1), repeat=3)])
    torch.testing.assert_close(exact_shapley(values), torch.tensor([0.5, 0.5, 0.0], dtype=torch.float64))


def _shap(table, inputs, n_samples, target=None, **params):
    with foxlike.explain(table.model, explainers={"tabular.kernel_shap": {"n_samples": n_samples, **params}},
                         target=target) as xai_model:
        _, explanations = xai_model(inputs)
    return explanations["tabular.kernel_shap"]


def test_kernel_shap_with_a_background_matches_enumerated_shapley_values_of_ten_feature_groups(cancer):
    background, rows = cancer.train[:25], cancer.test[:3]
    explanation = _shap(cancer, cancer.frame(rows), 256, target=1, background=background, feature_groups=GROUPS)
    assert explanation.feature_names == MEASURES
    estimated = explanation.feature_values().double()
    column_feature = explanation.extras["column_feature"]
    exact = torch.stack([enumerated_shapley(cancer.model, row, background, column_feature, 10, column=1)
                         for row in rows])
    error = (estimated - exact).norm(dim=1) / exact.norm(dim=1)
    assert float(error.max()) < 0.05, error
    # every coalition within budget: the exact values themselves
    whole = _shap(cancer, cancer.frame(rows), 1022, target=1, background=background, feature_groups=GROUPS)
    assert whole.extras["exact"] is True
    torch.testing.assert_close(whole.feature_values().double(), exact, atol=1e-5, rtol=1e-4)


def test_efficiency_the_values_add_up_to_the_score_minus_its_mean_over_the_background(cancer):
    background, rows = cancer.train[:40], cancer.test[:4]
    explanation = _shap(cancer, rows, 300, target=0, background=background)  # 30 features, sampled
    with torch.no_grad():
        expected = cancer.model(rows)[:, 0] - cancer.model(background)[:, 0].mean()
    torch.testing.assert_close(explanation.attributions.sum(dim=1), expected, atol=1e-4, rtol=1e-4)
    assert explanation.passed and explanation.checks[-1].name == "completeness"


def test_expected_gradients_are_complete_against_the_background_on_the_cancer_mlp(cancer):
    background, rows = cancer.train[:30], cancer.test[:6]
    with foxlike.explain(cancer.model, explainers={"tabular.integrated_gradients": {"background": background}},
                         target="argmax", rtol=0.01) as xai_model:
        output, explanations = xai_model(rows)
    explanation = explanations["tabular.integrated_gradients"]
    assert explanation.passed and explanation.extras["converged"], explanation.warnings
    with torch.no_grad():
        chosen = output.argmax(dim=1)
        expected = output.gather(1, chosen[:, None])[:, 0] - cancer.model(background)[:, chosen].mean(dim=0)
    torch.testing.assert_close(explanation.attributions.sum(dim=1), expected, atol=1e-3, rtol=1e-2)


class Squeezed(torch.nn.Module):
    """The diabetes model returning (N,) instead of (N, 1)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)[:, 0]


@pytest.mark.parametrize("squeeze", [False, True], ids=["(N, 1) output", "(N,) output"])
def test_a_regression_needs_no_target_and_gets_exact_shapley_values(sugar, squeeze):
    model = Squeezed(sugar.model) if squeeze else sugar.model
    background, rows = sugar.train[:20], sugar.test[:3]
    names = ["tabular.kernel_shap", "tabular.integrated_gradients", "tabular.feature_ablation", "tabular.lime",
             "tabular.permutation", "tabular.saliency", "tabular.input_x_gradient"]
    params = {name: {"background": background} for name in names[:5]} | {name: {} for name in names[5:]}
    with foxlike.explain(model, explainers=params) as xai_model:
        _, explanations = xai_model(sugar.frame(rows))
    for name in names:
        assert explanations[name].passed, (name, explanations[name].warnings)
        assert explanations[name].attributions.shape == (3, 10)
        assert list(explanations[name].to_frame().columns) == sugar.feature_names
    shap = explanations["tabular.kernel_shap"]
    assert shap.target_source == "single output" and shap.extras["exact"] is True  # 2**10 - 2 <= 1024
    exact = torch.stack([enumerated_shapley(sugar.model, row, background, torch.arange(10), 10) for row in rows])
    torch.testing.assert_close(shap.attributions.double(), exact, atol=1e-5, rtol=1e-4)
