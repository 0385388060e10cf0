"""V2 tensors in and out: a request's input as a torch tensor, a prediction and its explanations as outputs.

The outputs of one request (docs/serving.md has the table):

- ``prediction``: the model's output, FP32 ``(N, classes)``;
- ``target``: INT64 ``(N,)`` (``(N, T)`` for several targets), its parameter ``source`` saying where it
  came from (``"argmax"``, ``"given"``);
- per explainer ``E``: ``attributions.E`` FP32 of the input's shape (``(N, T, ...)`` for several
  targets), ``checks.E`` BOOL ``(K,)`` each check passed, ``checks.E.names`` and ``checks.E.messages``
  BYTES ``(K,)``; an explainer that failed has no attributions and one check, ``error``;
- per explainer and metric ``M``: ``metrics.E.M`` FP32 ``(N,)``.

Nothing here imports MLServer: outputs are plain dicts of the V2 JSON fields, which the runtime turns into
MLServer's types.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..errors import InputError
from ..explanation import Explanation

#: V2 datatypes a request's input may have, and the torch dtype each becomes (token ids stay integers).
INPUT_DATATYPES = {"FP16": torch.float32, "FP32": torch.float32, "FP64": torch.float32,
                   "INT8": torch.long, "INT16": torch.long, "INT32": torch.long, "INT64": torch.long,
                   "UINT8": torch.long}


def input_tensor(name: str, datatype: str, shape: list[int], data: Any, expected: dict | None = None) -> torch.Tensor:
    """One V2 input as a tensor; ``expected`` (the model settings' ``inputs`` metadata for ``name``) may fix its
    datatype and its shape (``-1`` for any size, the batch's for one)."""
    if datatype not in INPUT_DATATYPES:
        raise InputError(f"Input {name!r} has datatype {datatype}, which this model cannot take: send FP32 for "
                         "images and features, INT64 for token ids.")
    if expected and expected.get("datatype") and expected["datatype"] != datatype:
        raise InputError(f"Input {name!r} has datatype {datatype}; this model takes {expected['datatype']}.")
    if expected and expected.get("shape"):
        want = list(expected["shape"])
        if len(want) != len(shape) or any(w not in (-1, s) for w, s in zip(want, shape)):
            raise InputError(f"Input {name!r} has shape {list(shape)}; this model takes {want} (-1: any size).")
    try:
        values = np.asarray(data, dtype=np.float64 if INPUT_DATATYPES[datatype].is_floating_point else np.int64)
        values = values.reshape(shape)
    except (TypeError, ValueError) as exc:
        raise InputError(f"Input {name!r} does not hold {datatype} data of shape {list(shape)}: {exc}. Send "
                         "prod(shape) numbers, in row-major order.") from None
    return torch.from_numpy(values).to(INPUT_DATATYPES[datatype])


def _tensor_output(name: str, values: torch.Tensor, parameters: dict | None = None) -> dict:
    values = values.detach().cpu()
    datatype = "BOOL" if values.dtype == torch.bool else "INT64" if not values.is_floating_point() else "FP32"
    array = values.numpy().astype({"BOOL": bool, "INT64": np.int64, "FP32": np.float32}[datatype])
    output = {"name": name, "shape": list(array.shape), "datatype": datatype, "data": array.reshape(-1).tolist()}
    if parameters:
        output["parameters"] = parameters
    return output


def _strings_output(name: str, values: list[str]) -> dict:
    return {"name": name, "shape": [len(values)], "datatype": "BYTES", "data": list(values)}


def _checks(explanation: Explanation) -> list[tuple[str, bool, str]]:
    found = [(check.label, bool(check.passed), str(check.message)) for check in explanation.checks]
    if explanation.error is not None:
        found.insert(0, ("error", False, f"{type(explanation.error).__name__}: {explanation.error}"))
    return found


def explanation_outputs(explanation: Explanation) -> list[dict]:
    """One explainer's outputs: its attributions (when it ran), its checks and its metrics."""
    name = explanation.explainer
    outputs = []
    if isinstance(explanation.attributions, torch.Tensor):
        outputs.append(_tensor_output(f"attributions.{name}", explanation.attributions.float(),
                                      {"target_source": explanation.target_source,
                                       "seconds": round(float(explanation.seconds), 6)}))
    checks = _checks(explanation)
    outputs.append(_tensor_output(f"checks.{name}", torch.tensor([passed for _, passed, _ in checks], dtype=torch.bool)))
    outputs.append(_strings_output(f"checks.{name}.names", [label for label, _, _ in checks]))
    outputs.append(_strings_output(f"checks.{name}.messages", [message for _, _, message in checks]))
    for metric, values in explanation.metrics.items():
        if isinstance(values, torch.Tensor):
            outputs.append(_tensor_output(f"metrics.{name}.{metric}", values.float()))
    return outputs


def prediction_output(prediction: torch.Tensor) -> dict:
    return _tensor_output("prediction", prediction.float())


def response_outputs(prediction: torch.Tensor, explanations: dict[str, Explanation]) -> list[dict]:
    """Every output of one request, in the order docs/serving.md lists them."""
    outputs = [prediction_output(prediction)]
    first = next(iter(explanations.values()))
    if isinstance(first.target, torch.Tensor):
        outputs.append(_tensor_output("target", first.target.long(), {"source": first.target_source}))
    for explanation in explanations.values():
        outputs += explanation_outputs(explanation)
    return outputs
