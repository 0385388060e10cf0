"""``foxlike serve CONFIG.toml``: the config's server settings written as an MLServer folder, then served.

The folder holds ``model-settings.json`` (foxlike's runtime, and in ``parameters.extra`` the config's
:data:`~foxlike.cli.config.SERVER_KEYS`) and ``settings.json`` (ports, workers); ``mlserver start FOLDER``
serves it. The config's other keys (inputs, out, image preprocessing) are about files and reports, which a
server has none of: they are left out. The folder is checked by loading the settings as the runtime will,
so a bad config fails here, before MLServer starts.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from .config import SERVER_KEYS, RunConfig, load_config, resolve_names

#: The runtime model-settings.json names (``foxlike.serve.runtime``; a string here, since the command line
#: sits below the server and must not import MLServer to write a file).
RUNTIME = "foxlike.serve.runtime.FoxlikeRuntime"


def mlserver_start(folder: str | Path) -> list[str]:
    """The command that serves ``folder`` with this Python's MLServer (its ``mlserver`` script may belong to
    another environment; MLServer has no ``__main__``, its CLI module has)."""
    return [sys.executable, "-c", "import sys; from mlserver.cli import main; sys.exit(main())", "start", str(folder)]


def model_settings(config: RunConfig, name: str = "foxlike", request_targets: list[str] | None = None) -> dict:
    """model-settings.json for ``config``: the runtime and the config's server keys."""
    extra = {key: getattr(config, key) for key in SERVER_KEYS}
    extra["model"] = str(Path(config.model).resolve()) if Path(config.model).is_file() else config.model
    if config.weights:
        extra["weights"] = str(Path(config.weights).resolve())
    if request_targets:
        extra["request_targets"] = list(request_targets)
    return {"name": name, "implementation": RUNTIME, "parameters": {"extra": extra}}


def server_settings(http_port: int = 8080, grpc_port: int = 8081, metrics_port: int = 8082,
                    workers: int = 1, host: str = "0.0.0.0") -> dict:
    """settings.json: where MLServer listens and how many worker processes it runs."""
    return {"host": host, "http_port": http_port, "grpc_port": grpc_port, "metrics_port": metrics_port,
            "parallel_workers": workers}


def write_folder(folder: str | Path, config: RunConfig, settings: dict, name: str = "foxlike",
                 request_targets: list[str] | None = None) -> Path:
    """Write the two files into ``folder`` (made if missing); ``config``'s names are checked first."""
    resolve_names(config)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model-settings.json").write_text(
        json.dumps(model_settings(config, name, request_targets), indent=2) + "\n", encoding="utf-8")
    (folder / "settings.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return folder


def run_serve(args) -> int:
    config = load_config(args.config)
    settings = server_settings(args.port, args.grpc_port, args.metrics_port, args.workers, args.host)
    if args.folder:
        folder = write_folder(args.folder, config, settings, args.name, args.request_target)
        print(f"Wrote {folder / 'model-settings.json'} and {folder / 'settings.json'}; serve with: "
              f"mlserver start {folder}")
        return 0
    with tempfile.TemporaryDirectory(prefix="foxlike-serve-") as folder:
        write_folder(folder, config, settings, args.name, args.request_target)
        print(f"Serving {config.model} as model {args.name!r} on http://{args.host}:{args.port} "
              f"(V2: /v2/models/{args.name}/infer) and gRPC port {args.grpc_port}", flush=True)
        return _serve(folder)


def _serve(folder: str) -> int:
    """Run MLServer on ``folder`` until it stops; a SIGTERM or Ctrl-C to this process stops it too (a
    supervisor that stops ``foxlike serve`` must not leave the server running without it)."""
    import signal

    server = subprocess.Popen(mlserver_start(folder))
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait()
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def add_serve_parser(commands) -> None:
    serve = commands.add_parser(
        "serve", help="serve a config's model with its explanations over HTTP and gRPC (MLServer, V2 protocol)",
        description="Writes an MLServer folder (model-settings.json, settings.json) from the config's model, "
                    "explainers, target, output and metrics, and runs `mlserver start` on it "
                    "(pip install 'foxlike[serve]'). docs/serving.md documents requests and outputs.")
    serve.add_argument("config", help="a TOML config, as for foxlike explain (docs/cli.md)")
    serve.add_argument("--port", type=int, default=8080, help="the HTTP port (default 8080)")
    serve.add_argument("--grpc-port", type=int, default=8081, help="the gRPC port (default 8081)")
    serve.add_argument("--metrics-port", type=int, default=8082, help="the Prometheus metrics port (default 8082)")
    serve.add_argument("--host", default="0.0.0.0", help="the address to listen on (default 0.0.0.0)")
    serve.add_argument("--workers", type=int, default=1, help="MLServer's parallel_workers: inference processes")
    serve.add_argument("--name", default="foxlike", help="the model's name in the URLs (default foxlike)")
    serve.add_argument("--request-target", action="append", metavar="NAME",
                       help="a target name a request may ask for besides the config's own; repeat for several")
    serve.add_argument("--folder", help="write the MLServer folder here and exit, instead of serving")
    serve.set_defaults(run=run_serve)
