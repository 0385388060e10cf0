"""Which Quantus 0.6.0 metrics foxlike offers, in Quantus's groups, and why the others are not.

Each offered metric gives one score per sample, which is what a foxlike
metric returns and what the report ranks by. ``higher_is_better`` is
Quantus's own ``score_direction`` (a test holds the two together).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Offered:
    quantus: str  # the class name in quantus
    group: str  # Quantus's evaluation category
    higher_is_better: bool
    #: "scores": Quantus returns one score per sample; "area": one curve per sample, scored by its area
    #: (trapezoid rule, spacing 1, as Quantus's calculate_auc, which calls np.trapz, gone in NumPy 2)
    per_sample: str = "scores"


OFFERED = {
    "quantus.faithfulness_correlation": Offered("FaithfulnessCorrelation", "faithfulness", True),
    "quantus.faithfulness_estimate": Offered("FaithfulnessEstimate", "faithfulness", True),
    "quantus.infidelity": Offered("Infidelity", "faithfulness", False),
    "quantus.monotonicity": Offered("Monotonicity", "faithfulness", True),
    "quantus.monotonicity_correlation": Offered("MonotonicityCorrelation", "faithfulness", True),
    "quantus.pixel_flipping": Offered("PixelFlipping", "faithfulness", False, "area"),
    "quantus.region_perturbation": Offered("RegionPerturbation", "faithfulness", False, "area"),
    "quantus.selectivity": Offered("Selectivity", "faithfulness", False, "area"),
    "quantus.sufficiency": Offered("Sufficiency", "faithfulness", True),
    "quantus.avg_sensitivity": Offered("AvgSensitivity", "robustness", False),
    "quantus.consistency": Offered("Consistency", "robustness", False),
    "quantus.continuity": Offered("Continuity", "robustness", False),
    "quantus.local_lipschitz_estimate": Offered("LocalLipschitzEstimate", "robustness", False),
    "quantus.max_sensitivity": Offered("MaxSensitivity", "robustness", False),
    "quantus.relative_input_stability": Offered("RelativeInputStability", "robustness", False),
    "quantus.relative_output_stability": Offered("RelativeOutputStability", "robustness", False),
    "quantus.relative_representation_stability": Offered("RelativeRepresentationStability", "robustness", False),
    "quantus.complexity": Offered("Complexity", "complexity", False),
    "quantus.effective_complexity": Offered("EffectiveComplexity", "complexity", False),
    "quantus.sparseness": Offered("Sparseness", "complexity", True),
    "quantus.mprt": Offered("MPRT", "randomisation", False),
    "quantus.smooth_mprt": Offered("SmoothMPRT", "randomisation", False),
    "quantus.efficient_mprt": Offered("EfficientMPRT", "randomisation", True),
    "quantus.random_logit": Offered("RandomLogit", "randomisation", False),
    "quantus.completeness": Offered("Completeness", "axiomatic", True),
    "quantus.non_sensitivity": Offered("NonSensitivity", "axiomatic", False),
}

_MASKS = "needs a ground-truth mask of the object (s_batch), which an explained input does not carry"

#: Quantus class name -> why foxlike does not offer it
NOT_OFFERED = {
    "AUC": _MASKS,
    "AttributionLocalisation": _MASKS,
    "Focus": "needs mosaics of four images of known classes built for it, not the explained inputs",
    "PointingGame": _MASKS,
    "RelevanceMassAccuracy": _MASKS,
    "RelevanceRankAccuracy": _MASKS,
    "TopKIntersection": _MASKS,
    "IROF": "calls numpy.trapz, which NumPy 2 removed, inside its evaluation (AttributeError on every call)",
    "ROAD": "averages its curve over the batch, so it gives no score per sample",
    "SensitivityN": "correlates attributions with output changes across the samples of a batch: one score per batch",
    "InputInvariance": "shifts the bias of the model's first module, which it takes to be a conv layer at "
                       "model.modules()[1]; foxlike's view of the model (output transform, forward arguments) wraps "
                       "the user's model, so that module is never the first conv layer",
    "ModelParameterRandomisation": "the old name of MPRT, offered as quantus.mprt",
    "BatchSufficiency": "the batched implementation behind Sufficiency, offered as quantus.sufficiency",
}
