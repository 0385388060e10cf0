"""Every image explainer on the GPU: results stay on the device and pass their checks."""
import pytest
import torch

import foxlike
from foxlike_cv import EXPLAINERS

pytestmark = pytest.mark.gpu

PARAMS = {"cv.lime": {"segmentation": "grid"}, "cv.kernel_shap": {"segmentation": "grid"},
          "cv.layer_conductance": {"n_steps": 200}, "cv.layer_integrated_gradients": {"n_steps": 200}}


@pytest.mark.parametrize("name", sorted(c.name for c in EXPLAINERS if c.name not in {"cv.lrp", "cv.deeplift"}))
def test_each_explainer_on_cuda(digits, name):
    model = digits.model.cuda()
    try:
        images, labels = digits.test_images[:8].cuda(), digits.test_labels[:8].cuda()
        with foxlike.explain(model, {name: PARAMS.get(name, {})}, target=labels) as xai_model:
            _, explanations = xai_model(images)
        result = explanations[name]
        assert result.attributions.is_cuda and result.passed, result.warnings
    finally:
        digits.model.cpu()
