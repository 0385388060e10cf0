"""Every image explainer on a real CNN trained on real digits."""
import pytest
import torch

import foxlike
from foxlike_cv import EXPLAINERS

PARAMS = {
    "cv.lime": {"segmentation": "grid", "n_samples": 150},
    "cv.kernel_shap": {"segmentation": "grid"},
    # At the default 50 steps their sums miss F(x) - F(0) by 7-10% on this ReLU network, and validation says so.
    "cv.layer_conductance": {"n_steps": 200},
    "cv.layer_integrated_gradients": {"n_steps": 200},
}
# Not every method can explain every model; the digits CNN has a Flatten module, which LRP has no rule for.
REFUSED = {"cv.lrp"}
# DeepLIFT runs, but through max pooling its attributions do not sum to F(x) - F(0): see the test below.
APPROXIMATE = {"cv.deeplift"}


@pytest.mark.parametrize("name", sorted(cls.name for cls in EXPLAINERS if cls.name not in REFUSED | APPROXIMATE))
def test_each_explainer_explains_a_batch_with_per_image_targets(digits, name):
    images, labels = digits.test_images[:8], digits.test_labels[:8].flip(0)  # targets other than the argmax
    with foxlike.explain(digits.model, {name: PARAMS.get(name, {})}, target=labels) as xai_model:
        _, explanations = xai_model(images)
    result = explanations[name]
    assert torch.equal(result.target, labels)
    assert result.passed, result.warnings
    assert result.attributions.shape[0] == 8


def test_deeplift_through_max_pooling_is_flagged_by_the_completeness_check(digits):
    images, labels = digits.test_images[:8], digits.test_labels[:8].flip(0)
    with pytest.raises(foxlike.ValidationError, match="completeness: .*max pooling is approximate"):
        with foxlike.explain(digits.model, ["cv.deeplift"], target=labels) as xai_model:
            xai_model(images)
    with pytest.warns(foxlike.FoxlikeWarning, match="completeness"):
        with foxlike.explain(digits.model, ["cv.deeplift"], target=labels, strict=False) as xai_model:
            _, explanations = xai_model(images)
    failed = [c.name for c in explanations["cv.deeplift"].checks if not c.passed]
    assert failed == ["completeness"]


def score_after_deleting(model, images, order, count, target):
    deleted = images.clone().flatten(1)
    deleted.scatter_(1, order[:, :count], 0.0)
    with torch.no_grad():
        return model(deleted.reshape(images.shape)).gather(1, target[:, None]).squeeze(1)


@pytest.mark.parametrize("name", ["cv.integrated_gradients", "cv.kernel_shap", "cv.occlusion"])
def test_deleting_the_top_attributed_pixels_hurts_more_than_deleting_random_ones(digits, name):
    images = digits.test_images[:32]
    with foxlike.explain(digits.model, {name: PARAMS.get(name, {})}, target="argmax") as xai_model:
        output, explanations = xai_model(images)
    target = explanations[name].target
    top = explanations[name].attributions.flatten(1).argsort(dim=1, descending=True)
    generator = torch.Generator().manual_seed(0)
    random = torch.stack([torch.randperm(64, generator=generator) for _ in range(len(images))])
    original = output.gather(1, target[:, None]).squeeze(1)
    drop_top = original - score_after_deleting(digits.model, images, top, 10, target)
    drop_random = original - score_after_deleting(digits.model, images, random, 10, target)
    assert drop_top.mean() > 2 * drop_random.mean()
