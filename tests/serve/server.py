"""A real server on loopback for the tests: ``foxlike serve`` (or ``mlserver start``) in a subprocess,
waited on until MLServer says the model is ready, stopped afterwards; and plain-JSON V2 requests."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
#: Starting MLServer imports torch, FastAPI and the plugins in two processes: about 20 s on a loaded machine.
START_TIMEOUT = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    http_port: int
    log: Path
    model: str = "foxlike"
    grpc_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def infer(self, inputs: torch.Tensor, parameters: dict | None = None, name: str = "images",
              datatype: str = "FP32") -> tuple[int, dict]:
        """POST one V2 JSON request; (status, body) with the outputs keyed by name under ``"by_name"``."""
        body = {"inputs": [{"name": name, "shape": list(inputs.shape), "datatype": datatype,
                            "data": inputs.reshape(-1).tolist()}]}
        if parameters:
            body["parameters"] = parameters
        return self.post(body)

    def post(self, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(f"{self.url}/v2/models/{self.model}/infer", json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                status, answer = response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            status, answer = exc.code, json.loads(exc.read() or b"{}")
        answer["by_name"] = {output["name"]: output for output in answer.get("outputs", [])}
        return status, answer


def grpc_infer(server: Server, inputs: torch.Tensor, parameters: dict, folder: Path) -> dict:
    """One request through tritonclient.grpc (its own process, see grpc_client.py): outputs by name as arrays,
    or ``{"status": ..., "message": ...}``."""
    import numpy as np

    np.save(folder / "inputs.npy", inputs.numpy())
    out = folder / "answer.npz"
    for stale in (out, Path(f"{out}.json")):
        stale.unlink(missing_ok=True)
    subprocess.run([sys.executable, str(Path(__file__).with_name("grpc_client.py")), f"127.0.0.1:{server.grpc_port}",
                    server.model, str(folder / "inputs.npy"), json.dumps(parameters), str(out)],
                   check=True, env=environment(), timeout=300)
    if Path(f"{out}.json").exists():
        return json.loads(Path(f"{out}.json").read_text())
    with np.load(out) as answer:
        return {name: answer[name] for name in answer.files}


def tensor(output: dict) -> torch.Tensor:
    """A V2 output's data as a tensor of its shape."""
    dtype = {"FP32": torch.float32, "INT64": torch.long, "BOOL": torch.bool}[output["datatype"]]
    return torch.tensor(output["data"], dtype=dtype).reshape(output["shape"])


def environment() -> dict:
    env = dict(os.environ)
    env.pop("FOXLIKE_PLUGINS", None)
    env.pop("FOXLIKE_DISABLE_PLUGINS", None)
    env["OMP_NUM_THREADS"] = "1"  # a machine shared with other jobs: see tests/cli/conftest.py
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "plugins")])
    return env


def start(command: list[str], http_port: int, log: Path, model: str = "foxlike", grpc_port: int = 0) -> Server:
    """Start ``command`` and wait until ``model`` is ready; a server that exits first fails with its log."""
    handle = open(log, "wb")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=environment(), cwd=REPO)
    server = Server(process, http_port, log, model, grpc_port)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode} before it was ready:\n"
                                 f"{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/v2/models/{model}/ready", timeout=5) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    stop(server)
    raise AssertionError(f"the server was not ready after {START_TIMEOUT} s:\n{server.log_tail()}")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def foxlike_serve(config: Path, log: Path, *extra: str) -> Server:
    """``foxlike serve CONFIG`` on free loopback ports."""
    http, grpc = free_port(), free_port()
    command = [sys.executable, "-m", "foxlike.cli", "serve", str(config), "--host", "127.0.0.1",
               "--port", str(http), "--grpc-port", str(grpc), "--metrics-port", str(free_port()), *extra]
    return start(command, http, log, grpc_port=grpc)
