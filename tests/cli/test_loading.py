"""Model files load without running their code unless the user names --unsafe-load."""
from __future__ import annotations

import sys

import pytest
import torch

from foxlike.cli.exit_codes import EXIT_ERROR, EXIT_INTERRUPTED
from foxlike.cli import main
from foxlike.cli.loading import ModelLoadError, load_model, load_tokenizer

MODULE = '''
import pathlib, torch

MARKER = pathlib.Path(__file__).with_name("unpickled.marker")


class Booby(torch.nn.Linear):
    """A model whose unpickling leaves a mark: proof that code from the file ran."""

    def __init__(self):
        super().__init__(64, 10)

    def __reduce__(self):
        return (_rebuild, (str(MARKER),))


def _rebuild(marker):
    pathlib.Path(marker).write_text("unpickled")
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))


def interrupted():
    raise KeyboardInterrupt
'''


@pytest.fixture
def booby_module(tmp_path, monkeypatch):
    (tmp_path / "booby_models.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import booby_models

    yield booby_models
    sys.modules.pop("booby_models")


def test_pickled_model_is_refused_without_unsafe_load_and_runs_no_code(booby_module, tmp_path):
    path = tmp_path / "whole_model.pt"
    torch.save(booby_module.Booby(), path)

    with pytest.raises(ModelLoadError, match="--unsafe-load"):
        load_model(str(path))
    assert not booby_module.MARKER.exists()

    model = load_model(str(path), unsafe=True)
    assert booby_module.MARKER.exists()
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_cli_refuses_the_pickled_model_with_exit_two_and_explains(booby_module, digits_files, tmp_path, capsys):
    path = tmp_path / "whole_model.pt"
    torch.save(booby_module.Booby(), path)

    code = main(["explain", str(path), str(digits_files["images"]), "-e", "cv.integrated_gradients",
                 "--out", str(tmp_path / "out")])

    assert code == EXIT_ERROR
    assert "weights_only=True" in capsys.readouterr().err
    assert not booby_module.MARKER.exists() and not (tmp_path / "out").exists()


def test_state_dict_file_alone_asks_for_the_factory(digits_files):
    with pytest.raises(ModelLoadError, match="module:factory"):
        load_model(str(digits_files["weights"]))


def test_factory_and_weights_give_the_trained_model(digits, digits_files):
    model = load_model("foxlike.demo.digits:DigitsCNN", str(digits_files["weights"]))
    images = digits.test_images[:16]
    with torch.no_grad():
        assert torch.equal(model(images), digits.model(images))


def test_torchscript_file_loads(digits, tmp_path):
    path = tmp_path / "digits.ts"
    torch.jit.trace(digits.model, digits.test_images[:1]).save(str(path))

    model = load_model(str(path))

    with torch.no_grad():
        torch.testing.assert_close(model(digits.test_images[:4]), digits.model(digits.test_images[:4]))


def test_bad_import_paths_say_what_to_fix():
    with pytest.raises(ModelLoadError, match="neither a file nor an import path"):
        load_model("no_such_file.pt")
    with pytest.raises(ModelLoadError, match="Cannot import module 'no_such_module'"):
        load_model("no_such_module:build")
    with pytest.raises(ModelLoadError, match="has no attribute 'Nope'"):
        load_tokenizer("foxlike.demo.digits:Nope", None)


def test_interrupt_exits_130(booby_module, digits_files, capsys):
    code = main(["explain", "booby_models:interrupted", str(digits_files["images"]), "-e", "cv.integrated_gradients",
                 "--quiet"])

    assert code == EXIT_INTERRUPTED
    assert "interrupted" in capsys.readouterr().err
