"""The base class every explanation metric subclasses."""
from __future__ import annotations

from typing import Any, ClassVar

from .parameters import check_keywords, keyword_parameters, summary


class Metric:
    """A number per sample that judges an explanation, contributed by a plugin.

    Subclasses set ``name`` and ``higher_is_better`` and implement
    :meth:`compute`; its keyword parameters are the metric's parameters.
    Metrics run inside :func:`foxlike.explain` when asked for with
    ``metrics=[...]`` and land in ``explanation.metrics[name]``.
    """

    name: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True

    def compute(self, model, inputs, explanation, reexplain, **params):
        """Return one score per sample (a 1-D tensor).

        ``model`` is the :class:`foxlike.ExplainedModel` the explainer saw;
        ``explanation`` the validated :class:`foxlike.Explanation`;
        ``reexplain(inputs, other_model=None, target=explanation.target)`` runs
        the same explainer with the same parameters on other inputs or another
        model, for metrics that perturb (sensitivity, model randomisation).
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement compute")

    @classmethod
    def description(cls) -> str:
        return summary(cls)

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        return keyword_parameters(cls.compute, skip=5)

    @classmethod
    def check_parameters(cls, params: dict) -> None:
        check_keywords(f"Metric {cls.name!r}", cls.compute, 5, params)
