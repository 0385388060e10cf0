"""The range a number parameter must lie in, for annotations such as ``Annotated[int, Bounds(1, 100)]``.

Kept apart from :mod:`.parameter_types` (which needs torch) so that
``import foxlike`` stays free of torch.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """The inclusive range a number parameter must lie in (``None``: unbounded on that side)."""

    low: float | None = None
    high: float | None = None

    def holds(self, value) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        if self.high is None:
            return f"at least {self.low:g}"
        if self.low is None:
            return f"at most {self.high:g}"
        return f"from {self.low:g} to {self.high:g}"
