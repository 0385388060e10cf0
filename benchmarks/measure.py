"""Timing and peak memory of one prepared case, in the process that runs it.

On CUDA: synchronise before reading the clock, and report
``torch.cuda.max_memory_allocated`` above what was allocated before the run
(peak statistics reset first). On the CPU: the process's peak resident set
(``getrusage`` maxrss, a high-water mark) above its level before the run;
each case runs in a fresh process so that mark belongs to it alone.
"""
from __future__ import annotations

import gc
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch


class Unavailable(Exception):
    """The case cannot run here; the message says why (shown in the table)."""


@dataclass
class Prepared:
    """A case ready to run: ``run`` is what is measured, ``warmup`` runs once before (small input)."""

    run: Callable[[], Any]
    warmup: Callable[[], Any] | None = None
    info: dict = field(default_factory=dict)
    describe: Callable[[Any], dict] | None = None  # facts read from the last result (checks, chunk size...)


def _max_rss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def is_out_of_memory(error: BaseException) -> bool:
    cause = error
    while cause is not None:
        if isinstance(cause, torch.cuda.OutOfMemoryError) or "out of memory" in str(cause).lower():
            return True
        cause = cause.__cause__
    return False


def measure(prepared: Prepared, device: str, repeat: int) -> dict:
    """Run ``prepared`` ``repeat`` times; the first run's peak memory, every run's seconds."""
    if prepared.warmup is not None:
        prepared.warmup()
        synchronize(device)
    gc.collect()
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        before = _max_rss_bytes()
    seconds, result = [], None
    try:
        for attempt in range(repeat):
            result = None
            synchronize(device)
            started = time.perf_counter()
            result = prepared.run()
            synchronize(device)
            seconds.append(time.perf_counter() - started)
            if attempt == 0:
                peak = torch.cuda.max_memory_allocated() if cuda else _max_rss_bytes()
    except Exception as error:  # noqa: BLE001 - a run that fails is a row that says so
        if is_out_of_memory(error):
            return {"failed": f"out of memory ({type(error).__name__})", "info": prepared.info}
        raise
    facts = dict(prepared.info)
    if prepared.describe is not None:
        facts.update(prepared.describe(result))
    measured = {"seconds": seconds, "peak_bytes": max(peak - before, 0), "info": facts}
    if not cuda:
        measured["process_peak_bytes"] = peak
    return measured
