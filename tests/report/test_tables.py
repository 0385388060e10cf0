"""The report of a run on a table: a bar chart per sample and explainer, a summary per explainer, the
features named by the DataFrame's columns (a group of columns as one bar)."""
from __future__ import annotations

import base64
import io
import re

import pytest
import torch
from PIL import Image

import foxlike
from foxlike.demo.tables import breast_cancer
from foxlike.report import read_attributions, write_report
from foxlike.runner.explain_inputs import explain_inputs
from foxlike.runner.inputs import table_rows


@pytest.fixture(scope="module")
def cancer():
    return breast_cancer()


def _images(page: str) -> list[Image.Image]:
    return [Image.open(io.BytesIO(base64.b64decode(data)))
            for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def test_a_table_report_has_a_bar_chart_per_sample_and_a_summary_per_explainer(cancer, tmp_path):
    inputs = table_rows(cancer.frame(cancer.test[:4]))
    assert inputs.modality == "tabular" and inputs.feature_names[0] == "mean radius"
    explainers = {"tabular.kernel_shap": {"background": cancer.train[:10], "n_samples": 128,
                                          "feature_groups": {"radius": ["mean radius", "radius error", "worst radius"]}},
                  "tabular.saliency": {}}
    run = explain_inputs(cancer.model, inputs, explainers, quiet=True, title="cancer")
    assert run.passed
    shap = run.samples[0].explanations["tabular.kernel_shap"]
    assert shap.feature_names[0] == "radius" and len(shap.feature_names) == 28  # kept through the shard record
    page = write_report(tmp_path, run).read_text()
    assert page.count('data-summary="') == 2 and "All samples" in page
    assert page.count('alt="tabular.kernel_shap bars"') == 4 and page.count('alt="tabular.saliency bars"') == 4
    pictures = _images(page)
    assert len(pictures) == 2 + 8 and all(p.size[0] > 100 and p.size[1] > 50 for p in pictures)
    assert read_attributions(tmp_path / "attributions.npz")["tabular.kernel_shap"].shape == (4, 30)


def test_a_dataframe_in_gives_named_features_and_a_frame_out(cancer):
    frame = cancer.frame(cancer.test[:3])
    with foxlike.explain(cancer.model, explainers={"tabular.feature_ablation": {"background": cancer.train[:5]},
                                                   "cv.integrated_gradients": {}}) as xai_model:
        _, explanations = xai_model(frame)
    for explanation in explanations.values():  # names travel with every explainer's result, tabular or not
        assert explanation.feature_names == cancer.feature_names
        table = explanation.to_frame()
        assert list(table.columns) == cancer.feature_names and table.shape == (3, 30)
        torch.testing.assert_close(torch.tensor(table.to_numpy()), explanation.attributions.cpu())


def test_a_dataframe_with_text_columns_is_refused_with_the_fix(cancer):
    frame = cancer.frame(cancer.test[:3])
    frame["diagnosis"] = ["a", "b", "c"]
    with foxlike.explain(torch.nn.Linear(31, 2), explainers=["tabular.saliency"]) as xai_model:
        with pytest.raises(foxlike.InputError, match=r"columns \['diagnosis'\] are not numbers.*get_dummies"):
            xai_model(frame)
