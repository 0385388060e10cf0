"""`foxlike explain` writes each batch as it goes: an interrupted run resumes, a changed one starts afresh."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

import foxlike
from foxlike import cli, plugins
from foxlike.report import read_attributions, read_summary
from foxlike.runner.identity import fingerprint

FACTORY = "foxlike.demo.digits:DigitsCNN"


class CountBatches:
    """A real plugin wrapping every explanation: counts the batches explained; Ctrl-C on ``interrupt_at``."""

    def __init__(self, interrupt_at=None):
        self.interrupt_at = interrupt_at
        self.batches = 0

    @foxlike.hookimpl(wrapper=True)
    def calculate_features(self, explainer, model, inputs, target, params):
        if self.batches == self.interrupt_at:
            raise KeyboardInterrupt
        self.batches += 1
        return (yield)


@pytest.fixture
def count_batches():
    """``count_batches(interrupt_at=None)`` registers a :class:`CountBatches`; unregistered after the test."""
    names = []

    def register(interrupt_at=None):
        counter = CountBatches(interrupt_at)
        names.append(plugins.register(counter, name=f"count-batches-{len(names)}"))
        return counter

    yield register
    for name in names:
        plugins.unregister(name)


def explain(digits_files, out, *extra):
    """``foxlike explain`` on the six digit images in batches of two (three batches), in this process."""
    return cli.main(["explain", "--model", FACTORY, str(digits_files["images"]), "--state-dict",
                     str(digits_files["weights"]), "--channels", "1", "-e", "cv.integrated_gradients",
                     "-p", "cv.integrated_gradients:n_steps=32", "--batch-size", "2", "--quiet", "--out", str(out),
                     *extra])


def test_an_interrupted_run_resumes_where_it_stopped_and_gives_the_uninterrupted_report(
        digits_files, count_batches, capsys, tmp_path):
    interrupted = count_batches(interrupt_at=2)  # Ctrl-C as the third batch starts
    assert explain(digits_files, tmp_path / "report") == cli.EXIT_INTERRUPTED
    manifest = json.loads((tmp_path / "report" / "batches" / "manifest.json").read_text())
    assert sorted(manifest["batches"]) == ["0", "1"] and not (tmp_path / "report" / "index.html").exists()
    interrupted.interrupt_at = None

    resumed = count_batches()
    capsys.readouterr()
    assert explain(digits_files, tmp_path / "report") == cli.EXIT_OK
    assert resumed.batches == 1  # only the batch that was not written
    assert "Resumed: 2 batch(es) were already explained" in capsys.readouterr().err

    assert explain(digits_files, tmp_path / "once") == cli.EXIT_OK
    again, once = (read_attributions(tmp_path / name / "attributions.npz") for name in ("report", "once"))
    np.testing.assert_array_equal(again["cv.integrated_gradients"], once["cv.integrated_gradients"])
    assert again["predictions"].tolist() == once["predictions"].tolist()
    summaries = [read_summary(tmp_path / name / "summary.json")["samples"] for name in ("report", "once")]
    assert [s["name"] for s in summaries[0]] == [s["name"] for s in summaries[1]]


def test_a_finished_run_run_again_explains_nothing(digits_files, count_batches, tmp_path):
    assert explain(digits_files, tmp_path) == cli.EXIT_OK
    counter = count_batches()
    assert explain(digits_files, tmp_path) == cli.EXIT_OK
    assert counter.batches == 0


def test_other_settings_in_the_same_folder_start_afresh_and_leave_no_old_results(
        digits_files, count_batches, tmp_path):
    assert explain(digits_files, tmp_path) == cli.EXIT_OK
    counter = count_batches()
    assert explain(digits_files, tmp_path, "-p", "cv.integrated_gradients:n_steps=16") == cli.EXIT_OK
    assert counter.batches == 3
    manifest = json.loads((tmp_path / "batches" / "manifest.json").read_text())
    assert manifest["settings"]["explainers"] == {"cv.integrated_gradients": {"n_steps": 16}}
    assert sorted(p.name for p in (tmp_path / "batches").iterdir()) == [
        "batch-000000.pt", "batch-000001.pt", "batch-000002.pt", "manifest.json"]


def test_changed_images_are_explained_afresh(digits_files, count_batches, tmp_path):
    images = tmp_path / "images"
    shutil.copytree(digits_files["images"], images)
    files = {**digits_files, "images": images}
    assert explain(files, tmp_path / "report") == cli.EXIT_OK
    first = sorted(images.iterdir())[0]
    second = sorted(images.iterdir())[1]
    shutil.copy(second, first)  # same names, other pixels

    counter = count_batches()
    assert explain(files, tmp_path / "report") == cli.EXIT_OK
    assert counter.batches == 3
    arrays = read_attributions(tmp_path / "report" / "attributions.npz")
    np.testing.assert_array_equal(arrays["inputs"][0], arrays["inputs"][1])
    np.testing.assert_array_equal(arrays["cv.integrated_gradients"][0], arrays["cv.integrated_gradients"][1])


def test_a_batches_link_in_the_report_folder_is_refused_and_its_target_left_alone(digits_files, capsys, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "batches").symlink_to(elsewhere)

    assert explain(digits_files, tmp_path / "report") == cli.EXIT_ERROR
    assert "is not a folder (a link, or a file)" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int64, torch.bool])
def test_the_fingerprint_hashes_any_dtype_and_sees_one_changed_value(dtype):
    values = torch.arange(12).reshape(3, 4) % 2
    changed = values.clone()
    changed[2, 3] = 1 - changed[2, 3]

    assert fingerprint(values.to(dtype)) == fingerprint(values.to(dtype).clone())
    assert fingerprint(values.to(dtype)) != fingerprint(changed.to(dtype))
    assert fingerprint(values.to(dtype)) != fingerprint(values.to(dtype).reshape(4, 3))


def test_ctrl_c_on_a_running_command_exits_130_and_the_next_run_finishes_the_job(digits_files, tmp_path):
    """A real SIGINT to a real `foxlike explain` process, as a terminal sends it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.cli.conftest import REPO

    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "plugins")])}
    env.pop("FOXLIKE_PLUGINS", None)
    env.pop("FOXLIKE_DISABLE_PLUGINS", None)
    command = [sys.executable, "-m", "foxlike.cli", "explain", "--model", FACTORY, str(digits_files["images"]),
               "--state-dict", str(digits_files["weights"]), "--channels", "1", "-e", "cv.integrated_gradients",
               "-p", "cv.integrated_gradients:n_steps=1000", "--batch-size", "1", "--quiet", "--out", str(tmp_path)]
    manifest = tmp_path / "batches" / "manifest.json"
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not manifest.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == cli.EXIT_INTERRUPTED, stderr
    assert "foxlike: interrupted" in stderr
    written = sorted(json.loads(manifest.read_text())["batches"])
    assert 1 <= len(written) < 6 and not (tmp_path / "index.html").exists()

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == cli.EXIT_OK, again.stderr
    assert f"Resumed: {len(written)} batch(es)" in again.stderr
    assert len(read_summary(tmp_path / "summary.json")["samples"]) == 6


def test_fresh_explains_everything_again(digits_files, count_batches, tmp_path):
    assert explain(digits_files, tmp_path) == cli.EXIT_OK
    counter = count_batches()
    assert explain(digits_files, tmp_path, "--fresh") == cli.EXIT_OK
    assert counter.batches == 3 and (tmp_path / "index.html").exists()


def test_results_of_other_versions_are_explained_afresh(digits_files, count_batches, tmp_path):
    assert explain(digits_files, tmp_path) == cli.EXIT_OK
    path = tmp_path / "batches" / "manifest.json"
    manifest = json.loads(path.read_text())
    software = manifest["settings"]["dataset"]["software"]
    assert software["foxlike"] == foxlike.__version__ and software["captum"]
    assert software["cv.integrated_gradients"].startswith("foxlike ")  # the plugin's distribution and version
    software["captum"] = "0.1.0"  # as if written before an upgrade
    path.write_text(json.dumps(manifest))

    counter = count_batches()
    assert explain(digits_files, tmp_path) == cli.EXIT_OK
    assert counter.batches == 3
