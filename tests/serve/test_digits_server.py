"""A real MLServer serving the digits CNN through `foxlike serve`, queried over loopback with plain HTTP JSON
and tritonclient: answers equal an in-process foxlike.explain, concurrent requests equal sequential ones, and
bad requests are 400s naming the problem while the server goes on serving."""
from __future__ import annotations

import math
import socket
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

import foxlike

from .server import foxlike_serve, grpc_infer, stop, tensor

EXPLAINERS = {"cv.integrated_gradients": {}, "cv.saliency": {}, "cv.grad_cam": {}}


@pytest.fixture(scope="module")
def server(digits, tmp_path_factory):
    root = tmp_path_factory.mktemp("digits_server")
    weights = root / "digits.pt"
    torch.save(digits.model.state_dict(), weights)
    config = root / "serve.toml"
    tables = "".join(f'\n[explainers."{name}"]\n' for name in EXPLAINERS)
    config.write_text(f'model = "foxlike.demo.digits:DigitsCNN"\nweights = "{weights}"\ntarget = "argmax"\n{tables}')
    running = foxlike_serve(config, root / "server.log", "--request-target", "argmin")
    yield running
    stop(running)
    assert running.process.returncode == 0, running.log_tail()
    with pytest.raises(OSError):  # foxlike serve stopped MLServer with it
        socket.create_connection(("127.0.0.1", running.http_port), timeout=5)


def in_process(model, images, target="argmax", explainers=EXPLAINERS):
    with foxlike.explain(model, explainers=explainers, target=target, strict=False) as xai_model:
        return xai_model(images)


def test_a_json_request_answers_the_prediction_the_target_and_attributions_equal_to_in_process_explain(
        server, digits):
    images = digits.test_images[:3]
    status, answer = server.infer(images)
    assert status == 200, answer
    expected_output, expected = in_process(digits.model, images)
    outputs = answer["by_name"]
    torch.testing.assert_close(tensor(outputs["prediction"]), expected_output)
    assert outputs["target"]["parameters"]["source"] == "argmax"
    assert torch.equal(tensor(outputs["target"]), expected_output.argmax(dim=1))
    for name, explanation in expected.items():
        attributions = tensor(outputs[f"attributions.{name}"])
        assert attributions.shape == explanation.attributions.shape
        torch.testing.assert_close(attributions, explanation.attributions)
        assert outputs[f"checks.{name}.names"]["data"] == [c.label for c in explanation.checks]
        assert tensor(outputs[f"checks.{name}"]).tolist() == [c.passed for c in explanation.checks]
        assert all(outputs[f"checks.{name}"]["data"])
    assert "completeness" in outputs["checks.cv.integrated_gradients.names"]["data"]


def test_tritonclient_chooses_the_explainers_and_an_allowed_target_per_request(server, digits):
    import tritonclient.http as triton

    images = digits.test_images[3:5].numpy()
    client = triton.InferenceServerClient(url=f"127.0.0.1:{server.http_port}")
    request = triton.InferInput("images", list(images.shape), "FP32")
    request.set_data_from_numpy(images, binary_data=False)
    names = ["prediction", "target", "attributions.cv.saliency", "checks.cv.saliency"]
    result = client.infer("foxlike", [request], parameters={"explainers": "cv.saliency", "target": "argmin"},
                          outputs=[triton.InferRequestedOutput(name, binary_data=False) for name in names])
    output, expected = in_process(digits.model, torch.from_numpy(images), "argmin", ["cv.saliency"])
    assert result.get_output("target")["parameters"]["source"] == "argmin"
    np.testing.assert_array_equal(result.as_numpy("target"), output.argmin(dim=1).numpy())
    np.testing.assert_allclose(result.as_numpy("attributions.cv.saliency"),
                               expected["cv.saliency"].attributions.numpy(), rtol=1e-5, atol=1e-6)
    assert result.as_numpy("checks.cv.saliency").all()
    assert result.get_output("attributions.cv.integrated_gradients") is None  # not asked for, not run


