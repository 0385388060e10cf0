"""Run every benchmark and write the tables to benchmarks/RESULTS.md.

    python -m benchmarks.run                       # CPU, small sizes (make bench)
    python -m benchmarks.run --device cuda --full  # the issue's sizes on a GPU

Each case runs in a fresh process (its peak memory is its own) and prints
its result; with --rounds N every case runs in N processes, the rounds
interleaved so that a busy spell of the machine hits all cases alike, and the
tables keep the best time and the lowest peak; the tables put foxlike beside plain Captum from the same run,
with ratios. RESULTS.md keeps one section per device: a run replaces the
section of its own device and leaves the others. Raw numbers go to
benchmarks/results-<device>.json. Nothing here asserts a timing.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from . import peers
from .case import MARK
from .cases import PEER_OF, cases
from .report import render_section, replace_section
from .sizes import FULL, QUICK

HERE = Path(__file__).parent
ROOT = HERE.parent
STUDIES = ("study/sharing", "study/imports", "study/adaptive", "study/shapley", "study/many_targets")


def device_name(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return f"{torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda})"
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"CPU: {model or platform.machine()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}"


def run_case(name: str, args, extra_paths: list[Path] | None, for_memory: bool = True) -> dict:
    """One case in a fresh interpreter; its result, or why it has none.

    ``for_memory``: glibc maps and unmaps blocks of 64 KiB and more directly, so the CPU peak RSS
    follows what is live rather than the allocator's history (its adaptive threshold otherwise
    differs run to run). That costs every such allocation a fresh mapping, which slows small IG
    chunks more than large ones (chunks of 200 rows at 64 px: 16.4 s against 11.7 s with the
    default allocator), so times come from processes with the allocator users have.
    """
    paths = [str(ROOT), str(ROOT / "plugins")] + [str(p) for p in extra_paths or []]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    if for_memory:
        env.setdefault("MALLOC_MMAP_THRESHOLD_", "65536")
    command = [sys.executable, "-m", "benchmarks.case", name, "--device", args.device,
               "--sizes", "full" if args.full else "quick"]
    command += ["--repeat", str(args.repeat)] if args.repeat else []
    command += ["--threads", str(args.threads)] if args.threads else []
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARK):
            return {**json.loads(line[len(MARK):]), "measured_for": "memory" if for_memory else "time"}
    last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    if done.returncode < 0 or "out of memory" in done.stderr.lower():
        return {"failed": f"killed or out of memory (exit {done.returncode}): {last[:200]}"}
    return {"failed": f"exit {done.returncode}: {last[:200]}"}


def _summary(result: dict) -> str:
    if "unavailable" in result:
        return f"not available: {result['unavailable']}"
    if "failed" in result:
        return f"failed: {result['failed']}"
    if "seconds" in result:
        return f"best {min(result['seconds']):.3f} s, peak +{result['peak_bytes'] / 2**20:.0f} MiB"
    return "done"


def merge(runs: list[dict]) -> dict:
    """One result from several processes of the same case: every time of the processes run for time
    (all, if none was), the lowest peak of those run for memory (likewise), the last facts."""
    measured = [r for r in runs if "seconds" in r]
    if not measured:
        return runs[-1]

    def kept(purpose: str) -> list[dict]:
        return [r for r in measured if r.get("measured_for") == purpose] or measured

    merged = dict(measured[-1])
    merged["seconds"] = [s for r in kept("time") for s in r["seconds"]]
    merged["peak_bytes"] = min(r["peak_bytes"] for r in kept("memory"))
    merged["processes"] = len(measured)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (or cuda:N)")
    parser.add_argument("--full", action="store_true", help="the issue's sizes (resnet18 batch 16, IG 200 steps...)")
    parser.add_argument("--only", default="*", help="run only the cases matching this glob (e.g. 'overhead/*'); "
                        "the other rows keep their last results of the same sizes")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per case (default: by size)")
    parser.add_argument("--rounds", type=int, default=2, help="fresh processes per case, interleaved (default 2)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads in each case")
    parser.add_argument("--no-peers", action="store_true", help="do not install or run FoXAI and pytorch-grad-cam")
    parser.add_argument("--render", action="store_true",
                        help="run nothing: write RESULTS.md again from results-<device>.json")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    if args.render:
        return render(args)
    if args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            parser.error("--device cuda: torch sees no CUDA device here")
    sizes = FULL if args.full else QUICK
    names = [n for n in [*cases(sizes), *STUDIES] if fnmatch.fnmatch(n, args.only)]
    peer_folders: dict[str, tuple[list[Path] | None, str]] = {}
    runs: dict[str, list[dict]] = {name: [] for name in names}
    started = time.perf_counter()
    for round_ in range(1, max(args.rounds, 1) + 1):
        for i, name in enumerate(names, 1):
            if runs[name] and ("seconds" not in runs[name][-1] or name.startswith("study/")):
                continue  # studies run once; a case that cannot run is not tried again
            peer = PEER_OF.get(name)
            folder, why = None, ""
            if peer and args.no_peers:
                why = "peers not run (--no-peers)"
            elif peer:
                if peer not in peer_folders:
                    peer_folders[peer] = peers.ensure(peer)
                folder, why = peer_folders[peer]
            # odd rounds measure peak memory, even ones time; studies (times and errors) run once, for time
            for_memory = round_ % 2 == 1 and not name.startswith("study/") and args.rounds > 1
            runs[name].append({"unavailable": why} if why else run_case(name, args, folder, for_memory))
            print(f"[round {round_}, {i}/{len(names)}] {name}: {_summary(runs[name][-1])}", flush=True)
    results = {name: merge(found) for name, found in runs.items()}
    label = "cuda" if args.device.startswith("cuda") else "cpu"
    raw = HERE / f"results-{label}.json"
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    meta = {"device": device_name(args.device), "sizes": "full" if args.full else "quick", "rounds": args.rounds,
            "sizes_detail": sizes.as_dict(), "seconds": time.perf_counter() - started, "date": now,
            "versions": _versions()}
    if args.only != "*" and raw.exists():  # a partial run updates its rows and keeps the others
        previous = json.loads(raw.read_text())
        if previous["meta"]["sizes"] == meta["sizes"]:
            results = {**previous["results"], **results}
            meta = {**previous["meta"], "updated": previous["meta"].get("updated", []) + [f"{args.only} at {now}"]}
    raw.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    write_section(Path(args.out), label, meta, results)
    print(f"wrote {args.out} ({label} section) in {time.perf_counter() - started:.0f} s")
    return 0


def write_section(out: Path, label: str, meta: dict, results: dict) -> None:
    sizes = FULL if meta["sizes"] == "full" else QUICK
    out.write_text(replace_section(out.read_text() if out.exists() else "", label,
                                   render_section(meta, results, sizes)))


def render(args) -> int:
    label = "cuda" if args.device.startswith("cuda") else "cpu"
    stored = json.loads((HERE / f"results-{label}.json").read_text())
    write_section(Path(args.out), label, stored["meta"], stored["results"])
    print(f"wrote {args.out} ({label} section) from results-{label}.json")
    return 0


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("torch", "torchvision", "captum", "foxlike"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


if __name__ == "__main__":
    sys.exit(main())
