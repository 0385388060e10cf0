"""foxlike's built-in metrics: faithfulness, robustness and the randomisation sanity check."""
import foxlike

from .curves import Deletion, Insertion
from .randomisation import ModelRandomisation
from .robustness import Infidelity, MaxSensitivity

METRICS = (Deletion, Insertion, Infidelity, MaxSensitivity, ModelRandomisation)


@foxlike.hookimpl
def register_metrics(register):
    for metric in METRICS:
        register(metric)
