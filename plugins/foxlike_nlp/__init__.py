"""foxlike's built-in text explainers: token ids in, one score per token out."""
import foxlike

from .integrated_gradients import IntegratedGradients
from .perturbation import KernelShap, Lime

EXPLAINERS = (IntegratedGradients, Lime, KernelShap)


@foxlike.hookimpl
def register_explainers(register):
    for explainer in EXPLAINERS:
        register(explainer)
