"""Every CAM method of pytorch-grad-cam 1.5.7 as a foxlike explainer, ``gradcam.<method>``.

The maps are grad-cam's own, unchanged: ReLU'd, scaled to [0, 1] per sample
and resized to the input by OpenCV, as (N, 1, H, W). Parameters pass
straight to grad-cam (``reshape_transform``, ``aug_smooth``,
``eigen_smooth`` and each method's own); foxlike adds ``layer``: the last
conv layer that runs when ``None``, else a dotted name, a module, or a list
of them (grad-cam's ``target_layers``). ``extras["layers"]`` names the
layers used.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

import foxlike
from foxlike import ParameterError
from foxlike.toolkit.binding import inputs_only

from .running import as_attributions, cam_class, model_kept, release, target_layers, target_objects


class CamExplainer(foxlike.Explainer):
    """A pytorch-grad-cam method; each subclass names its grad-cam class in ``cam``."""

    modality = "cv"
    #: grad-cam's class name
    cam: ClassVar[str] = ""
    #: whether grad-cam calls the model on batches of its own making (masked copies, patches, subsets)
    reruns_model: ClassVar[bool] = False

    def calculate_features(self, model, inputs, target, layer=None, reshape_transform=None, aug_smooth=False,
                           eigen_smooth=False):
        return self.run(model, inputs, target, target_layers(model, inputs, layer), reshape_transform,
                        call={"aug_smooth": aug_smooth, "eigen_smooth": eigen_smooth})

    def run(self, model, inputs, target, layers, reshape_transform, options=None, call=None, attributes=None):
        """Build grad-cam's ``self.cam`` on ``layers`` with ``options``, set ``attributes`` on it, and call it."""
        import pytorch_grad_cam

        view = inputs_only(model, inputs, reruns=f"{self.name} (grad-cam's {self.cam})" if self.reruns_model else None)
        with model_kept(model.model):
            cam = getattr(pytorch_grad_cam, self.cam)(view, layers, reshape_transform=reshape_transform,
                                                      **(options or {}))
            try:
                for key, value in (attributes or {}).items():
                    setattr(cam, key, value)
                maps = self.compute(cam, inputs.detach(), target, **(call or {}))
            finally:
                release(cam)
        return foxlike.Features(as_attributions(maps, inputs), {"layers": [model.layer_name(m) for m in layers]})

    def compute(self, cam, inputs, target, **call):
        return cam(inputs, target_objects(target, len(inputs)), **call)

    def expected_shape(self, inputs, params):
        return (inputs.shape[0], 1, *inputs.shape[-2:])


class GradCAM(CamExplainer):
    """Grad-CAM: the layer's activations weighted by their mean gradient (pytorch-grad-cam)."""

    name, cam = "gradcam.grad_cam", "GradCAM"


class HiResCAM(CamExplainer):
    """HiResCAM: activations times gradients element-wise, summed over channels (pytorch-grad-cam)."""

    name, cam = "gradcam.hires_cam", "HiResCAM"


class GradCAMPlusPlus(CamExplainer):
    """Grad-CAM++: channel weights from second- and third-order gradient terms (pytorch-grad-cam)."""

    name, cam = "gradcam.grad_cam_plus_plus", "GradCAMPlusPlus"


class XGradCAM(CamExplainer):
    """XGrad-CAM: gradients weighted by the normalised activations (pytorch-grad-cam)."""

    name, cam = "gradcam.xgrad_cam", "XGradCAM"


class EigenCAM(CamExplainer):
    """Eigen-CAM: the first principal component of the activations, the same for every class (pytorch-grad-cam)."""

    name, cam = "gradcam.eigen_cam", "EigenCAM"


class EigenGradCAM(CamExplainer):
    """Eigen-Grad-CAM: the first principal component of activations times gradients (pytorch-grad-cam)."""

    name, cam = "gradcam.eigen_grad_cam", "EigenGradCAM"


