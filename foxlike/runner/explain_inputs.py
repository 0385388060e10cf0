"""Explaining the inputs of one command-line or demo run, for its report.

The inputs go through the dataset job's own loop (:func:`.dataset.run_batches`,
a progress bar per batch unless quiet), in lenient mode so that one failing
explainer or check still leaves a report. With ``out_dir`` each batch's
record is written there as it comes, and a run interrupted half way resumes
from the batches already written; without it the records stay in memory.
"""
from __future__ import annotations

import warnings
from typing import Any

from ..errors import FoxlikeWarning
from ..toolkit.rows import as_tuple
from .dataset import open_store, run_batches, settings_for
from .identity import fingerprint, software
from .inputs import Inputs
from .job import Job
from .run_result import RunResult, samples_of
from .shards import MemoryStore, clear


def explain_inputs(model, inputs: Inputs, explainers, target: Any = "argmax", output: str = "logits",
                   batch_size: int = 16, quiet: bool = False, title: str = "", model_name: str = "",
                   labels: list[str] | None = None, metrics=None, out_dir=None, fresh: bool = False) -> RunResult:
    """Explain every sample of ``inputs`` with every explainer; failures are recorded, not raised.

    ``explainers`` and ``metrics`` are names, mappings to parameters, or a job's resolved specs.
    ``out_dir`` keeps each batch's results as it is written: run the same model on the same inputs
    with the same settings again and the batches found there are not explained again; results of
    another run there are deleted first. What must match: the settings, ``model_name``, the values of
    the model's weights and of the inputs, and the versions of :func:`.identity.software`. A change
    that none of these shows (the model's code, a plugin edited in place) needs ``fresh=True``, which
    deletes what ``out_dir`` holds first.
    """
    import torch

    job = Job.make(explainers, target, output, False, metrics=metrics)
    job.feature_names = inputs.feature_names or None
    settings, total = settings_for(inputs, job, batch_size)
    if out_dir is None:
        store = MemoryStore(settings)
    else:
        if fresh:
            clear(out_dir)
        settings["dataset"] = {  # only a kept folder is ever resumed
            "model": model_name,
            "weights": fingerprint(*(v for v in model.state_dict().values() if isinstance(v, torch.Tensor))),
            "inputs": fingerprint(*as_tuple(inputs.tensor), *inputs.forward_kwargs.values()),
            "software": software([s.name for s in job.explainers], [s.name for s in job.metrics])}
        store = open_store(out_dir, settings, restart_other_job=True)
    resumed, discarded = len(store.batches), list(getattr(store, "discarded", []))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FoxlikeWarning)  # recorded in the report instead
        run_batches(model, inputs, job, store, total, progress=not quiet)
    samples = [sample for i in range(total) for sample in samples_of(inputs, store.read(i))]
    return RunResult(title or model_name, model_name, output, target, {s.name: s.params for s in job.explainers},
                     inputs, samples, list(labels or []), {s.name: s.params for s in job.metrics}, resumed,
                     discarded, list(inputs.skipped))
