"""Quantus's metrics as foxlike metrics, Quantus's ``explain_func`` answered by foxlike's ``reexplain``.

Parameters pass straight to the Quantus metric's constructor, and
``softmax`` to its call. What foxlike adds:

- ``seed`` (0): Quantus draws from NumPy's and torch's global generators;
  they are seeded for the call and put back after, so scores repeat and the
  caller's random state is left alone;
- ``softmax`` defaults to Quantus's own default when the logits are
  explained, and to False when foxlike already applies an output transform
  (which Quantus would otherwise follow with a second softmax);
- MPRT and Smooth MPRT score each sample by the correlation once every
  layer is randomised (Quantus's ``return_last_correlation``), unless
  ``return_average_correlation=True`` is asked for;
- Random Logit's ``num_classes`` is the width of the model's output;
- progress bars and Quantus's warnings are off (``display_progressbar``,
  ``disable_warnings``).

The model Quantus receives is the explained model with foxlike's output
transform and forward arguments bound (:func:`foxlike.toolkit.binding.inputs_only`);
a randomised copy of it that Quantus hands back to ``explain_func`` is
explained as the other model of ``reexplain``.
"""
from __future__ import annotations

import inspect
from contextlib import contextmanager
from typing import ClassVar, Iterator

import numpy as np
import torch

import foxlike
from foxlike import ParameterError
from foxlike.toolkit.binding import InputsOnly, inputs_only

from .catalogue import OFFERED, Offered

#: constructor parameters foxlike sets itself: one score per sample, and the area computed here
FIXED = ("self", "return_aggregate", "aggregate_func", "return_auc_per_sample")


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """NumPy's and torch's global generators seeded with ``seed``, and put back as they were afterwards."""
    state = np.random.get_state()
    with torch.random.fork_rng():
        np.random.seed(seed)
        torch.manual_seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)


def check_attribution_shape(inputs, attributions) -> None:
    shape, wanted = tuple(attributions.shape), tuple(inputs.shape)
    if shape != wanted and not (len(shape) == 4 and shape[1] == 1 and shape[0::2] == wanted[0::2]
                                and shape[3] == wanted[3]):
        raise ParameterError(f"Quantus's metrics need attributions shaped like the input {wanted} (or one channel), "
                             f"got {shape}. For layer methods pass upsample=True.")


def explain_function(view: InputsOnly, explained: torch.Tensor, target, reexplain):
    """Quantus's ``explain_func(model, inputs, targets)``: the explainer run again through foxlike."""
    def explain(model, inputs=None, targets=None, **_):
        if model is view:
            other = None
        elif isinstance(model, InputsOnly):  # a copy Quantus made and randomised
            other = model.explained.model
        else:
            raise foxlike.FoxlikeError(f"Quantus asked to explain a {type(model).__name__}, not the model foxlike gave it.")
        batch = torch.as_tensor(np.asarray(inputs), dtype=explained.dtype, device=explained.device)
        wanted = None if target is None else torch.as_tensor(np.asarray(targets)).long().reshape(-1).to(explained.device)
        return reexplain(batch, other, target=wanted).detach().cpu().numpy()

    return explain


def per_sample(scores, kind: str, count: int) -> torch.Tensor:
    """Quantus's result as one float per sample: the scores, or the area under each sample's curve."""
    if kind == "area":
        values = [np.trapezoid(np.asarray(curve, dtype=np.float64).reshape(-1), dx=1) for curve in scores]
    else:
        values = [float(np.asarray(score, dtype=np.float64).reshape(-1)[0]) for score in scores]
    if len(values) != count:
        raise foxlike.FoxlikeError(f"Quantus gave {len(values)} scores for {count} samples.")
    return torch.tensor(values, dtype=torch.float64)


class QuantusMetric(foxlike.Metric):
    """A Quantus metric; each subclass carries its catalogue entry in ``offered``."""

    offered: ClassVar[Offered]

    @classmethod
    def quantus_class(cls):
        import quantus

        return getattr(quantus, cls.offered.quantus)

    @classmethod
    def parameters(cls):
        found = cls.quantus_class()
        init = {name: (None if p.default is inspect.Parameter.empty else p.default)
                for name, p in inspect.signature(found.__init__).parameters.items()
                if name not in FIXED and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        return {"seed": 0, "softmax": inspect.signature(found.__call__).parameters["softmax"].default, **init}

    @classmethod
    def check_parameters(cls, params: dict) -> None:
        known = cls.parameters()
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ParameterError(f"Metric {cls.name!r} (Quantus's {cls.offered.quantus}) does not take "
                                 f"{', '.join(unknown)}. Its parameters are: {', '.join(known)}.")
        if cls.offered.quantus == "Continuity" and params.get("return_nan_when_prediction_changes"):
            raise ParameterError("quantus.continuity with return_nan_when_prediction_changes=True calls numpy.NaN, "
                                 "which NumPy 2 removed: leave it False.")

    def foxlike_defaults(self, model, inputs, params: dict) -> dict:
        if self.offered.quantus in ("MPRT", "SmoothMPRT") and not params.get("return_average_correlation"):
            return {"return_last_correlation": True}
        if self.offered.quantus == "RandomLogit":
            sample, args = model.first_sample(inputs)
            with torch.no_grad():
                return {"num_classes": int(model(sample, *args).shape[-1])}
        return {}

    def compute(self, model, inputs, explanation, reexplain, seed=0, softmax=None, **params):
        check_attribution_shape(inputs, explanation.attributions)
        if softmax is None:
            softmax = self.parameters()["softmax"] if model.output == "logits" else False
        options = {"disable_warnings": True, "display_progressbar": False,
                   **self.foxlike_defaults(model, inputs, params), **params, "return_aggregate": False}
        metric = self.quantus_class()(**options)
        view = inputs_only(model, inputs, reruns=f"Quantus's {self.offered.quantus}")
        target = explanation.target
        labels = torch.zeros(len(inputs), dtype=torch.long) if target is None else target
        with seeded(seed):
            scores = metric(model=view, x_batch=inputs.detach().cpu().numpy().copy(),
                            y_batch=labels.cpu().numpy().copy(),
                            a_batch=explanation.attributions.detach().cpu().numpy().copy(), channel_first=True,
                            explain_func=explain_function(view, inputs, target, reexplain),
                            device=str(inputs.device), batch_size=len(inputs), softmax=softmax)
        return per_sample(scores, self.offered.per_sample, len(inputs))


def metric_class(name: str, offered: Offered) -> type:
    direction = "higher" if offered.higher_is_better else "lower"
    return type(offered.quantus, (QuantusMetric,), {
        "__doc__": f"Quantus {offered.group}: {offered.quantus} ({direction} is better).",
        "__module__": __name__, "name": name, "higher_is_better": offered.higher_is_better, "offered": offered,
    })


METRICS = tuple(metric_class(name, offered) for name, offered in OFFERED.items())
