"""Annotations for explainer and metric parameters: foxlike checks a user's values against them.

``def calculate_features(self, model, inputs, target, n_steps: Steps = 50)``
makes ``n_steps="ten"``, ``-5`` or ``10**7`` an error that says what
``n_steps`` must be, before any work (:func:`foxlike.parameters.check_keywords`
does the checking). Plain types, unions, ``Literal[...]`` and
``Annotated[..., Bounds(...)]`` are understood.
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

import torch

from .bounds import Bounds


#: Points on an integration path. 100,000 steps of one image is already far more work than any
#: method's error needs; more is a typo (1e7 asked for 728 TiB once).
Steps = Annotated[int, Bounds(1, 100_000)]
#: How many samples, perturbations, baselines or noisy copies.
Count = Annotated[int, Bounds(1)]
#: A tolerance or a width: a number of at least 0.
NonNegative = Annotated[float, Bounds(0)]
#: Captum's integration rules.
PathMethod = Literal["gausslegendre", "riemann_trapezoid", "riemann_left", "riemann_right", "riemann_middle"]
#: A reference input: a number for every element, a tensor broadcast to the inputs, or a tuple of those
#: (one per attributed input, for several).
Reference = Union[float, torch.Tensor, tuple]
#: Rows per chunk of scaled inputs: "auto" sizes them from the memory budget, ``None`` runs all at once.
ChunkSize = Union[Literal["auto"], Annotated[int, Bounds(1)], None]
#: A memory budget in MiB (``None``: foxlike's default for the device).
MemoryBudget = Optional[Annotated[float, Bounds(1)]]
#: Perturbed inputs per forward pass: "auto" chooses for the device (:func:`foxlike.toolkit.chunking.perturbations_per_batch`).
PerturbationBatch = Union[Literal["auto"], Annotated[int, Bounds(1)]]
