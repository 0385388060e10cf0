"""Segmentation targets: a class's logits summed or averaged over a region, explained by every cv method."""
import numpy as np
import pytest
import torch
import torchvision

import foxlike
from foxlike_cv import segmentation_target

from .canvas_models import DIGIT, digit_canvases, trained_segmenter

ALL_METHODS = {
    "cv.saliency": {}, "cv.integrated_gradients": {"n_steps": 32},
    "cv.grad_cam": {"layer": "backbone.16"}, "cv.occlusion": {"window": 16, "stride": 16},
    "cv.lime": {"n_samples": 24}, "cv.kernel_shap": {"n_samples": 24},
}


@pytest.fixture(scope="module")
def segmenter():
    return trained_segmenter()


def photos(size: int) -> torch.Tensor:
    from skimage import data
    from skimage.transform import resize

    pictures = [resize(picture, (size, size)) for picture in (data.astronaut(), data.chelsea())]
    return torch.tensor(np.stack(pictures), dtype=torch.float32).permute(0, 3, 1, 2).contiguous()


def _hooks(model) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules())


def test_torchvision_lraspp_is_explained_by_every_method_and_left_as_it_was():
    torch.manual_seed(0)
    model = torchvision.models.segmentation.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None,
                                                                       num_classes=3)
    model.train()
    frozen = next(model.parameters())
    frozen.requires_grad_(False)
    images = photos(32)
    with foxlike.explain(model, ALL_METHODS, target=segmentation_target(1, (4, 4, 28, 28), "mean")) as xai_model:
        output, explanations = xai_model(images)
    assert set(output) == {"out"}  # the model's own dict comes back
    for name, explanation in explanations.items():
        assert explanation.passed, (name, explanation.checks)
        assert explanation.target.describe == ["class 1 over 576 given pixels (mean)"] * 2
    assert [c.name for c in explanations["cv.integrated_gradients"].checks][-1] == "completeness"
    assert model.training and not frozen.requires_grad and _hooks(model) == 0


def test_torchvision_fcn_resnet50_with_its_aux_head_is_explained():
    torch.manual_seed(0)
    model = torchvision.models.segmentation.fcn_resnet50(weights=None, weights_backbone=None, num_classes=4,
                                                         aux_loss=True)
    mask = torch.zeros(32, 32, dtype=torch.bool)
    mask[4:20, 10:30] = True
    with foxlike.explain(model, {"cv.saliency": {}, "cv.integrated_gradients": {"n_steps": 16}},
                         target=segmentation_target([2, 3], mask)) as xai_model:
        output, explanations = xai_model(photos(32))
    assert set(output) == {"out", "aux"}
    assert all(e.passed for e in explanations.values())
    assert explanations["cv.saliency"].target.describe == ["class 2 over 320 given pixels (sum)",
                                                           "class 3 over 320 given pixels (sum)"]
    assert not model.training or _hooks(model) == 0


def test_the_mean_is_the_sum_over_the_region_size(segmenter):
    images, _, boxes, _ = digit_canvases(3, seed=7)
    maps = {}
    for reduce in ("sum", "mean"):
        with foxlike.explain(segmenter, ["cv.saliency"], target=segmentation_target(1, (0, 0, 16, 8), reduce)) as xm:
            maps[reduce] = xm(images)[1]["cv.saliency"].attributions
    torch.testing.assert_close(maps["sum"], maps["mean"] * 128)


def _share_inside(attributions, boxes):
    positive = attributions.clamp_min(0).sum(1)  # (N, H, W)
    shares = []
    for i, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        shares.append(float(positive[i, y1:y2, x1:x2].sum() / positive[i].sum().clamp_min(1e-12)))
    return torch.tensor(shares)


@pytest.mark.parametrize("method", ["cv.integrated_gradients", "cv.saliency", "cv.occlusion"])
def test_attributions_of_a_digits_pixels_fall_on_that_digit(segmenter, method):
    images, labels, boxes, classes = digit_canvases(12, seed=3)
    explained, other = boxes[:, 0], boxes[:, 1]
    region = labels == classes[:, :1, None]  # the first digit's ink
    params = {"window": 4, "stride": 4} if method == "cv.occlusion" else {}
    with foxlike.explain(segmenter, {method: params}, target=segmentation_target(classes[:, 0], region)) as xm:
        explanation = xm(images)[1][method]
    assert explanation.passed, explanation.checks
    inside, beside = _share_inside(explanation.attributions, explained), _share_inside(explanation.attributions, other)
    random_share = DIGIT * DIGIT / images[0, 0].numel()  # a box's share of the canvas: 0.25
    assert inside.mean() > 2 * random_share, inside
    assert (inside > beside).float().mean() >= 0.75, (inside, beside)


def test_the_named_target_explains_the_pixels_predicted_as_the_class(segmenter):
    images, _, _, _ = digit_canvases(8, seed=11)
    with torch.no_grad():
        predicted = segmenter(images)["out"].argmax(1)
    keep = (predicted == 2).flatten(1).any(1)  # canvases where the model sees a 1 somewhere
    images, region = images[keep], predicted[keep] == 2
    with foxlike.explain(segmenter, ["cv.saliency"], target="segmentation:2") as xm:
        by_name = xm(images)[1]["cv.saliency"]
    with foxlike.explain(segmenter, ["cv.saliency"], target=segmentation_target(2, region)) as xm:
        given = xm(images)[1]["cv.saliency"]
    torch.testing.assert_close(by_name.attributions, given.attributions)
    assert by_name.target.describe[0].endswith("predicted pixels (sum)")


@pytest.mark.parametrize("target, message", [
    (segmentation_target(1, (20, 20, 40, 40)), r"Box \(20, 20, 40, 40\) .* lies outside the 32x32 output"),
    (segmentation_target(1, (5, 5, 5, 9)), "or is empty"),
    (segmentation_target(1, torch.ones(16, 16, dtype=torch.bool)), r"pass a mask of shape \(32, 32\) or \(2, 32, 32\)"),
    (segmentation_target(1, torch.zeros(32, 32, dtype=torch.bool)), "holds no pixel"),
    (segmentation_target(9, (0, 0, 8, 8)), "Class 9 is out of range .* 5 classes"),
    (segmentation_target([1, 2, 3], (0, 0, 8, 8)), "one per sample \\(2 here\\)"),
    ("segmentation", "Name the class to explain, as in 'segmentation:3'"),
    ("segmentation:1:max", "reduce must be 'sum' or 'mean'"),
])
def test_bad_segmentation_targets_name_the_fix(segmenter, target, message):
    segmenter.train()
    try:
        with pytest.raises(foxlike.TargetError, match=message):
            with foxlike.explain(segmenter, ["cv.saliency"], target=target) as xm:
                xm(digit_canvases(2)[0])
        assert segmenter.training
    finally:
        segmenter.eval()


def test_a_segmentation_target_on_a_classifier_says_what_output_it_needs():
    classifier = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 3))
    with pytest.raises(foxlike.TargetError, match=r"needs an output of shape \(N, classes, H, W\), got \(2, 3\)"):
        with foxlike.explain(classifier, ["cv.saliency"], target="segmentation:1") as xm:
            xm(torch.rand(2, 1, 8, 8))
