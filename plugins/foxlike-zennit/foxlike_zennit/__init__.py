"""Zennit 0.5.1 (LGPL-3.0) as a foxlike plugin: layer-wise relevance propagation as ``zennit.lrp``.

Composites are chosen by Zennit's own names, the canonizer by the model's
architecture, and the relevance is checked to add up to the target's score.
"""
import foxlike
from foxlike.toolkit.requirements import require_library

ZENNIT_VERSION = require_library("foxlike-zennit", "zennit", "zennit", ("0.5.1",), "pip install 'foxlike[zennit]'")

from .lrp import LRP  # noqa: E402 - after the check: a missing library is the error users see


@foxlike.hookimpl
def register_explainers(register):
    register(LRP)
