"""Bad settings across the API, the command line and config files: each gets foxlike's own error, with a
message that names the problem and the fix (API) or exit code 2 and that message (CLI, config), before any
work that could change something, and leaves the model, the inputs and the files as they were."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import torch
from torch import nn

import foxlike
from foxlike import cli
from foxlike.cli.exit_codes import EXIT_ERROR, EXIT_OK
from foxlike.demo.digits import DigitsCNN

FACTORY = "foxlike.demo.digits:DigitsCNN"


def model_state(model: nn.Module):
    return ({k: v.clone() for k, v in model.state_dict().items()}, [m.training for m in model.modules()],
            sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules()))


def assert_unchanged(model, before):
    state, modes, hooks = model_state(model)
    assert modes == before[1] and hooks == before[2]
    assert all(torch.equal(state[k], v) for k, v in before[0].items())


class Raises(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)

    def forward(self, x):
        raise ValueError("the model's own bug")


def _inference_inputs():
    with torch.inference_mode():
        return torch.randn(2, 1, 8, 8)


IG = "cv.integrated_gradients"
#: (id, explain keyword arguments, inputs or None for the default, error type, message pattern)
API_CASES = [
    ("n_steps not an int", {"explainers": {IG: {"n_steps": "ten"}}}, None, foxlike.ParameterError,
     "n_steps='ten' is not valid: n_steps must be an int from 1 to 100000"),
    ("n_steps negative", {"explainers": {IG: {"n_steps": -5}}}, None, foxlike.ParameterError, "n_steps=-5"),
    ("n_steps far too large", {"explainers": {IG: {"n_steps": 10**7}}}, None, foxlike.ParameterError,
     "from 1 to 100000"),
    ("n_steps a float", {"explainers": {IG: {"n_steps": 2.5}}}, None, foxlike.ParameterError, "must be an int"),
    ("unknown integration rule", {"explainers": {IG: {"method": "simpson"}}}, None, foxlike.ParameterError,
     "method must be one of 'gausslegendre'"),
    ("baselines a string", {"explainers": {IG: {"baselines": "zero"}}}, None, foxlike.ParameterError,
     "baselines must be a number or a Tensor"),
    ("chunk size zero", {"explainers": {IG: {"internal_batch_size": 0}}}, None, foxlike.ParameterError,
     "internal_batch_size must be one of 'auto' or an int at least 1"),
    ("LIME without samples", {"explainers": {"cv.lime": {"n_samples": 0}}}, None, foxlike.ParameterError,
     "n_samples must be an int at least 1"),
    ("unknown segmentation", {"explainers": {"cv.kernel_shap": {"segmentation": "watershed"}}}, None,
     foxlike.ParameterError, "segmentation must be one of 'slic', 'grid'"),
    ("unknown text removal", {"explainers": {"nlp.lime": {"removal": "mask"}}}, None, foxlike.ParameterError,
     "removal must be one of 'pad', 'drop'"),
    ("negative rtol", {"explainers": [IG], "rtol": -1}, None, foxlike.ParameterError, "rtol must be a number of at least 0"),
    ("atol a string", {"explainers": [IG], "atol": "small"}, None, foxlike.ParameterError, "atol must be a number"),
    ("no explainers", {"explainers": []}, None, foxlike.ParameterError, "explainers is empty"),
    ("explainers missing", {}, None, foxlike.ParameterError, "Name the explainers to run"),
    ("parameters not a mapping", {"explainers": {IG: 5}}, None, foxlike.ParameterError,
     "parameters of 'cv.integrated_gradients' must be a mapping"),
    ("misspelt explainer", {"explainers": ["cv.integrated_gradient"]}, None, foxlike.UnknownNameError,
     "Did you mean 'cv.integrated_gradients'"),
    ("parameter not taken", {"explainers": {IG: {"steps": 3}}}, None, foxlike.ParameterError,
     "does not take parameter\\(s\\) steps"),
    ("target out of range", {"explainers": [IG], "target": 99}, None, foxlike.TargetError, "out of range"),
    ("misspelt target", {"explainers": [IG], "target": "argmux"}, None, foxlike.UnknownNameError,
     "Did you mean 'argmax'"),
    ("a target per sample, wrong count", {"explainers": [IG], "target": [0, 1, 2]}, None, foxlike.TargetError,
     "3 entries for a batch of 2"),
    ("misspelt output", {"explainers": [IG], "output": "softmaxx"}, None, foxlike.UnknownNameError,
     "Did you mean 'softmax'"),
    ("output not a name", {"explainers": [IG], "output": 5}, None, foxlike.ParameterError,
     "output must be a registered name"),
    ("misspelt metric", {"explainers": [IG], "metrics": ["deleton"]}, None, foxlike.UnknownNameError,
     "Did you mean 'deletion'"),
    ("inputs made under inference mode", {"explainers": [IG]}, _inference_inputs, foxlike.InputError,
     "created under torch.inference_mode"),
    ("inputs with NaN", {"explainers": [IG]}, lambda: torch.full((2, 1, 8, 8), float("nan")), foxlike.InputError,
     "NaN or infinite"),
    ("inputs as a list", {"explainers": [IG]}, lambda: [[0.0] * 64], foxlike.InputError, "must be a torch.Tensor"),
    ("empty batch", {"explainers": [IG]}, lambda: torch.zeros(0, 1, 8, 8), foxlike.InputError, "batch is empty"),
    ("a table to an image method", {"explainers": ["cv.kernel_shap"]}, lambda: torch.randn(2, 64), foxlike.InputError,
     "cv.kernel_shap explains images \\(N, C, H, W\\)"),
]


@pytest.mark.parametrize("case", API_CASES, ids=[c[0] for c in API_CASES])
def test_bad_api_settings_are_refused_with_the_fix_and_the_model_is_untouched(case):
    _, options, make_inputs, error, message = case
    model = DigitsCNN()
    model.train()
    before = model_state(model)
    inputs = make_inputs() if make_inputs else torch.rand(2, 1, 8, 8)
    with pytest.raises(error, match=message):
        with foxlike.explain(model, **options) as xai_model:
            xai_model(inputs)
    assert_unchanged(model, before)


def test_a_model_whose_forward_raises_is_named_as_the_cause_with_its_traceback():
    model = Raises()
    with pytest.raises(foxlike.ModelError, match="The model raised ValueError in its forward pass.*model's error") as found:
        with foxlike.explain(model, [IG]) as xai_model:
            xai_model(torch.randn(2, 4))
    assert isinstance(found.value.__cause__, ValueError) and found.value.__cause__.__traceback__ is not None
    assert model.training


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_a_dataset_batch_size_that_is_not_a_positive_int_is_refused(tmp_path, batch_size):
    with pytest.raises(foxlike.ParameterError, match="batch_size must be a positive int"):
        foxlike.explain_dataset(DigitsCNN(), torch.rand(4, 1, 8, 8), ["cv.saliency"], tmp_path / "out",
                                batch_size=batch_size, progress=False)
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_calling_the_explaining_model_outside_its_block_says_where_to_call_it():
    explaining = foxlike.explain(DigitsCNN(), [IG])
    with pytest.raises(foxlike.FoxlikeError, match="inside its `with foxlike.explain"):
        explaining(torch.rand(1, 1, 8, 8))


# ---- the command line and config files -----------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A digits CNN's weights (random: these tests are about settings) and three 8x8 digit images."""
    from PIL import Image

    root = tmp_path_factory.mktemp("bad_settings")
    torch.manual_seed(0)
    torch.save(DigitsCNN().state_dict(), root / "digits.pt")
    torch.save(nn.Linear(3, 2).state_dict(), root / "other.pt")
    torch.save(DigitsCNN(), root / "pickled.pt")
    images = root / "images"
    images.mkdir()
    for i in range(3):
        Image.fromarray((torch.rand(8, 8) * 255).to(torch.uint8).numpy(), mode="L").save(images / f"d{i}.png")
    return root


