"""The tabular explainers on a linear model, where every answer is known in closed form, and their refusals."""
from __future__ import annotations

import pytest
import torch

import foxlike

ALL = ["tabular.integrated_gradients", "tabular.saliency", "tabular.input_x_gradient", "tabular.feature_ablation",
       "tabular.kernel_shap", "tabular.lime", "tabular.permutation"]


@pytest.fixture
def linear():
    torch.manual_seed(0)
    model = torch.nn.Linear(6, 3)
    return model, torch.randn(5, 6), torch.randn(20, 6)


def test_every_tabular_explainer_gives_one_value_per_column_and_passes_its_checks(linear):
    model, x, background = linear
    with foxlike.explain(model, explainers=ALL, target=1) as xai_model:
        _, explanations = xai_model(x)
    for name in ALL:
        assert explanations[name].attributions.shape == (5, 6), name
        assert explanations[name].passed, (name, explanations[name].warnings)
        assert explanations[name].feature_names is None  # a tensor names no columns


def test_on_a_linear_model_shap_ablation_and_expected_gradients_are_the_weight_times_distance_to_the_background_mean(linear):
    model, x, background = linear
    expected = model.weight[2].detach() * (x - background.mean(dim=0))
    names = ["tabular.integrated_gradients", "tabular.kernel_shap", "tabular.feature_ablation"]
    with foxlike.explain(model, explainers={n: {"background": background} for n in names}, target=2) as xai_model:
        _, explanations = xai_model(x)
    for name in names:
        torch.testing.assert_close(explanations[name].attributions, expected, atol=1e-5, rtol=1e-4)
    assert [c.name for c in explanations["tabular.kernel_shap"].checks][-1] == "completeness"


def test_lime_on_a_linear_model_recovers_weight_times_distance(linear):
    model, x, background = linear
    with foxlike.explain(model, explainers={"tabular.lime": {"background": background[:1]}}, target=0) as xai_model:
        _, explanations = xai_model(x)
    expected = model.weight[0].detach() * (x - background[:1])
    torch.testing.assert_close(explanations["tabular.lime"].attributions, expected, atol=1e-4, rtol=1e-4)


def test_permutation_from_the_background_is_the_weight_times_distance_to_the_drawn_rows(linear):
    model, x, background = linear
    with foxlike.explain(model, explainers={"tabular.permutation": {"background": background[:1], "n_repeats": 2}},
                         target=0) as xai_model:
        _, explanations = xai_model(x)
    expected = model.weight[0].detach() * (x - background[:1])
    torch.testing.assert_close(explanations["tabular.permutation"].attributions, expected, atol=1e-5, rtol=1e-4)


def test_a_feature_group_is_one_feature_and_its_value_is_shared_by_its_columns(linear):
    model, x, background = linear
    groups = {"first_three": [0, 1, 2]}
    with foxlike.explain(model, explainers={"tabular.kernel_shap": {"background": background,
                                                                    "feature_groups": groups}}, target=0) as xai_model:
        _, explanations = xai_model(x)
    explanation = explanations["tabular.kernel_shap"]
    assert explanation.feature_names == ["first_three", "x3", "x4", "x5"]
    values = explanation.feature_values()
    assert values.shape == (5, 4)
    expected = model.weight[0].detach() * (x - background.mean(dim=0))
    torch.testing.assert_close(values[:, 0], expected[:, :3].sum(dim=1), atol=1e-5, rtol=1e-4)
    a = explanation.attributions
    torch.testing.assert_close(a[:, 0], a[:, 1])  # shared equally
    torch.testing.assert_close(a[:, 0] * 3, values[:, 0])


def test_several_targets_at_once_each_checked(linear):
    model, x, background = linear
    with foxlike.explain(model, explainers={"tabular.kernel_shap": {"background": background},
                                            "tabular.integrated_gradients": {"background": background}},
                         target="all") as xai_model:
        _, explanations = xai_model(x)
    for name in ("tabular.kernel_shap", "tabular.integrated_gradients"):
        assert explanations[name].attributions.shape == (5, 3, 6)
        assert sorted(c.target for c in explanations[name].checks if c.name == "completeness") == [0, 1, 2]


@pytest.mark.parametrize("name, params, message", [
    ("tabular.kernel_shap", {"background": torch.zeros(4, 5)}, r"background of shape \(4, 5\) does not fit"),
    ("tabular.integrated_gradients", {"background": torch.zeros(4, 6, 1)}, "give \\(B, 6\\) reference rows"),
    ("tabular.kernel_shap", {"background": "train.csv"}, "background must be a"),
    ("tabular.lime", {"background": torch.full((2, 6), float("nan"))}, "NaN or infinite"),
    ("tabular.kernel_shap", {"feature_groups": [[0, 1], [1, 2]]}, "is in two feature groups"),
    ("tabular.feature_ablation", {"feature_groups": [[0, 9]]}, "not a column of a table of 6 columns"),
    ("tabular.lime", {"feature_groups": {"age": ["age"]}}, "names column 'age'"),
    ("tabular.kernel_shap", {"feature_groups": {"none": []}}, "is empty"),
])
def test_bad_backgrounds_and_groups_are_refused_with_the_fix(linear, name, params, message):
    model, x, _ = linear
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with foxlike.explain(model, explainers={name: params}) as xai_model:
        with pytest.raises(foxlike.ParameterError, match=message):
            xai_model(x)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_permutation_of_a_batch_of_one_asks_for_more_rows_or_a_background(linear):
    model, x, _ = linear
    with foxlike.explain(model, explainers=["tabular.permutation"]) as xai_model:
        with pytest.raises(foxlike.ParameterError, match="pass background="):
            xai_model(x[:1])


def test_images_are_refused_by_tabular_explainers_and_tables_by_image_surrogates():
    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.LazyLinear(2))
    images = torch.randn(2, 1, 8, 8)
    conv(images)
    with foxlike.explain(conv, explainers=["tabular.kernel_shap"]) as xai_model:
        with pytest.raises(foxlike.InputError, match=r"tabular.kernel_shap explains tables \(N, F\).*use cv.kernel_shap"):
            xai_model(images)
    table_model = torch.nn.Linear(6, 2)
    with foxlike.explain(table_model, explainers=["cv.kernel_shap"]) as xai_model:
        with pytest.raises(foxlike.InputError, match="use tabular.kernel_shap"):
            xai_model(torch.randn(3, 6))