class LayerCAM(CamExplainer):
    """Layer-CAM: activations weighted element-wise by their positive gradients (pytorch-grad-cam)."""

    name, cam = "gradcam.layer_cam", "LayerCAM"


class GradCAMElementWise(CamExplainer):
    """Element-wise Grad-CAM: the ReLU of activations times gradients, summed over channels (pytorch-grad-cam)."""

    name, cam = "gradcam.grad_cam_element_wise", "GradCAMElementWise"


class ShapleyCAM(CamExplainer):
    """Shapley-CAM: channel weights from the gradient and a Hessian-vector product (pytorch-grad-cam)."""

    name, cam = "gradcam.shapley_cam", "ShapleyCAM"


class RandomCAM(CamExplainer):
    """Random-CAM: random channel weights in [-1, 1] from NumPy's global generator, a baseline (pytorch-grad-cam)."""

    name, cam = "gradcam.random_cam", "RandomCAM"


class SegEigenCAM(CamExplainer):
    """Seg-Eigen-CAM: the sign-corrected principal component of |gradients| times activations (pytorch-grad-cam)."""

    name, cam = "gradcam.seg_eigen_cam", "SegEigenCAM"


class ScoreCAM(CamExplainer):
    """Score-CAM: each channel weighted by the target's score on the input masked by it, no gradients (pytorch-grad-cam)."""

    name, cam, reruns_model = "gradcam.score_cam", "ScoreCAM", True

    def calculate_features(self, model, inputs, target, layer=None, reshape_transform=None, aug_smooth=False,
                           eigen_smooth=False, batch_size=16):
        return self.run(model, inputs, target, target_layers(model, inputs, layer), reshape_transform,
                        call={"aug_smooth": aug_smooth, "eigen_smooth": eigen_smooth},
                        attributes={"batch_size": batch_size})


class AblationCAM(CamExplainer):
    """Ablation-CAM: each channel weighted by the target's drop when it is zeroed, no gradients (pytorch-grad-cam)."""

    name, cam, reruns_model = "gradcam.ablation_cam", "AblationCAM", True

    def calculate_features(self, model, inputs, target, layer=None, reshape_transform=None, aug_smooth=False,
                           eigen_smooth=False, batch_size=32, ratio_channels_to_ablate=1.0, ablation_layer=None):
        options = {"batch_size": batch_size, "ratio_channels_to_ablate": ratio_channels_to_ablate}
        if ablation_layer is not None:
            options["ablation_layer"] = ablation_layer
        return self.run(model, inputs, target, target_layers(model, inputs, layer), reshape_transform, options,
                        call={"aug_smooth": aug_smooth, "eigen_smooth": eigen_smooth})


class KPCA_CAM(CamExplainer):
    """KPCA-CAM: the first kernel principal component of the activations (pytorch-grad-cam)."""

    name, cam = "gradcam.kpca_cam", "KPCA_CAM"

    def calculate_features(self, model, inputs, target, layer=None, reshape_transform=None, aug_smooth=False,
                           eigen_smooth=False, kernel="sigmoid", gamma=None):
        return self.run(model, inputs, target, target_layers(model, inputs, layer), reshape_transform,
                        {"kernel": kernel, "gamma": gamma}, call={"aug_smooth": aug_smooth, "eigen_smooth": eigen_smooth})


class FEM(CamExplainer):
    """FEM: each channel's share of activations above k standard deviations of its mean, no gradients (pytorch-grad-cam)."""

    name, cam = "gradcam.fem", "FEM"

    def calculate_features(self, model, inputs, target, layer=None, reshape_transform=None, aug_smooth=False,
                           eigen_smooth=False, k=2):
        return self.run(model, inputs, target, target_layers(model, inputs, layer), reshape_transform, {"k": k},
                        call={"aug_smooth": aug_smooth, "eigen_smooth": eigen_smooth})


