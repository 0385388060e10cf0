"""foxlike's MLServer runtime in this process, with MLServer's own settings types: what a model settings file
may and may not ask for, the inputs metadata it may fix, and the folder `foxlike serve --folder` writes."""
from __future__ import annotations

import asyncio
import json
import pathlib

import pytest
import torch

from foxlike import ConfigError, ModelLoadError
from foxlike.cli.main import main
from foxlike.demo.digits import DigitsCNN

from foxlike.serve.runtime import FoxlikeRuntime
from mlserver.errors import MLServerError  # the serve extra, which `make test` installs
from mlserver.settings import ModelSettings, Settings
from mlserver.types import InferenceRequest


@pytest.fixture(scope="module")
def weights(digits, tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("runtime") / "digits.pt"
    torch.save(digits.model.state_dict(), path)
    return path


def runtime(extra: dict, **settings) -> FoxlikeRuntime:
    return FoxlikeRuntime(ModelSettings(name="digits", implementation=FoxlikeRuntime,
                                        parameters={"extra": extra}, **settings))


def served(weights, **changes) -> dict:
    return {"model": "foxlike.demo.digits:DigitsCNN", "weights": str(weights), "explainers": ["cv.saliency"],
            **changes}


def test_model_settings_asking_for_an_unsafe_load_are_refused(weights):
    with pytest.raises(ConfigError, match="'unsafe_load' in the model settings of 'digits' is refused: a settings "
                                          "file cannot ask for an unsafe load. A server loads a TorchScript file"):
        asyncio.run(runtime(served(weights, unsafe_load=True)).load())


class Payload:
    """Unpickling this runs code: it creates the marker file."""

    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (self.marker,)


def test_a_pickled_model_file_is_refused_without_running_its_code(tmp_path):
    marker = tmp_path / "unpickled"
    model = DigitsCNN()
    model.payload = Payload(marker)
    torch.save(model, tmp_path / "whole_model.pt")
    with pytest.raises(ModelLoadError, match="not a plain state_dict that loads with weights_only=True"):
        asyncio.run(runtime({"model": str(tmp_path / "whole_model.pt"), "explainers": ["cv.saliency"]}).load())
    assert not marker.exists()


@pytest.mark.parametrize("changes, message", [
    ({"inputs": ["images/"]}, "Unknown key(s) in the model settings of 'digits': inputs. Valid keys: model, "),
    ({"target": -1}, "target in the model settings of 'digits' must be a class index"),
    ({"explainers": ["cv.limey"]}, "Unknown explainer 'cv.limey'"),
    ({"request_targets": "argmin"}, "request_targets in the model settings of 'digits' must be a list"),
    ({"model": ""}, "names no model"),
])
def test_model_settings_that_cannot_be_served_say_what_is_wrong(weights, changes, message):
    with pytest.raises(Exception) as caught:
        asyncio.run(runtime(served(weights, **changes)).load())
    assert message in str(caught.value)
    assert type(caught.value).__module__.startswith("foxlike")


def test_inputs_metadata_in_the_model_settings_fixes_the_shape_and_datatype(weights, digits):
    served_model = runtime(served(weights), inputs=[{"name": "images", "datatype": "FP32", "shape": [-1, 1, 8, 8]}])
    asyncio.run(served_model.load())

    def request(shape, datatype="FP32"):
        count = int(torch.tensor(shape).prod())
        data = [1] * count if datatype == "INT64" else digits.test_images.reshape(-1)[:count].tolist()
        return InferenceRequest(inputs=[{"name": "images", "shape": shape, "datatype": datatype, "data": data}])

    answer = asyncio.run(served_model.predict(request([2, 1, 8, 8])))
    assert [o.name for o in answer.outputs][:3] == ["prediction", "target", "attributions.cv.saliency"]
    for shape, datatype, message in [([1, 1, 10, 10], "FP32", "has shape [1, 1, 10, 10]; this model takes "
                                                                "[-1, 1, 8, 8] (-1: any size)"),
                                     ([1, 1, 8, 8], "INT64", "has datatype INT64; this model takes FP32")]:
        with pytest.raises(MLServerError) as refused:
            asyncio.run(served_model.predict(request(shape, datatype)))
        assert refused.value.status_code == 400 and message in str(refused.value)


def test_foxlike_serve_folder_writes_settings_mlserver_reads(weights, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "serve.toml"
    config.write_text(f'model = "foxlike.demo.digits:DigitsCNN"\nweights = "{weights.name}"\n'
                      'inputs = ["images/"]\nout = "report"\nexplainers = ["cv.saliency"]\n')
    (tmp_path / weights.name).write_bytes(weights.read_bytes())
    assert main(["serve", str(config), "--folder", "served", "--port", "9001", "--workers", "2",
                 "--request-target", "argmin"]) == 0
    model_settings = ModelSettings(**json.loads((tmp_path / "served" / "model-settings.json").read_text()))
    assert model_settings.implementation is FoxlikeRuntime
    extra = model_settings.parameters.extra
    assert extra["weights"] == str(tmp_path / weights.name)  # absolute: mlserver runs in the folder
    assert extra["request_targets"] == ["argmin"] and "inputs" not in extra and "out" not in extra
    settings = Settings(**json.loads((tmp_path / "served" / "settings.json").read_text()))
    assert (settings.http_port, settings.parallel_workers) == (9001, 2)
    asyncio.run(FoxlikeRuntime(model_settings).load())


def test_foxlike_serve_refuses_a_config_asking_for_an_unsafe_load(tmp_path, capsys):
    config = tmp_path / "serve.toml"
    config.write_text('model = "model.pt"\nunsafe_load = true\nexplainers = ["cv.saliency"]\n')
    assert main(["serve", str(config), "--folder", str(tmp_path / "served")]) == 2
    assert "cannot ask for an unsafe load" in capsys.readouterr().err
    assert not (tmp_path / "served").exists()


def test_explain_false_answers_the_prediction_alone_and_the_models_error_is_a_400(weights, digits):
    served_model = runtime(served(weights))
    asyncio.run(served_model.load())
    images = digits.test_images[:2]

    def request(x):
        return InferenceRequest(inputs=[{"name": "images", "shape": list(x.shape), "datatype": "FP32",
                                         "data": x.reshape(-1).tolist()}], parameters={"explain": False})

    answer = asyncio.run(served_model.predict(request(images)))
    assert [o.name for o in answer.outputs] == ["prediction"]
    with torch.no_grad():
        expected = digits.model(images)
    torch.testing.assert_close(torch.tensor(answer.outputs[0].data.root).reshape(2, 10), expected)
    with pytest.raises(MLServerError) as refused:
        asyncio.run(served_model.predict(request(torch.zeros(1, 3, 8, 8))))
    assert refused.value.status_code == 400 and "ModelError: The model raised RuntimeError" in str(refused.value)
