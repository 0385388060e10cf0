"""Load on a real foxlike server: N concurrent clients send a fixed number of requests over loopback.

    python -m benchmarks.serve_load [--clients 8] [--requests 240] [--workers 1]

The digits CNN (trained here in seconds) is served by ``foxlike serve`` with Integrated Gradients and
saliency. Each mode sends the same requests (one held-out digit each, its own target): ``predict`` asks
for the prediction alone (``explain: false``), ``explain`` for the prediction and both explanations. Per
mode: throughput, p50/p99 latency, errors (must be 0); and the server's resident memory (all its
processes) sampled through the explain run, which must stay flat: the last quarter's mean within 10% of
the first quarter's. Writes benchmarks/out/serve_load.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

OUT = Path(__file__).resolve().parent / "out"


def _rss(pid: int) -> int:
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _load(server, images, clients: int, parameters: dict) -> dict:
    def one(i):
        started = time.perf_counter()
        status, _ = server.infer(images[i:i + 1], {**parameters, "target": i % 10} if parameters.get("explain", True)
                                 else parameters)
        return status, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(one, range(len(images))))
    wall = time.perf_counter() - started
    latencies = [seconds for _, seconds in results]
    return {"requests": len(results), "errors": sum(status != 200 for status, _ in results),
            "seconds": round(wall, 3), "throughput_per_s": round(len(results) / wall, 2),
            "p50_s": round(statistics.median(latencies), 4), "p99_s": round(_percentile(latencies, 0.99), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=240)
    parser.add_argument("--workers", type=int, default=1, help="MLServer's parallel_workers")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from foxlike.demo.digits import train_digits_cnn
    from tests.serve.server import foxlike_serve, stop

    OUT.mkdir(exist_ok=True)
    digits = train_digits_cnn(epochs=4)
    weights, config = OUT / "serve_load_digits.pt", OUT / "serve_load.toml"
    torch.save(digits.model.state_dict(), weights)
    config.write_text(f'model = "foxlike.demo.digits:DigitsCNN"\nweights = "{weights}"\n'
                      '[explainers."cv.integrated_gradients"]\n[explainers."cv.saliency"]\n')
    images = digits.test_images.repeat(1 + args.requests // len(digits.test_images), 1, 1, 1)[:args.requests]
    server = foxlike_serve(config, OUT / "serve_load.log", "--workers", str(args.workers))
    try:
        server.infer(images[:1])  # warm: the first request's imports and allocations
        predict = _load(server, images, args.clients, {"explain": False})
        samples, done = [], threading.Event()

        def sample():
            while not done.is_set():
                samples.append(_rss(server.process.pid))
                done.wait(0.25)

        sampler = threading.Thread(target=sample)
        sampler.start()
        explained = _load(server, images, args.clients, {})
        done.set()
        sampler.join()
    finally:
        stop(server)
    quarter = max(1, len(samples) // 4)
    first, last = statistics.mean(samples[:quarter]), statistics.mean(samples[-quarter:])
    result = {"clients": args.clients, "workers": args.workers, "predict": predict, "explain": explained,
              "explain_vs_predict_p50": round(explained["p50_s"] / predict["p50_s"], 1),
              "rss_mib": {"first_quarter": round(first / 2**20, 1), "last_quarter": round(last / 2**20, 1),
                          "max": round(max(samples) / 2**20, 1), "samples": len(samples)},
              "rss_flat": last <= 1.1 * first}
    (OUT / "serve_load.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if predict["errors"] == explained["errors"] == 0 and result["rss_flat"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
