"""Kept so that the documented ``foxlike.surrogates`` still imports: plugin authors' building blocks
live in the toolkit, :mod:`foxlike.toolkit.surrogates`."""
from .toolkit.surrogates import *  # noqa: F401,F403
from .toolkit.surrogates import __all__  # noqa: F401
