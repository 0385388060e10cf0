"""Kept so that the documented ``foxlike.integration`` still imports: the path-integral weights live
in the toolkit, :mod:`foxlike.toolkit.quadrature`."""
from .toolkit.quadrature import weight_correction

__all__ = ["weight_correction"]
