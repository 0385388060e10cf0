"""foxlike's built-in text explainers: token ids in, one score per token out (per generated token for LMs)."""
import foxlike

from .continuation import classifier_argmax, continuation, greedy_target
from .integrated_gradients import IntegratedGradients
from .llm import LlmFeatureAblation, LlmIntegratedGradients, LlmKernelShap
from .perturbation import KernelShap, Lime
from .segments import template_prompt

EXPLAINERS = (IntegratedGradients, Lime, KernelShap, LlmIntegratedGradients, LlmFeatureAblation, LlmKernelShap)

__all__ = ["continuation", "template_prompt", *(e.__name__ for e in EXPLAINERS)]


@foxlike.hookimpl
def register_explainers(register):
    for explainer in EXPLAINERS:
        register(explainer)


@foxlike.hookimpl
def register_targets(register):
    register("continuation", greedy_target)
    register("nlp.argmax", classifier_argmax)
