"""Quantus 0.6.0 (LGPL-3.0) as a foxlike plugin: its metrics that apply to an explained input, as ``quantus.*``.

Metrics that need another explanation (of a perturbed input, of a
randomised model, for another class) get it from foxlike: the same explainer
with the same parameters, run again through ``reexplain``. The catalogue
(:mod:`foxlike_quantus.catalogue`) lists what is offered, in Quantus's six
groups, and what is not, with the reason.
"""
import foxlike
from foxlike.toolkit.requirements import require_library

QUANTUS_VERSION = require_library("foxlike-quantus", "quantus", "quantus", ("0.6.0",), "pip install 'foxlike[quantus]'")

from .metrics import METRICS  # noqa: E402 - after the check: a missing library is the error users see


@foxlike.hookimpl
def register_metrics(register):
    for metric in METRICS:
        register(metric)
