"""Detection targets: one detection (by index, by class and box, or every one above a score), matched by IoU
and class on every image an explainer runs, on torchvision's detectors with random weights."""
import pytest
import torch
from torchvision.models import detection

import foxlike
from foxlike_cv import detection_target
from foxlike_cv.detection import matched_scores

from .test_segmentation import _hooks, photos

SMALL = {"weights": None, "weights_backbone": None, "num_classes": 5}
DETECTORS = {  # random weights score nothing above torchvision's thresholds, hence a threshold of 0
    "fasterrcnn": (lambda: detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        **SMALL, min_size=64, max_size=64, box_score_thresh=0.0, box_detections_per_img=5), "backbone.body.16"),
    "fcos": (lambda: detection.fcos_resnet50_fpn(**SMALL, min_size=64, max_size=64, score_thresh=0.0,
                                                 detections_per_img=5), "backbone.body.layer4"),
    "retinanet": (lambda: detection.retinanet_resnet50_fpn(**SMALL, min_size=64, max_size=64, score_thresh=0.0,
                                                           detections_per_img=5), "backbone.body.layer4"),
    "ssdlite": (lambda: detection.ssdlite320_mobilenet_v3_large(**SMALL, score_thresh=0.0, detections_per_img=5),
                "backbone.features.0"),
}


def detector(name):
    torch.manual_seed(0)
    return DETECTORS[name][0]()


@pytest.fixture(scope="module")
def retinanet():
    return detector("retinanet")


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_each_torchvision_detector_explains_its_first_detection_and_is_left_as_it_was(name):
    model, layer = detector(name), DETECTORS[name][1]
    model.train()  # a detector in training mode wants targets; foxlike runs its eval-mode forward
    images = photos(64)
    with foxlike.explain(model, {"cv.saliency": {}, "cv.grad_cam": {"layer": layer}}, target="detection:0",
                         strict=False) as xai_model:
        output, explanations = xai_model(images)
    assert len(output) == 2 and set(output[0]) == {"boxes", "labels", "scores"}
    saliency = explanations["cv.saliency"]
    assert saliency.passed, saliency.checks
    assert saliency.target.describe[0] == (f"detection 0: class {int(output[0]['labels'][0])} at "
                                           + "(" + ", ".join(f"{float(v):.1f}" for v in output[0]["boxes"][0]) + ")"
                                           + f", score {float(output[0]['scores'][0]):.3g}")
    grad_cam = explanations["cv.grad_cam"]
    assert grad_cam.error is None and grad_cam.attributions.shape == (2, 1, 64, 64)
    assert grad_cam.extras["layer"] == layer
    assert model.training and _hooks(model) == 0


def test_occlusion_lime_and_kernel_shap_explain_a_detection(retinanet):
    methods = {"cv.occlusion": {"window": 16, "stride": 16}, "cv.lime": {"n_samples": 24},
               "cv.kernel_shap": {"n_samples": 24}, "cv.grad_cam": {"layer": "backbone.body.layer4"}}
    with foxlike.explain(retinanet, methods, target="detection:1") as xai_model:
        _, explanations = xai_model(photos(64))
    for name, explanation in explanations.items():
        assert explanation.passed, (name, explanation.checks)


def test_the_score_is_the_matching_detections_and_zero_once_it_is_gone(retinanet):
    images = photos(64)
    with torch.no_grad():
        found = retinanet.eval()(images)
    labels = torch.stack([f["labels"][0] for f in found])
    boxes = torch.stack([f["boxes"][0] for f in found])
    own = matched_scores(found, images, labels, boxes, 0.5)
    torch.testing.assert_close(own, torch.stack([f["scores"][0] for f in found]))
    assert matched_scores(found, images, (labels + 1) % 5 + 10, boxes, 0.5).tolist() == [0.0, 0.0]  # no such class
    far = torch.tensor([[0.0, 0.0, 1.0, 1.0]] * 2)  # overlaps nothing the detector found
    assert matched_scores(found, images, labels, far, 0.5).tolist() == [0.0, 0.0]


def test_a_detection_given_by_class_and_box_is_the_one_found_by_index(retinanet):
    images = photos(64)
    with torch.no_grad():
        found = retinanet.eval()(images)
    by_index = _explain(retinanet, images, "detection:2")
    given = _explain(retinanet, images, detection_target(label=[int(f["labels"][2]) for f in found],
                                                         box=torch.stack([f["boxes"][2] for f in found])))
    torch.testing.assert_close(by_index.attributions, given.attributions)


def _explain(model, images, target, method="cv.saliency", strict=True):
    with foxlike.explain(model, [method], target=target, strict=strict) as xai_model:
        return xai_model(images)[1][method]


def test_every_detection_above_a_score_gets_its_own_map(retinanet):
    images = photos(64)
    with torch.no_grad():
        found = retinanet.eval()(images)
    first, second = (f["scores"] for f in found)
    threshold = float(second[1] + second[2]) / 2  # the second image keeps two detections, the first more or as many
    kept = [int((scores > threshold).sum()) for scores in (first, second)]
    explained = _explain(retinanet, images, f"detection:above:{threshold}")
    width = max(kept)
    assert explained.attributions.shape == (2, width, 3, 64, 64) and explained.passed
    assert not torch.allclose(explained.attributions[1, 0], explained.attributions[1, 1])  # two detections, two maps
    assert [len(d) for d in explained.target.describe] == kept
    if kept[1] < width:  # an empty slot: zero and not checked
        assert explained.attributions[1, kept[1]:].abs().sum() == 0
    lime = _explain(retinanet, images, f"detection:above:{threshold}", "cv.lime")
    assert lime.attributions.shape == (2, width, 3, 64, 64) and lime.passed


@pytest.mark.parametrize("target, message", [
    ("detection:9", r"Detection index 9 is past the predictions of sample\(s\) \[0, 1\], which have \[5, 5\]"),
    ("detection:above:0.99", r"No detection of sample\(s\) \[0, 1\] scores above 0.99"),
    ("detection:first", "Name the detection to explain, as in 'detection:0'"),
    ("argmax", "The model returns detections .* pass target='detection:0'"),
    (3, "The model returns detections .* pass target='detection:0'"),
    (None, "The model returns detections"),
    (detection_target(label=1, box=(10, 10, 5, 20)), "x1 < x2 and y1 < y2"),
    (detection_target(label=[1, 2, 3], box=(0, 0, 5, 5)), r"one per image \(2 here\); got 3 label"),
])
def test_bad_detection_targets_name_the_fix(retinanet, target, message):
    retinanet.train()
    with pytest.raises(foxlike.TargetError, match=message):
        _explain(retinanet, photos(64), target)
    assert retinanet.training


def test_a_detection_target_on_a_classifier_says_to_pass_a_class():
    classifier = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 3))
    with pytest.raises(foxlike.TargetError, match=r"needs a detector's output .* got a tensor of shape \(2, 3\). "
                                                  r"For a classifier, pass a class index"):
        _explain(classifier, torch.rand(2, 1, 8, 8), "detection:0")


def test_a_detection_target_is_named_once():
    with pytest.raises(foxlike.TargetError, match="Name one detection target"):
        detection_target(index=0, above=0.5)
    with pytest.raises(foxlike.TargetError, match="Name one detection target"):
        detection_target(box=(0, 0, 4, 4))
