"""A V2 gRPC request with tritonclient.grpc, in a process of its own: tritonclient's generated protobuf
modules and MLServer's cannot be imported into one process.

    python grpc_client.py HOST:PORT MODEL INPUTS.npy PARAMETERS_JSON OUTPUT.npz

writes the answer's outputs to OUTPUT.npz, or the gRPC status and details to OUTPUT.npz.json.
"""
import json
import sys

import numpy as np
import tritonclient.grpc as triton
from tritonclient.utils import InferenceServerException


def main(url: str, model: str, inputs: str, parameters: str, out: str) -> None:
    images = np.load(inputs)
    request = triton.InferInput("images", list(images.shape), "FP32")
    request.set_data_from_numpy(images)
    client = triton.InferenceServerClient(url=url)
    try:
        result = client.infer(model, [request], parameters=json.loads(parameters))
    except InferenceServerException as exc:
        with open(out + ".json", "w") as handle:
            json.dump({"status": exc.status(), "message": exc.message()}, handle)
        return
    names = [output.name for output in result.get_response().outputs]
    np.savez(out, **{name: _plain(result.as_numpy(name)) for name in names})


def _plain(values: np.ndarray) -> np.ndarray:
    """BYTES outputs come as object arrays of bytes, which np.load refuses: strings instead."""
    if values.dtype != object:
        return values
    return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in values.reshape(-1)]).reshape(values.shape)


if __name__ == "__main__":
    main(*sys.argv[1:])
