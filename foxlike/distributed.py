"""Kept so that the documented ``foxlike.distributed.explain_dataset_distributed`` still imports:
the code lives in :mod:`foxlike.runner.distributed`."""
from .runner.distributed import explain_dataset_distributed

__all__ = ["explain_dataset_distributed"]
