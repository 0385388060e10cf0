"""foxlike's built-in image explainers.

Each explainer lives in a module of its own and imports Captum only when it
runs, so listing plugins stays fast.
"""
import foxlike

from .integrated_gradients import IntegratedGradients

EXPLAINERS = (IntegratedGradients,)


@foxlike.hookimpl
def register_explainers(register):
    for explainer in EXPLAINERS:
        register(explainer)
