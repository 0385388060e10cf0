"""The MLServer runtime: ``"implementation": "foxlike.serve.runtime.FoxlikeRuntime"`` in model-settings.json.

``load`` reads the foxlike settings from ``parameters.extra`` (:mod:`foxlike.serve.settings`) and loads the
model as ``foxlike explain`` does (TorchScript or ``module:factory``, weights with ``weights_only=True``).
``predict`` runs ``foxlike.explain`` on the request's input in a worker thread: MLServer serves every request
of a worker process on one event loop, and an explanation takes seconds of CPU that would stall every other
request's I/O. Requests on one model then run one at a time under its lock
(:mod:`foxlike.shared_models`), so no request sees another's hooks, mode or target; the model's state is
the same before and after every request.

A request that cannot be answered as given (its input, its target, its explainers) is a 400 whose message
is foxlike's error; the server goes on serving.
"""
from __future__ import annotations

import asyncio
from typing import Any

from mlserver import MLModel
from mlserver.errors import MLServerError
from mlserver.types import InferenceRequest, InferenceResponse, ResponseOutput

from ..cli.loading import load_model
from ..errors import FoxlikeError, InputError, ModelError
from ..explaining import explain
from ..shared_models import calling, enter, leave
from .settings import ServedSettings, chosen_explainers, chosen_target, served_settings
from .tensors import input_tensor, prediction_output, response_outputs


class RequestRefused(MLServerError):
    """A request foxlike cannot answer as given: a 400 with foxlike's message, which names the fix."""

    def __init__(self, error: FoxlikeError):
        super().__init__(f"{type(error).__name__}: {error}", status_code=400)


def _parameter(payload: InferenceRequest, name: str) -> Any:
    parameters = payload.parameters.model_dump() if payload.parameters is not None else {}
    return parameters.get(name)


class FoxlikeRuntime(MLModel):
    """Serves one model: each request's prediction with its explanations and their checks."""

    async def load(self) -> bool:
        extra = self.settings.parameters.extra if self.settings.parameters is not None else {}
        self.served: ServedSettings = served_settings(extra or {}, f"the model settings of {self.name!r}")
        config = self.served.config
        self.model = load_model(config.model, config.weights, unsafe=False)
        self.model.eval()
        return True

    def _tensor(self, request_input):
        expected = next((m.model_dump() for m in self.settings.inputs or [] if m.name == request_input.name), None)
        datatype = str(getattr(request_input.datatype, "value", request_input.datatype))
        return input_tensor(request_input.name, datatype, list(request_input.shape),
                            getattr(request_input.data, "root", request_input.data), expected)

    def _inputs(self, payload: InferenceRequest) -> tuple:
        """The first input is explained; the others go to the model's forward as keyword arguments named by
        their input names (a text model's ``attention_mask``)."""
        names = [request_input.name for request_input in payload.inputs]
        if not names:
            raise InputError("The request has no inputs: send one tensor, its batch in dimension 0.")
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise InputError(f"Two inputs are named {repeated[0]!r}: the first input is explained and each other "
                             "one is passed to the model's forward by its name, so names must differ.")
        tensors = [self._tensor(request_input) for request_input in payload.inputs]
        return tensors[0], dict(zip(names[1:], tensors[1:]))

    def _explain(self, inputs, forward_kwargs, explainers, target):
        config = self.served.config
        with explain(self.model, explainers=explainers, target=target, output=config.output, strict=False,
                     metrics=self.served.metrics) as xai_model:
            return xai_model(inputs, **forward_kwargs)

    def _predict_only(self, inputs, forward_kwargs):
        """The forward pass alone (``"explain": false``), under the model's lock like every explanation's: a
        request explaining with hooks at the same time must not see this one's activations, nor this one its."""
        import torch

        enter(self.model)
        try:
            with calling(self.model), torch.no_grad():
                return self.model(inputs, **forward_kwargs)
        except Exception as exc:  # noqa: BLE001 - the model's own error, a 400 like an explained request's
            raise ModelError(f"The model raised {type(exc).__name__} on inputs of shape {tuple(inputs.shape)}: "
                             f"{exc}. Check the shape and dtype the model expects.") from exc
        finally:
            leave(self.model)

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        try:
            inputs, forward_kwargs = self._inputs(payload)
            if _parameter(payload, "explain") is False:
                prediction = await asyncio.to_thread(self._predict_only, inputs, forward_kwargs)
                return InferenceResponse(model_name=self.name, model_version=self.version, id=payload.id,
                                         outputs=[ResponseOutput(**prediction_output(prediction))])
            explainers = chosen_explainers(self.served, _parameter(payload, "explainers"))
            target = chosen_target(self.served, _parameter(payload, "target"))
            prediction, explanations = await asyncio.to_thread(self._explain, inputs, forward_kwargs, explainers,
                                                                 target)
        except FoxlikeError as exc:
            raise RequestRefused(exc) from exc
        outputs = [ResponseOutput(**output) for output in response_outputs(prediction, explanations)]
        return InferenceResponse(model_name=self.name, model_version=self.version, id=payload.id, outputs=outputs)
