"""The report ranks the explainers by each metric: a faithful one above a random one, where that is known."""
from __future__ import annotations

import re

import numpy as np
import pytest

import foxlike
from foxlike import plugins
from foxlike.runner.inputs import Inputs
from foxlike.report import read_attributions, read_summary, write_report
from foxlike.runner.explain_inputs import explain_inputs
from tests.metrics.test_metrics import INPUTS, RandomAttributions, TopLeftOnly

EXPLAINERS = {"cv.integrated_gradients": {}, "test.random": {}}
METRICS = {"deletion": {}, "insertion": {"steps": 10}}


class RandomPlugin:
    @foxlike.hookimpl
    def register_explainers(self, register):
        register(RandomAttributions)


@pytest.fixture(scope="module")
def top_left_run():
    """A classifier that reads only the top-left quadrant, explained by IG and by random numbers."""
    name = plugins.register(RandomPlugin(), name="test-random-plugin")
    try:
        inputs = Inputs("cv", INPUTS, [f"image {i}" for i in range(len(INPUTS))],
                        pixels=INPUTS.permute(0, 2, 3, 1).numpy())
        return explain_inputs(TopLeftOnly(), inputs, EXPLAINERS, quiet=True, batch_size=6, metrics=METRICS,
                              model_name="top-left only")
    finally:
        plugins.unregister(name)


def test_the_ranking_puts_the_faithful_explainer_first_on_both_metrics(top_left_run, tmp_path):
    write_report(tmp_path, top_left_run)
    comparison = read_summary(tmp_path / "summary.json")["comparison"]

    assert comparison["ranking"] == {"deletion": ["cv.integrated_gradients", "test.random"],
                                     "insertion": ["cv.integrated_gradients", "test.random"]}
    assert comparison["higher_is_better"] == {"deletion": False, "insertion": True}
    assert comparison["ranks"]["deletion"] == {"cv.integrated_gradients": 1, "test.random": 2}


def test_the_ranked_scores_are_the_means_of_the_per_input_scores_written_beside_them(top_left_run, tmp_path):
    write_report(tmp_path, top_left_run)
    summary = read_summary(tmp_path / "summary.json")
    arrays = read_attributions(tmp_path / "attributions.npz")

    for row in summary["comparison"]["rows"]:
        for metric in METRICS:
            per_input = [s["explanations"][row["explainer"]]["metrics"][metric] for s in summary["samples"]]
            assert len(per_input) == len(INPUTS) and all(0 <= v <= 1 for v in per_input)
            assert row["scores"][metric] == pytest.approx(np.mean(per_input))
            np.testing.assert_allclose(arrays[f"metrics/{row['explainer']}/{metric}"], per_input)
    seconds = {r["explainer"]: r["seconds"] for r in summary["comparison"]["rows"]}
    batch_seconds = {s["explanations"]["test.random"]["seconds"] for s in summary["samples"]}
    assert len(batch_seconds) == 3  # three batches of at most six, each timed
    assert seconds["test.random"] == pytest.approx(sum(batch_seconds))


def test_the_page_shows_the_ranking_table_before_the_inputs_and_each_panels_scores(top_left_run):
    from foxlike.report.html import render

    page = render(top_left_run)
    choosing = page.index("<h2>Choosing a method</h2>")
    assert choosing < page.index('<section class="sample">')
    table = re.search(r'<table class="comparison">.*?</table>', page).group(0)
    rows = re.findall(r"<tr><td>(.*?)</td><td>.*?</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert [(name, "(#1)" in deletion, "(#1)" in insertion) for name, deletion, insertion in rows] == [
        ("cv.integrated_gradients", True, True), ("test.random", False, False)]
    assert "deletion (lower is better)" in table and "insertion (higher is better)" in table
    assert page.count('<p class="metrics">metrics: deletion ') == 2 * len(INPUTS)


def test_a_metric_that_cannot_score_an_explainer_says_why_in_the_report(digits, tmp_path):
    images = digits.test_images[:3]
    inputs = Inputs("cv", images, ["a", "b", "c"], pixels=images.permute(0, 2, 3, 1).numpy())
    run = explain_inputs(digits.model, inputs, {"cv.layer_integrated_gradients": {"n_steps": 200}, "cv.saliency": {}},
                         quiet=True, metrics={"deletion": {}})
    write_report(tmp_path, run)
    summary = read_summary(tmp_path / "summary.json")

    layer = next(r for r in summary["comparison"]["rows"] if r["explainer"] == "cv.layer_integrated_gradients")
    assert layer["scores"] == {} and "pass upsample=True" in layer["metric_errors"]["deletion"]
    assert summary["comparison"]["ranking"]["deletion"] == ["cv.saliency", "cv.layer_integrated_gradients"]
    page = (tmp_path / "index.html").read_text()
    assert page.count("pass upsample=True") == 1 + 3  # the ranking table, and the panel of each input


def test_without_metrics_there_is_no_ranking(digits_run, tmp_path):
    write_report(tmp_path, digits_run)
    assert read_summary(tmp_path / "summary.json")["comparison"] is None
    assert "Choosing a method" not in (tmp_path / "index.html").read_text()
