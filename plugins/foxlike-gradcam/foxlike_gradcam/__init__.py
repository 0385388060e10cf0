"""pytorch-grad-cam 1.5.7 (MIT) as a foxlike plugin: every CAM method it offers, as ``gradcam.<method>``.

foxlike finds the layer (the last feature map the head consumes, unless ``layer=``
names one or several), resolves the target and hands it over as grad-cam's
own ``ClassifierOutputTarget``, checks the map, and puts back what grad-cam
changes on the model. docs/adapters.md says what is offered and why the
rest is not.
"""
import foxlike
from foxlike.toolkit.requirements import require_library

GRAD_CAM_VERSION = require_library("foxlike-gradcam", "grad-cam", "pytorch_grad_cam", ("1.5.7",),
                                   "pip install 'foxlike[gradcam]'")

from .methods import EXPLAINERS  # noqa: E402 - after the check: a missing library is the error users see


@foxlike.hookimpl
def register_explainers(register):
    for explainer in EXPLAINERS:
        register(explainer)
