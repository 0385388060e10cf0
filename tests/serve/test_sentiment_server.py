"""The sentiment model served as TorchScript: token ids explained, the attention mask passed to its forward
by the input's name; answers equal an in-process foxlike.explain."""
from __future__ import annotations

import pytest
import torch

import foxlike
from foxlike.demo.sentiment import train_sentiment_model

from .server import foxlike_serve, stop, tensor

SENTENCES = ["a brilliant film", "a dull , tired film"]


@pytest.fixture(scope="module")
def sentiment_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("sentiment_server")
    sentiment = train_sentiment_model()
    ids, mask = sentiment.tokenizer(SENTENCES)
    scripted = torch.jit.trace(sentiment.model, (ids, mask))
    torch.jit.save(scripted, root / "sentiment.pt")
    config = root / "serve.toml"
    config.write_text(f'model = "{root / "sentiment.pt"}"\nexplainers = ["nlp.lime"]\ntarget = "argmax"\n')
    running = foxlike_serve(config, root / "server.log")
    yield running, torch.jit.load(root / "sentiment.pt"), ids, mask
    stop(running)


def test_token_ids_with_their_attention_mask_are_explained_as_in_process(sentiment_server):
    server, model, ids, mask = sentiment_server
    body = {"inputs": [{"name": "input_ids", "shape": list(ids.shape), "datatype": "INT64",
                        "data": ids.reshape(-1).tolist()},
                       {"name": "attention_mask", "shape": list(mask.shape), "datatype": "INT64",
                        "data": mask.reshape(-1).tolist()}],
            "parameters": {"target": 1}}
    status, answer = server.post(body)
    assert status == 200, answer
    with foxlike.explain(model, ["nlp.lime"], target=1, strict=False) as xai_model:
        output, expected = xai_model(ids, attention_mask=mask)
    outputs = answer["by_name"]
    torch.testing.assert_close(tensor(outputs["prediction"]), output)
    assert tensor(outputs["target"]).tolist() == [1, 1]
    attributions = tensor(outputs["attributions.nlp.lime"])
    assert attributions.shape == ids.shape
    torch.testing.assert_close(attributions, expected["nlp.lime"].attributions)
    assert all(outputs["checks.nlp.lime"]["data"])


def test_token_ids_without_the_mask_the_traced_model_needs_are_a_400_naming_its_arguments(sentiment_server):
    server, model, ids, mask = sentiment_server
    status, answer = server.infer(ids, {"explain": False}, name="input_ids", datatype="INT64")
    assert status == 400
    assert "ModelError: The model raised RuntimeError on inputs of shape (2, 5)" in answer["error"]
    assert "Tensor attention_mask" in answer["error"]
    status, answer = server.post({"inputs": [
        {"name": "input_ids", "shape": list(ids.shape), "datatype": "INT64", "data": ids.reshape(-1).tolist()},
        {"name": "attention_mask", "shape": list(mask.shape), "datatype": "INT64", "data": mask.reshape(-1).tolist()}],
        "parameters": {"explain": False}})
    assert status == 200
    with torch.no_grad():
        torch.testing.assert_close(tensor(answer["by_name"]["prediction"]), model(ids, mask))
