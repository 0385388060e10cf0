"""What an explanation run produces."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Features:
    """What an explainer may return instead of a bare tensor: attributions plus extras.

    ``extras`` holds anything else worth keeping (LIME's per-superpixel
    coefficients, Captum's convergence delta, the layer that was used, ...).
    """

    attributions: Any
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Check:
    """The outcome of one validation check on one explanation."""

    name: str
    passed: bool
    message: str
    value: Any = None


@dataclass
class Explanation:
    """One explainer's result for one batch."""

    explainer: str
    attributions: Any
    target: Any
    target_source: str
    output: str
    parameters: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    #: metric name -> why it could not be computed (lenient mode; strict mode raises)
    metric_errors: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when the explainer ran and every check passed."""
        return self.error is None and all(c.passed for c in self.checks)

    @property
    def warnings(self) -> list[str]:
        """The messages of failed checks (and the error, if the explainer failed)."""
        found = [f"{c.name}: {c.message}" for c in self.checks if not c.passed]
        if self.error is not None:
            found.insert(0, f"error: {type(self.error).__name__}: {self.error}")
        return found

    def __repr__(self) -> str:
        shape = tuple(self.attributions.shape) if hasattr(self.attributions, "shape") else None
        status = "passed" if self.passed else f"warnings={self.warnings}"
        return (
            f"Explanation({self.explainer!r}, attributions={shape}, "
            f"target={self.target_source}, output={self.output!r}, {status}, {self.seconds:.3f}s)"
        )
