"""`foxlike explain` run as a user runs it: a subprocess, its exit code, its report folder."""
from __future__ import annotations

import re

import numpy as np
import torch

from foxlike.cli.main import build_parser
from foxlike.cli.explain import settings
from foxlike.cli.inputs import read_inputs
from foxlike.report import read_attributions, read_summary

FACTORY = "foxlike.demo.digits:DigitsCNN"


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_config_run_is_quiet_exits_zero_and_writes_only_its_report(cli, digits, digits_files, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    config = work / "run.toml"
    config.write_text(
        f'model = "{FACTORY}"\nweights = "{digits_files["weights"]}"\ninputs = ["{digits_files["images"]}"]\n'
        f'channels = 1\nout = "report"\ntarget = "argmax"\noutput = "softmax"\n'
        '[explainers."cv.integrated_gradients"]\nn_steps = 64\n'
    )
    inputs_before = _tree(digits_files["root"])

    result = cli("explain", "--config", str(config), "--quiet", cwd=work)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "%|" not in result.stderr  # no progress bar either
    assert _tree(digits_files["root"]) == inputs_before
    assert _tree(work) == ["report", "report/attributions.npz", "report/batches", "report/batches/batch-000000.pt",
                           "report/batches/manifest.json", "report/index.html", "report/summary.json", "run.toml"]
    summary = read_summary(work / "report" / "summary.json")
    arrays = read_attributions(work / "report" / "attributions.npz")
    images = read_inputs([str(digits_files["images"])], channels=1)
    with torch.no_grad():
        expected = digits.model(images.tensor).argmax(dim=1).tolist()
    assert [s["prediction"] for s in summary["samples"]] == expected
    assert [s["name"] for s in summary["samples"]] == images.names
    assert summary["explainers"] == {"cv.integrated_gradients": {"n_steps": 64}}
    assert summary["output"] == "softmax" and summary["passed"] is True
    assert arrays["predictions"].tolist() == expected and arrays["targets"].tolist() == expected
    assert arrays["cv.integrated_gradients"].shape == (6, 1, 8, 8)
    np.testing.assert_allclose(arrays["inputs"], images.tensor.numpy())


def test_failed_check_still_writes_the_report_and_exits_one(cli, digits_files, tmp_path):
    # Target 3 explained with 1 step: Integrated Gradients cannot meet the completeness check.
    result = cli("explain", "--model", FACTORY, str(digits_files["images"]), "--state-dict", str(digits_files["weights"]),
                 "--channels", "1", "-e", "cv.integrated_gradients", "-p", "cv.integrated_gradients:n_steps=1",
                 "--target", "3", "--out", str(tmp_path / "out"))

    assert result.returncode == 1, result.stderr
    assert f"Report: {tmp_path / 'out' / 'index.html'}" in result.stdout
    assert re.search(r"100%\|.*\| 1/1 \[", result.stderr)  # tqdm's bar, one batch of six images
    summary = read_summary(tmp_path / "out" / "summary.json")
    assert summary["passed"] is False
    checks = summary["samples"][0]["explanations"]["cv.integrated_gradients"]["checks"]
    assert [c["name"] for c in checks if not c["passed"]] == ["completeness"]
    assert {s["target"] for s in summary["samples"]} == {3}


def test_unknown_explainer_exits_two_and_names_the_known_ones(cli, tmp_path):
    result = cli("explain", FACTORY, str(tmp_path), "-e", "cv.integrated_gradient", "--out", str(tmp_path / "o"))

    assert result.returncode == 2
    assert "Unknown explainer 'cv.integrated_gradient'" in result.stderr
    assert "Did you mean 'cv.integrated_gradients'" in result.stderr
    assert not (tmp_path / "o").exists()


def test_unknown_config_key_exits_two_and_lists_the_valid_keys(cli, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('model = "m:f"\nn_step = 3\n')

    result = cli("explain", "--config", str(config))

    assert result.returncode == 2
    assert "Unknown key(s) in config file" in result.stderr and "n_step" in result.stderr
    assert "Valid keys: model, inputs, explainers, target, output" in result.stderr


def test_missing_model_is_a_usage_error(cli, tmp_path):
    result = cli("explain", "-e", "cv.integrated_gradients")

    assert result.returncode == 2
    assert "Name a model and inputs" in result.stderr


def test_model_may_be_named_by_option_with_its_state_dict():
    def parsed(*argv):
        return settings(build_parser().parse_args(["explain", *argv, "-e", "cv.integrated_gradients"]))

    by_option = parsed("--model", FACTORY, "a.png", "photos", "--state-dict", "w.pt")
    by_position = parsed(FACTORY, "a.png", "photos", "--weights", "w.pt")

    assert by_option == by_position
    assert (by_option.model, by_option.inputs, by_option.weights) == (FACTORY, ["a.png", "photos"], "w.pt")
    assert parsed("a.png", "--model", FACTORY).inputs == ["a.png"]


def test_an_output_folder_that_is_a_file_exits_two_and_is_left_alone(cli, tmp_path):
    (tmp_path / "reviews.txt").write_text("the film was great\n")
    (tmp_path / "report").write_text("not a folder")

    result = cli("explain", "--model", "tests.cli.text_model:build", "reviews.txt", "-e", "nlp.integrated_gradients",
                 "--out", "report", "--quiet", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.startswith("foxlike: error: [Errno 17] File exists: 'report'")
    assert (tmp_path / "report").read_text() == "not a folder"


def test_a_crash_in_the_users_code_exits_three_with_its_traceback(cli, tmp_path):
    (tmp_path / "broken_models.py").write_text("def build():\n    raise ValueError('the factory has a bug')\n")
    (tmp_path / "reviews.txt").write_text("the film was great\n")

    result = cli("explain", "--model", "broken_models:build", "reviews.txt", "-e", "nlp.integrated_gradients",
                 "--out", "report", cwd=tmp_path, pythonpath=[tmp_path])

    assert result.returncode == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert "ValueError: the factory has a bug" in result.stderr
    assert "foxlike: crashed" in result.stderr and not (tmp_path / "report").exists()


def test_metrics_rank_the_explainers_in_the_report(cli, digits_files, tmp_path):
    result = cli("explain", "--model", FACTORY, str(digits_files["images"]), "--state-dict", str(digits_files["weights"]),
                 "--channels", "1", "-e", "cv.integrated_gradients", "-e", "cv.saliency", "-M", "deletion",
                 "-M", "insertion", "-p", "deletion:steps=8", "--out", str(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "Mean over the 6 inputs, rank in brackets:" in result.stdout
    assert "deletion (lower is better)" in result.stdout and "insertion (higher is better)" in result.stdout
    summary = read_summary(tmp_path / "summary.json")
    assert summary["metrics"] == {"deletion": {"steps": 8}, "insertion": {}}
    ranking = summary["comparison"]["ranking"]
    means = {r["explainer"]: r["scores"] for r in summary["comparison"]["rows"]}
    assert sorted(ranking["deletion"], key=lambda name: means[name]["deletion"]) == ranking["deletion"]
    assert sorted(ranking["insertion"], key=lambda name: -means[name]["insertion"]) == ranking["insertion"]
    assert "<h2>Choosing a method</h2>" in (tmp_path / "index.html").read_text()


def test_an_unknown_metric_exits_two_and_names_the_known_ones(cli, digits_files, tmp_path):
    result = cli("explain", "--model", FACTORY, str(digits_files["images"]), "-e", "cv.saliency", "-M", "deleton",
                 "--out", str(tmp_path / "o"))

    assert result.returncode == 2
    assert "Unknown metric 'deleton'" in result.stderr and "Did you mean 'deletion'" in result.stderr
    assert not (tmp_path / "o").exists()


def test_param_goes_to_the_metric_or_the_explainer_it_names():
    config = settings(build_parser().parse_args(
        ["explain", FACTORY, "a.png", "-e", "cv.integrated_gradients", "-M", "deletion", "-M", "insertion",
         "-p", "deletion:steps=5", "-p", "cv.integrated_gradients:n_steps=20"]))

    assert config.metrics == {"deletion": {"steps": 5}, "insertion": {}}
    assert config.explainers == {"cv.integrated_gradients": {"n_steps": 20}}
