"""The report's raw data: attributions in ``.npz`` and a JSON summary that reads back.

``attributions.npz`` (``numpy.load``) holds, for N samples:

- ``names``: (N,) the input names (file names, or the sentences);
- ``predictions``: (N,) int64 predicted class; ``targets``: (N,) int64 explained class, -1 for a
  single-output model, or (N, T) for T targets per sample (-1: an empty slot);
- ``inputs``: the model inputs, (N, C, H, W) float32 for images, (N, L) int64 token ids for text
  (with several attributed inputs, ``inputs/input0``, ``inputs/input1``, ...);
- one array per explainer, keyed by its registered name (``cv.integrated_gradients``): (N, ...)
  float32 attributions ((N, T, ...) with T targets per sample), NaN for samples whose explainer failed
  (with several attributed inputs, one array per input: ``cv.integrated_gradients/input1``);
- with metrics, one (N,) float64 array per explainer and metric, keyed
  ``metrics/<explainer>/<metric>``, NaN where the metric was not computed.

``summary.json`` holds the run's settings and, per sample, the prediction, target and for each
explainer whether it passed, its checks, its error, its time and its metric scores; with metrics,
``comparison`` ranks the explainers by each metric's mean (``format`` is the file's version).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..runner.files import replace_file, replace_text

ATTRIBUTIONS_FILE = "attributions.npz"
SUMMARY_FILE = "summary.json"
FORMAT = "foxlike-report/1"


def as_array(values) -> Any:
    """Attributions as a float32 numpy array (``None`` stays ``None``)."""
    import numpy as np

    if values is None:
        return None
    if hasattr(values, "detach"):
        values = values.detach().float().cpu().numpy()
    return np.asarray(values, dtype=np.float32)


def _number(value) -> float:
    """A metric's score for one sample (a 0-d tensor or a number) as a float."""
    return float(value)


def checks_of(explanation) -> list[dict]:
    """The checks of an explanation as the summary writes them."""
    return [{"name": c.name, "passed": bool(c.passed), "message": str(c.message), "target": c.target}
            for c in explanation.checks]


def _stack(arrays: list, fallback_shape: tuple) -> Any:
    """One (N, ...) float32 array; NaN rows for samples without attributions."""
    import numpy as np

    shape = next((a.shape for a in arrays if a is not None), fallback_shape)
    return np.stack([a.astype(np.float32) if a is not None and a.shape == shape
                     else np.full(shape, np.nan, dtype=np.float32) for a in arrays])


def write_attributions(path: Path, run) -> None:
    import numpy as np

    arrays = {
        "names": np.array(run.inputs.names, dtype=str),
        "predictions": np.array([s.prediction for s in run.samples], dtype=np.int64),
        "targets": np.array([-1 if s.target is None else s.target for s in run.samples], dtype=np.int64),
    }
    several = isinstance(run.inputs.tensor, tuple)
    tensors = run.inputs.tensor if several else (run.inputs.tensor,)
    for i, tensor in enumerate(tensors):
        arrays[input_key("inputs", i, several)] = tensor.detach().cpu().numpy()
    for name in run.explainers:
        for i, tensor in enumerate(tensors):
            values = [s.explanations[name].attributions for s in run.samples]
            arrays[input_key(name, i, several)] = _stack(
                [as_array(v[i] if isinstance(v, tuple) else v) for v in values], tensor.shape[1:])
        for metric in run.metrics:
            arrays[metric_key(name, metric)] = np.array(
                [_number(s.explanations[name].metrics.get(metric, np.nan)) for s in run.samples], dtype=np.float64)
    replace_file(path, lambda handle: np.savez_compressed(handle, **arrays))


def input_key(name: str, index: int, several: bool) -> str:
    """The ``attributions.npz`` key of one input's array: ``name``, or ``name/input<i>`` with several inputs."""
    return f"{name}/input{index}" if several else name


def metric_key(explainer: str, metric: str) -> str:
    """The ``attributions.npz`` key of one explainer's scores on one metric."""
    return f"metrics/{explainer}/{metric}"


def read_attributions(path: str | Path) -> dict:
    """The arrays of an ``attributions.npz`` as a dict (no pickle: ``allow_pickle=False``)."""
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def _json_safe(value: Any) -> Any:
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return repr(value)  # tensors, callables: shown, not re-created


def _comparison(run) -> dict | None:
    comparison = run.comparison()
    if comparison is None:
        return None
    return {
        "higher_is_better": comparison.higher_is_better,
        "ranking": {metric: comparison.ranking(metric) for metric in comparison.higher_is_better},
        "ranks": {metric: {r.explainer: comparison.rank(metric, r.explainer) for r in comparison.rows}
                  for metric in comparison.higher_is_better},
        "rows": [{"explainer": r.explainer, "seconds": r.seconds, "scores": _json_safe(r.scores), "error": r.error,
                  "metric_errors": r.metric_errors} for r in comparison.rows],
    }


def summary(run) -> dict:
    return {
        "format": FORMAT,
        "title": run.title,
        "model": run.model,
        "output": run.output,
        "target": _json_safe(run.target),
        "explainers": _json_safe(run.explainers),
        "metrics": _json_safe(run.metrics),
        "passed": run.passed,
        "skipped": list(run.skipped),
        "comparison": _comparison(run),
        "attributions": ATTRIBUTIONS_FILE,
        "samples": [
            {
                "name": s.name,
                "prediction": s.prediction,
                "prediction_label": run.label(s.prediction),
                "score": s.score,
                "target": s.target,
                "target_label": run.label(s.target),
                "target_source": s.target_source,
                "explanations": {
                    name: {"passed": e.passed, "seconds": e.seconds, "batch_size": e.batch_size,
                           "error": None if e.error is None else str(e.error), "checks": checks_of(e),
                           "metrics": {m: _json_safe(_number(v)) for m, v in e.metrics.items()},
                           "metric_errors": e.metric_errors}
                    for name, e in s.explanations.items()
                },
            }
            for s in run.samples
        ],
    }


def write_summary(path: Path, run) -> None:
    replace_text(path, json.dumps(summary(run), indent=2))


def read_summary(path: str | Path) -> dict:
    """A ``summary.json`` written by foxlike, checked to be one."""
    from ..errors import InputError

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise InputError(f"{str(path)!r} is not a foxlike report summary (format {data.get('format')!r}, "
                         f"expected {FORMAT!r}).")
    return data
