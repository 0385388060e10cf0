"""Several targets per sample: ``(N, T)`` indices, ``"topk:k"``, ``"all"``, ``"positive"``, or a score of
several columns; attributions gain a target dimension, each target is checked, and perturbation methods
read every target from one run of each perturbed input."""
from __future__ import annotations

import pytest
import torch
from torch import nn

import foxlike
from foxlike.runner.dataset import explain_dataset


def image_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 5))


def run(model, explainers, inputs, target, output="logits"):
    with foxlike.explain(model, explainers, target=target, output=output) as xai_model:
        return xai_model(inputs)[1]


def test_topk_explains_each_of_the_k_best_classes_as_a_single_target_would():
    model, inputs = image_model(), torch.rand(3, 1, 8, 8)
    explained = run(model, {"cv.integrated_gradients": {"n_steps": 64}}, inputs, "topk:3")["cv.integrated_gradients"]
    with torch.no_grad():
        expected_targets = model(inputs).topk(3, dim=1).indices
    assert torch.equal(explained.target, expected_targets)
    assert explained.attributions.shape == (3, 3, 1, 8, 8)
    for t in range(3):
        single = run(model, {"cv.integrated_gradients": {"n_steps": 64}}, inputs, expected_targets[:, t])
        torch.testing.assert_close(explained.attributions[:, t], single["cv.integrated_gradients"].attributions)
    completeness = [c for c in explained.checks if c.name == "completeness"]
    assert [c.target for c in completeness] == [0, 1, 2] and all(c.passed for c in completeness)


def test_a_list_of_lists_names_the_targets_of_each_sample_and_all_names_every_class():
    model, inputs = image_model(), torch.rand(2, 1, 8, 8)
    explained = run(model, ["cv.saliency"], inputs, [[4, 0], [1, 2]])["cv.saliency"]
    assert explained.target.tolist() == [[4, 0], [1, 2]] and explained.attributions.shape == (2, 2, 1, 8, 8)
    every = run(model, ["cv.saliency"], inputs, "all")["cv.saliency"]
    assert every.attributions.shape == (2, 5, 1, 8, 8)
    torch.testing.assert_close(every.attributions[0, 4], explained.attributions[0, 0])


@pytest.mark.parametrize("name", ["cv.lime", "cv.kernel_shap"])
def test_perturbation_methods_run_each_perturbed_image_once_for_all_targets(name):
    model, inputs = image_model(), torch.rand(2, 1, 8, 8)
    rows = []
    handle = model.register_forward_pre_hook(lambda module, args: rows.append(args[0].shape[0]))
    params = {name: {"segmentation": "grid", "n_samples": 64}}
    together = run(model, params, inputs, "topk:3")[name]
    evaluations_together, rows[:] = sum(rows), []
    apart = [run(model, params, inputs, together.target[:, t])[name].attributions for t in range(3)]
    handle.remove()
    torch.testing.assert_close(together.attributions, torch.stack(apart, dim=1))
    assert sum(rows) > 2.5 * evaluations_together  # one call per target runs every perturbation three times
    assert together.passed


def test_every_positive_label_of_a_multi_label_head_is_explained_and_empty_slots_stay_zero():
    class Fixed(nn.Module):  # three labels whose logits are the first three inputs
        def forward(self, x):
            return x.flatten(1)[:, :3] * 2

    # sample 0 has labels {0, 2}, sample 1 only {1}
    inputs = torch.tensor([[1.0, -1.0, 1.0, 0.5], [-1.0, 1.0, -1.0, 0.5]]).reshape(2, 1, 2, 2)
    explained = run(Fixed(), ["cv.saliency"], inputs, "positive")["cv.saliency"]
    assert explained.target.tolist() == [[0, 2], [1, -1]]
    assert explained.attributions[1, 1].abs().sum() == 0  # the empty slot
    assert explained.attributions[0, 1].abs().sum() > 0
    assert {c.target for c in explained.checks} == {0, 1} and explained.passed
    sigmoid = run(Fixed(), ["cv.saliency"], inputs, "positive", output="sigmoid")["cv.saliency"]
    assert sigmoid.target.tolist() == [[0, 2], [1, -1]]
    with pytest.raises(foxlike.TargetError, match="'positive' reads labels from logits or sigmoid"):
        run(Fixed(), ["cv.saliency"], inputs, "positive", output="softmax")


def test_a_score_of_several_columns_is_explained_column_by_column():
    model, inputs = image_model(), torch.rand(2, 1, 8, 8)

    def two_scores(output):  # the sum of classes 0-1 and of classes 2-4: two targets
        return foxlike.ScoreTarget.from_output(lambda out: torch.stack([out[:, :2].sum(1), out[:, 2:].sum(1)], 1),
                                               count=2, describe=["two groups"] * 2)

    explained = run(model, {"cv.integrated_gradients": {"n_steps": 64}}, inputs, two_scores)["cv.integrated_gradients"]
    assert explained.attributions.shape == (2, 2, 1, 8, 8) and explained.passed
    first = run(model, {"cv.integrated_gradients": {"n_steps": 64}}, inputs,
                lambda output: foxlike.ScoreTarget.from_output(lambda out: out[:, :2].sum(1)))
    torch.testing.assert_close(explained.attributions[:, 0], first["cv.integrated_gradients"].attributions)


@pytest.mark.parametrize("target, error, message", [
    ("topk:0", foxlike.TargetError, "topk takes a positive number of classes"),
    ("topk:x", foxlike.TargetError, "topk takes a positive number"),
    ("topk:9", foxlike.TargetError, "more classes than the output has \\(5\\)"),
    ("argmax:3", foxlike.TargetError, "'argmax' takes no argument"),
    ([[0, 1], [2, 7]], foxlike.TargetError, "Target index 7 is out of range"),
    ([[0, 1], [2, 3], [1, 1]], foxlike.TargetError, "entries for a batch of 2"),
])
def test_bad_multiple_targets_get_an_error_naming_the_fix(target, error, message):
    model = image_model()
    model.train()
    with pytest.raises(error, match=message):
        run(model, ["cv.saliency"], torch.rand(2, 1, 8, 8), target)
    assert model.training


def test_a_dataset_job_keeps_every_target_in_its_shards(tmp_path):
    model = image_model()
    result = explain_dataset(model, torch.rand(5, 1, 8, 8), ["cv.saliency"], tmp_path, batch_size=2,
                             target="topk:2", progress=False)
    assert result.attributions("cv.saliency").shape == (5, 2, 1, 8, 8)
    assert result.targets("cv.saliency").shape == (5, 2)
    assert result.record(0).explanations["cv.saliency"].checks[-1].target == 1