class FullGrad(CamExplainer):
    """FullGrad: the input gradient plus the bias gradients of every conv and batch-norm layer (pytorch-grad-cam).

    It takes no ``layer``: grad-cam uses every layer with a bias.
    """

    name, cam = "gradcam.full_grad", "FullGrad"

    def calculate_features(self, model, inputs, target, reshape_transform=None, aug_smooth=False, eigen_smooth=False):
        return self.run(model, inputs, target, [], reshape_transform,
                        call={"aug_smooth": aug_smooth, "eigen_smooth": eigen_smooth})


class FinerCAM(CamExplainer):
    """Finer-CAM: the target against the classes the model finds most similar to it (pytorch-grad-cam).

    grad-cam takes one class for the whole batch (``target_idx``); foxlike
    calls it once per distinct target, so every sample is explained for its own.
    """

    name, cam, reruns_model = "gradcam.finer_cam", "FinerCAM", True

    def calculate_features(self, model, inputs, target, layer=None, reshape_transform=None, eigen_smooth=False,
                           alpha=1.0, comparison_categories=None, base_method="GradCAM"):
        if target is None:
            raise ParameterError("gradcam.finer_cam compares the target with other classes, and a model with one "
                                 "output has none: use another gradcam.* method.")
        return self.run(model, inputs, target, target_layers(model, inputs, layer), reshape_transform,
                        {"base_method": cam_class(base_method)},
                        call={"eigen_smooth": eigen_smooth, "alpha": alpha,
                              "comparison_categories": comparison_categories})

    def compute(self, cam, inputs, target, eigen_smooth, alpha, comparison_categories):
        target = target.cpu()
        maps = np.zeros((len(inputs), *inputs.shape[-2:]), dtype=np.float32)
        for value in target.unique().tolist():
            rows = (target == value).nonzero().flatten()
            maps[rows.numpy()] = cam(inputs[rows.to(inputs.device)], None, eigen_smooth=eigen_smooth, alpha=alpha,
                                     comparison_categories=comparison_categories, target_idx=value)
        return maps


class RefineCAM(CamExplainer):
    """RefineCAM: the product of a base method's maps over several layers (pytorch-grad-cam); name them in ``layer``."""

    name, cam = "gradcam.refine_cam", "RefineCAM"

    def calculate_features(self, model, inputs, target, layer=None, reshape_transform=None, eigen_smooth=False,
                           base_method="GradCAMPlusPlus"):
        return self.run(model, inputs, target, target_layers(model, inputs, layer), reshape_transform,
                        {"base_method": cam_class(base_method)}, call={"eigen_smooth": eigen_smooth})


class SESS(CamExplainer):
    """SESS: a base method over sliding windows at several scales, fused (pytorch-grad-cam)."""

    name, cam, reruns_model = "gradcam.sess", "SESS", True

    def calculate_features(self, model, inputs, target, layer=None, reshape_transform=None, eigen_smooth=False,
                           base_method="GradCAM", scales=None, num_scales=12, scale_step_ratio=2.0 / 7.0,
                           window_size=None, step_size=None, pre_filter_ratio=0.0, theta=0.0, pool="mean",
                           smooth=True, use_softmax_scores=True, batch_size=32):
        options = {"base_method": cam_class(base_method), "scales": scales, "num_scales": num_scales,
                   "scale_step_ratio": scale_step_ratio, "window_size": window_size, "step_size": step_size,
                   "pre_filter_ratio": pre_filter_ratio, "theta": theta, "pool": pool, "smooth": smooth,
                   "use_softmax_scores": use_softmax_scores, "batch_size": batch_size}
        return self.run(model, inputs, target, target_layers(model, inputs, layer), reshape_transform, options,
                        call={"eigen_smooth": eigen_smooth})


EXPLAINERS = (GradCAM, HiResCAM, GradCAMPlusPlus, XGradCAM, ScoreCAM, AblationCAM, EigenCAM, EigenGradCAM, LayerCAM,
              FullGrad, GradCAMElementWise, KPCA_CAM, ShapleyCAM, RandomCAM, FEM, FinerCAM, SegEigenCAM, RefineCAM,
              SESS)