def fingerprint(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run(files, *args, capsys):
    """``foxlike explain`` with the digits model and images, in this process: (exit code, stderr)."""
    code = cli.main(["explain", "--model", FACTORY, str(files / "images"), "--channels", "1", "--quiet", *args])
    return code, capsys.readouterr().err


BASE = ["--state-dict", "{weights}", "-e", "cv.saliency"]
#: (id, extra arguments, message pattern); each exits 2 and writes no report.
CLI_CASES = [
    ("negative image size", ["--image-size", "-5", "-5"], "image_size .* must be \\[height, width\\] in pixels"),
    ("zero std", ["--std", "0"], "std .* must be a list of non-zero numbers"),
    ("mean of the wrong length", ["--channels", "3", "--mean", "0.5", "0.5"], "mean .* has 2 values for 3 channel"),
    ("batch size zero", ["--batch-size", "0"], "batch_size .* must be a positive int"),
    ("batch size negative", ["--batch-size", "-3"], "batch_size .* must be a positive int"),
    ("param for an explainer not asked for", ["-p", "cv.lime:n_samples=5"],
     "not among the explainers to run \\(cv.saliency\\): add -e cv.lime"),
    ("param for a metric not asked for", ["-p", "deletion:steps=5"], "metric 'deletion', which is not asked for: add -M deletion"),
    ("param for nothing installed", ["-p", "nothing.here:x=1"], "names no explainer or metric"),
    ("param that is no assignment", ["-p", "cv.saliency"], "must look like NAME:KEY=VALUE"),
    ("param of the wrong type", ["-p", "cv.saliency:abs=3"], "abs=3 is not valid: abs must be true or false"),
    ("misspelt explainer", ["-e", "cv.salincy"], "Did you mean 'cv.saliency'"),
    ("misspelt metric", ["-M", "insertio"], "Did you mean 'insertion'"),
    ("misspelt output", ["--output", "softmaxx"], "Did you mean 'softmax'"),
    ("misspelt target", ["--target", "argmux"], "Did you mean 'argmax'"),
    ("target out of range", ["--target", "99"], "out of range for an output with 10 classes"),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_bad_command_line_settings_exit_2_with_the_fix_and_write_nothing(files, tmp_path, capsys, case):
    _, extra, message = case
    out = tmp_path / "report"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    before = fingerprint(files)
    args = [a.format(weights=files / "digits.pt") for a in BASE] + extra + ["--out", str(out)]
    code, err = run(files, *args, capsys=capsys)
    assert code == EXIT_ERROR, err
    assert "foxlike: error:" in err and re.search(message, err), err
    assert fingerprint(files) == before
    assert not (out / "index.html").exists() and (out / "keep.txt").read_text() == "mine"


LOAD_CASES = [
    ("weights of another model", ["--state-dict", "{root}/other.pt"], "do not fit the model built by"),
    ("weights file missing", ["--state-dict", "{root}/nowhere.pt"], "does not exist"),
    ("factory not importable", ["--model", "no_such_package.models:build"], "Cannot import module 'no_such_package.models'"),
]


@pytest.mark.parametrize("case", LOAD_CASES, ids=[c[0] for c in LOAD_CASES])
def test_a_model_that_cannot_be_loaded_exits_2_and_says_why(files, tmp_path, capsys, case):
    _, extra, message = case
    args = ["-e", "cv.saliency"] + [a.format(root=files) for a in extra] + ["--out", str(tmp_path / "r")]
    code, err = run(files, *args, capsys=capsys)
    assert code == EXIT_ERROR and re.search(message, err), err
    assert not (tmp_path / "r" / "index.html").exists()


def test_a_pickled_model_is_refused_without_unsafe_load(files, tmp_path, capsys):
    code = cli.main(["explain", str(files / "pickled.pt"), str(files / "images"), "--channels", "1", "-e",
                     "cv.saliency", "--quiet", "--out", str(tmp_path)])
    assert code == EXIT_ERROR and "--unsafe-load" in capsys.readouterr().err


def test_the_out_folder_being_a_file_exits_2(files, tmp_path, capsys):
    target = tmp_path / "report"
    target.write_text("a file")
    code, err = run(files, "--state-dict", str(files / "digits.pt"), "-e", "cv.saliency", "--out", str(target),
                    capsys=capsys)
    assert code == EXIT_ERROR and target.read_text() == "a file", err


CONFIG_CASES = [
    ("image_size a word", 'image_size = "big"', "image_size in config file .* must be \\[height, width\\]"),
    ("mean a string", 'mean = "0.5"', "mean in config file .* must be a list of numbers"),
    ("quiet a string", 'quiet = "no"', "quiet in config file .* must be true or false, got 'no'"),
    ("batch_size zero", "batch_size = 0", "batch_size in config file .* must be a positive int"),
    ("channels two", "channels = 2", "channels in config file .* must be 1 \\(grayscale\\) or 3"),
    ("unsafe_load from a file", "unsafe_load = true", "'unsafe_load' in config file .* is refused"),
    ("unknown key", "colour = true", "Unknown key\\(s\\) in config file .*: colour"),
    ("explainers a number", "explainers = 5", "'explainers' must be a list of names or a table"),
    ("explainer parameter of the wrong type", '[explainers."cv.integrated_gradients"]\nn_steps = "ten"',
     "n_steps='ten' is not valid"),
    ("not TOML", "model = ", "is not valid TOML"),
]


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_bad_config_files_exit_2_with_the_key_and_what_it_must_be(files, tmp_path, capsys, case):
    _, content, message = case
    config = tmp_path / "run.toml"
    config.write_text(f'weights = "{files / "digits.pt"}"\nout = "{tmp_path / "report"}"\n{content}\n')
    code, err = run(files, "--config", str(config), capsys=capsys)
    assert code == EXIT_ERROR and re.search(message, err), err
    assert not (tmp_path / "report" / "index.html").exists()


def test_a_missing_config_file_exits_2(files, tmp_path, capsys):
    code, err = run(files, "--config", str(tmp_path / "nowhere.toml"), capsys=capsys)
    assert code == EXIT_ERROR and "does not exist" in err


# ---- runs that go on, and say what they did -----------------------------------------------------------

def test_an_unreadable_image_stops_the_run_unless_skipped_and_then_it_is_listed(files, tmp_path, capsys):
    images = tmp_path / "images"
    images.mkdir()
    for source in (files / "images").iterdir():
        (images / source.name).write_bytes(source.read_bytes())
    (images / "broken.png").write_bytes(b"not a png")
    args = ["explain", "--model", FACTORY, str(images), "--state-dict", str(files / "digits.pt"), "--channels", "1",
            "-e", "cv.saliency", "--quiet", "--out", str(tmp_path / "report")]
    assert cli.main(args) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "Cannot read image" in err and "broken.png" in err and "--skip-unreadable" in err
    assert not (tmp_path / "report" / "index.html").exists()
    assert cli.main(args + ["--skip-unreadable"]) == EXIT_OK
    err = capsys.readouterr().err
    assert "Skipped (unreadable):" in err and "broken.png" in err
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert len(summary["samples"]) == 3 and any("broken.png" in s for s in summary["skipped"])
    assert "broken.png" in (tmp_path / "report" / "index.html").read_text()


def test_a_manifest_that_is_a_link_out_of_the_folder_is_refused_not_read(files, tmp_path, capsys):
    outside = tmp_path / "elsewhere.json"
    outside.write_text('{"secret": true}')
    batches = tmp_path / "report" / "batches"
    batches.mkdir(parents=True)
    (batches / "manifest.json").symlink_to(outside)
    code, err = run(files, "--state-dict", str(files / "digits.pt"), "-e", "cv.saliency", "--out",
                    str(tmp_path / "report"), capsys=capsys)
    assert code == EXIT_ERROR and "is a link" in err
    assert outside.read_text() == '{"secret": true}'


def test_a_damaged_shard_is_explained_again_and_the_run_finishes(files, tmp_path, capsys):
    args = ("--state-dict", str(files / "digits.pt"), "-e", "cv.saliency", "--batch-size", "1", "--out",
            str(tmp_path / "report"))
    assert run(files, *args, capsys=capsys)[0] == EXIT_OK
    shard = tmp_path / "report" / "batches" / "batch-000001.pt"
    shard.write_bytes(shard.read_bytes()[: len(shard.read_bytes()) // 2])  # torn
    with pytest.warns(foxlike.FoxlikeWarning, match="damaged"):
        code, err = run(files, *args, capsys=capsys)
    assert code == EXIT_OK, err
    assert "Resumed: 2 batch(es)" in err
    assert torch.load(shard, weights_only=True)["indices"].tolist() == [1]


def test_starting_afresh_says_which_settings_differed(files, tmp_path, capsys):
    args = ("--state-dict", str(files / "digits.pt"), "-e", "cv.saliency", "--out", str(tmp_path / "report"))
    assert run(files, *args, capsys=capsys)[0] == EXIT_OK
    torch.manual_seed(1)
    torch.save(DigitsCNN().state_dict(), tmp_path / "rebuilt.pt")  # the model rebuilt with other weights
    code, err = run(files, "--state-dict", str(tmp_path / "rebuilt.pt"), *args[2:], capsys=capsys)
    assert code == EXIT_OK
    assert "Started afresh" in err and "dataset.weights" in err and "were deleted" in err
