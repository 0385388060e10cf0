"""The layer foxlike attributes to is the last feature map the head consumes whole, on the architectures people use."""
import pytest
import torch
import torchvision

import foxlike
from foxlike.model import ExplainedModel
from foxlike.toolkit.layers import find_layer

#: torchvision model -> the layer found at 64 px (random weights) and its grid: a block's or a stage's output,
#: never a conv inside a residual block (a ResNet's layer4.1.conv2 is bypassed by the skip), nor a pooling
#: layer (VGG's last ReLU, 4x4, before its max pooling to 2x2 and its adaptive pooling up to 7x7)
EXPECTED = {
    "resnet18": ("layer4", (2, 2)), "resnet50": ("layer4", (2, 2)), "vgg11": ("features.19", (4, 4)),
    "mobilenet_v3_small": ("features", (2, 2)), "efficientnet_b0": ("features", (2, 2)),
    "densenet121": ("features", (2, 2)), "convnext_tiny": ("features", (2, 2)),
}


def random_model(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return getattr(torchvision.models, name)(weights=None).eval()


def explain(model, inputs, explainers, **options):
    with foxlike.explain(model, explainers, **options) as xai_model:
        return xai_model(inputs)[1]


@pytest.fixture(scope="module")
def resnet18():
    return random_model("resnet18")


@pytest.fixture(scope="module")
def photos():
    return torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name", EXPECTED)
def test_the_layer_found_is_the_last_block_output_the_head_reads(name, photos):
    model = random_model(name)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    view = ExplainedModel(model, lambda output: output, "logits")

    layer, layout = find_layer(view, photos[:1])

    assert view.layer_name(layer) == EXPECTED[name][0]
    assert layout.kind == "channels_first" and layout.grid == EXPECTED[name][1]
    assert not any(m._forward_hooks for m in model.modules())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()) and not model.training


def test_layer_ig_on_resnet18_adds_up_on_the_layer_found_and_not_on_the_bypassed_conv(resnet18, photos):
    found = explain(resnet18, photos, {"cv.layer_integrated_gradients": {"n_steps": 64}})
    with pytest.warns(foxlike.FoxlikeWarning, match="completeness"):
        bypassed = explain(resnet18, photos, {"cv.layer_integrated_gradients": {"n_steps": 64,
                                                                                "layer": "layer4.1.conv2"}}, strict=False)

    layer_ig = found["cv.layer_integrated_gradients"]
    assert layer_ig.extras["layer"] == "layer4" and layer_ig.passed
    completeness = next(c for c in bypassed["cv.layer_integrated_gradients"].checks if c.name == "completeness")
    assert not completeness.passed and completeness.value > 0.2  # the skip's share is missing
    assert "nothing bypasses it" in completeness.message and "layer='layer4'" in completeness.message


def test_grad_cam_says_which_layer_it_used_and_the_report_shows_it(digits, tmp_path):
    from foxlike.report import write_report
    from foxlike.runner.explain_inputs import explain_inputs
    from foxlike.runner.inputs import Inputs

    images = digits.test_images[:2]
    inputs = Inputs("cv", images, ["a", "b"], pixels=images.permute(0, 2, 3, 1).numpy())
    run = explain_inputs(digits.model, inputs, ["cv.grad_cam"], quiet=True)
    write_report(tmp_path, run)

    page = (tmp_path / "index.html").read_text()
    assert page.count("layer: <code>features.3</code> (channels first, 8x8)") == 2  # one panel per input
