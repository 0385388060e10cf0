"""The CUDA path: explanations on the GPU stay on the GPU and pass their checks."""
import pytest
import torch

import foxlike
from tests.models import MaskedModel, Quadratic

pytestmark = pytest.mark.gpu


def test_integrated_gradients_on_cuda_matches_the_closed_form():
    model = Quadratic().cuda()
    inputs = torch.randn(8, 12, device="cuda")
    with foxlike.explain(model, ["cv.integrated_gradients"], target=1) as xai_model:
        output, explanations = xai_model(inputs)
    result = explanations["cv.integrated_gradients"]
    assert output.is_cuda and result.attributions.is_cuda and result.target.is_cuda
    torch.testing.assert_close(result.attributions, model.weight[1].detach() * inputs**2, rtol=1e-4, atol=1e-4)
    assert result.passed


def test_forward_arguments_on_cuda():
    model = MaskedModel().cuda()
    mask = torch.ones(4, 6, device="cuda")
    mask[:, 0] = 0
    with foxlike.explain(model, ["cv.integrated_gradients"]) as xai_model:
        _, explanations = xai_model(torch.randn(4, 6, device="cuda"), mask=mask)
    assert (explanations["cv.integrated_gradients"].attributions[:, 0] == 0).all()


def test_cpu_inputs_for_a_cuda_model_say_how_to_move_them():
    with pytest.raises(foxlike.InputError, match="inputs.to\\('cuda:0'\\)"):
        with foxlike.explain(Quadratic().cuda(), ["cv.integrated_gradients"]) as xai_model:
            xai_model(torch.randn(2, 12))
