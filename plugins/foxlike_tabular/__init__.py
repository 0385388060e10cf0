"""foxlike's built-in tabular explainers, for (N, F) float tables: one feature per column, or groups of
columns, with a background dataset as the reference."""
import foxlike

from .ablation import FeatureAblation, Permutation
from .gradients import InputXGradient, IntegratedGradients, Saliency
from .sampling import KernelShap, Lime

EXPLAINERS = (IntegratedGradients, Saliency, InputXGradient, FeatureAblation, Permutation, KernelShap, Lime)


@foxlike.hookimpl
def register_explainers(register):
    for explainer in EXPLAINERS:
        register(explainer)