def test_sixteen_concurrent_requests_equal_sequential_ones_and_keep_their_own_targets(server, digits):
    """Grad-CAM puts hooks on the model's layers: one request's hooks must never see another's activations."""
    images = digits.test_images[5:21]
    explainers = ["cv.saliency", "cv.grad_cam"]
    requests = [(images[i:i + 1], {"target": i % 10, "explainers": explainers}) for i in range(16)]
    sequential = [server.infer(x, parameters) for x, parameters in requests[:4]]
    with ThreadPoolExecutor(max_workers=16) as pool:
        concurrent = list(pool.map(lambda request: server.infer(*request), requests))
    assert [status for status, _ in concurrent] == [200] * 16, [a.get("error") for _, a in concurrent]
    for i, (_, answer) in enumerate(concurrent):
        outputs = answer["by_name"]
        assert tensor(outputs["target"]).tolist() == [i % 10]
        assert outputs["target"]["parameters"]["source"] == "given"
        _, expected = in_process(digits.model, images[i:i + 1], i % 10, explainers)
        for name, explanation in expected.items():
            torch.testing.assert_close(tensor(outputs[f"attributions.{name}"]), explanation.attributions)
    for (_, before), (_, after) in zip(sequential, concurrent):
        for name in explainers:
            assert before["by_name"][f"attributions.{name}"]["data"] == after["by_name"][f"attributions.{name}"]["data"]


def test_grpc_answers_equal_in_process_explain_and_nan_is_invalid_argument(server, digits, tmp_path):
    images = digits.test_images[21:23]
    answer = grpc_infer(server, images, {"explainers": "cv.saliency", "target": 3}, tmp_path)
    _, expected = in_process(digits.model, images, 3, ["cv.saliency"])
    assert answer["target"].tolist() == [3, 3]
    np.testing.assert_allclose(answer["attributions.cv.saliency"], expected["cv.saliency"].attributions.numpy(),
                               rtol=1e-5, atol=1e-6)
    assert answer["checks.cv.saliency.names"].tolist() == ["shape", "finite", "non_zero"]
    broken = images.clone()
    broken[0, 0, 3, 3] = math.nan
    refused = grpc_infer(server, broken, {"explainers": "cv.saliency"}, tmp_path)
    assert refused["status"] == "StatusCode.INVALID_ARGUMENT"
    assert "The inputs contain NaN or infinite values" in refused["message"]


def test_json_cannot_carry_nan_so_mlserver_answers_422_and_goes_on_serving(server, digits):
    body = _with(digits.test_images[:1])
    body["inputs"][0]["data"][5] = math.nan  # json.dumps writes NaN, which is not JSON
    status, answer = server.post(body)
    assert status == 422 and answer["detail"][0]["type"] == "json_invalid"
    assert server.infer(digits.test_images[:1], {"explainers": "cv.saliency"})[0] == 200


def _with(images, **changes):
    request = {"name": "images", "shape": list(images.shape), "datatype": "FP32", "data": images.reshape(-1).tolist()}
    request.update(changes)
    return {"inputs": [request]}


BAD_REQUESTS = {
    "wrong shape": (lambda x: _with(torch.zeros(1, 3, 8, 8)), "forward pass on inputs of shape (1, 3, 8, 8)"),
    "data that does not fill the shape": (lambda x: _with(x, shape=[1, 1, 8, 9]), "does not hold FP32 data of shape"),
    "a datatype it cannot take": (lambda x: _with(x > 0, datatype="BOOL", data=(x > 0).reshape(-1).tolist()),
                                  "datatype BOOL"),
    "a value beyond float32 (infinite)": (lambda x: _with(x, datatype="FP64", data=[1e39] + x.reshape(-1).tolist()[1:]),
                 "NaN or infinite"),
    "an unknown explainer": (lambda x: {**_with(x), "parameters": {"explainers": "cv.limey"}},
                             "Unknown explainer 'cv.limey'. Did you mean 'cv.lime'"),
    "an explainer the settings do not allow": (lambda x: {**_with(x), "parameters": {"explainers": ["cv.lime"]}},
                                               "'cv.lime' is not allowed by this server's settings"),
    "a target out of range": (lambda x: {**_with(x), "parameters": {"target": 10}},
                              "Target index 10 is out of range for an output with 10 classes"),
    "a target name the settings do not allow": (lambda x: {**_with(x), "parameters": {"target": "topk:2"}},
                                                "'topk:2' is not allowed by this server's settings"),
    "two inputs of one name": (lambda x: {"inputs": _with(x)["inputs"] * 2}, "Two inputs are named 'images'"),
    "an input the model does not take": (lambda x: {"inputs": _with(x)["inputs"] + [{**_with(x)["inputs"][0],
                                                                                     "name": "mask"}]},
                                         "got an unexpected keyword argument 'mask'"),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_a_bad_request_is_a_400_naming_the_problem_and_the_next_good_one_is_answered(server, digits, case):
    images = digits.test_images[:1]
    body, message = BAD_REQUESTS[case]
    status, answer = server.post(body(images))
    assert status == 400, answer
    assert message in answer["error"]
    status, answer = server.infer(images, {"explainers": "cv.saliency"})
    assert status == 200, answer
    assert server.process.poll() is None
