"""foxlike's built-in image explainers.

Each explainer lives in a module with the methods it shares machinery with,
and imports Captum only when it runs, so listing plugins stays fast.
"""
import foxlike

from .gradients import Deconvolution, GuidedBackprop, InputXGradient, Saliency
from .integrated_gradients import IntegratedGradients, IntegratedGradientsSmoothGrad
from .kernel_shap import KernelShap
from .layer_methods import GradCAM, GuidedGradCAM, LayerConductance, LayerIntegratedGradients
from .lime import Lime
from .lrp import LRP
from .occlusion import Occlusion
from .reference_methods import DeepLift, DeepLiftShap, GradientShap
from .detection import detection_target, named_detection
from .segmentation import named_segmentation, segmentation_target

EXPLAINERS = (
    IntegratedGradients, IntegratedGradientsSmoothGrad, LayerIntegratedGradients, LayerConductance,
    GradCAM, GuidedGradCAM, Saliency, InputXGradient, GuidedBackprop, Deconvolution, GradientShap,
    DeepLift, DeepLiftShap, Occlusion, Lime, KernelShap, LRP,
)


@foxlike.hookimpl
def register_explainers(register):
    for explainer in EXPLAINERS:
        register(explainer)


@foxlike.hookimpl
def register_targets(register):
    register("segmentation", named_segmentation)
    register("detection", named_detection)
