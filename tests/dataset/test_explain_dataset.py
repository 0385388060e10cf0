"""explain_dataset streams a real dataset through the explainers and resumes after an interruption."""
from __future__ import annotations

import json

import pytest
import torch

import foxlike
from foxlike import plugins
from foxlike.runner.dataset import explain_dataset

IG = {"cv.integrated_gradients": {"n_steps": 16}}
BATCH = 8


class Interrupting(torch.utils.data.Dataset):
    """The digits as (image, label) pairs; reading sample ``stop_at`` raises KeyboardInterrupt (Ctrl-C)."""

    def __init__(self, images, labels, stop_at=None):
        self.images, self.labels, self.stop_at = images, labels, stop_at
        self.read: list[int] = []

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        if i == self.stop_at:
            raise KeyboardInterrupt
        self.read.append(i)
        return self.images[i], self.labels[i]


class CountExplanations:
    """A real plugin wrapping every explanation: records the first sample index of each batch explained."""

    def __init__(self, images):
        self.images = images
        self.batches: list[int] = []

    @foxlike.hookimpl(wrapper=True)
    def calculate_features(self, explainer, model, inputs, target, params):
        match = (self.images == inputs[:1]).flatten(1).all(dim=1).nonzero()
        self.batches.append(int(match[0]))
        return (yield)


@pytest.fixture
def samples(digits):
    return digits.test_images[:37], digits.test_labels[:37]  # 5 batches of 8, the last one of 5


@pytest.fixture
def counted(samples):
    counter = CountExplanations(samples[0])
    name = plugins.register(counter, name="count-explanations")
    yield counter
    plugins.unregister(name)


def test_every_sample_is_explained_once_in_dataset_order(digits, samples, tmp_path):
    result = explain_dataset(digits.model, Interrupting(*samples), IG, tmp_path, batch_size=BATCH, progress=False)
    with foxlike.explain(digits.model, explainers=IG) as xai_model:
        _, whole = xai_model(samples[0])
    assert result.computed == [0, 1, 2, 3, 4] and result.resumed == []
    assert torch.allclose(result.attributions("cv.integrated_gradients"),
                          whole["cv.integrated_gradients"].attributions, atol=1e-6)
    assert torch.equal(result.targets("cv.integrated_gradients"), whole["cv.integrated_gradients"].target)


def test_an_interrupted_run_resumes_without_recomputing_written_batches(digits, samples, counted, tmp_path):
    interrupted = Interrupting(*samples, stop_at=3 * BATCH + 2)  # Ctrl-C while loading batch 3
    with pytest.raises(KeyboardInterrupt):
        explain_dataset(digits.model, interrupted, IG, tmp_path / "run", batch_size=BATCH, progress=False)
    assert counted.batches == [0, 8, 16]
    assert sorted(json.loads((tmp_path / "run" / "manifest.json").read_text())["batches"]) == ["0", "1", "2"]

    counted.batches.clear()
    resumed_data = Interrupting(*samples)
    resumed = explain_dataset(digits.model, resumed_data, IG, tmp_path / "run", batch_size=BATCH, progress=False)
    assert resumed.resumed == [0, 1, 2] and resumed.computed == [3, 4]
    assert counted.batches == [24, 32]
    assert min(resumed_data.read) == 3 * BATCH  # the written batches were not even loaded again

    uninterrupted = explain_dataset(digits.model, Interrupting(*samples), IG, tmp_path / "once", batch_size=BATCH,
                                    progress=False)
    for i in range(uninterrupted.batches):
        first, second = resumed.shard(i), uninterrupted.shard(i)
        assert torch.equal(first["indices"], second["indices"])
        assert torch.equal(first["explanations"]["cv.integrated_gradients"]["attributions"],
                           second["explanations"]["cv.integrated_gradients"]["attributions"])


def test_a_finished_run_is_not_recomputed(digits, samples, counted, tmp_path):
    explain_dataset(digits.model, samples[0], IG, tmp_path, batch_size=BATCH, progress=False)
    counted.batches.clear()
    again = explain_dataset(digits.model, samples[0], IG, tmp_path, batch_size=BATCH, progress=False)
    assert again.computed == [] and counted.batches == []


def test_a_missing_shard_is_computed_again(digits, samples, tmp_path):
    explain_dataset(digits.model, samples[0], IG, tmp_path, batch_size=BATCH, progress=False)
    (tmp_path / "batch-000002.pt").unlink()
    again = explain_dataset(digits.model, samples[0], IG, tmp_path, batch_size=BATCH, progress=False)
    assert again.computed == [2]


def test_a_dataloader_is_streamed_in_its_own_batches(digits, samples, tmp_path):
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*samples), batch_size=10)
    result = explain_dataset(digits.model, loader, IG, tmp_path, progress=False)
    assert result.batches == 4
    assert result.manifest()["settings"]["batch_size"] == 10
    assert result.attributions("cv.integrated_gradients").shape == samples[0].shape


def test_resuming_into_the_results_of_another_job_is_refused(digits, samples, tmp_path):
    explain_dataset(digits.model, samples[0], IG, tmp_path, batch_size=BATCH, progress=False)
    with pytest.raises(foxlike.FoxlikeError, match="different job"):
        explain_dataset(digits.model, samples[0], {"cv.integrated_gradients": {"n_steps": 32}}, tmp_path,
                        batch_size=BATCH, progress=False)


def test_failed_checks_are_recorded_in_the_manifest_when_not_strict(digits, samples, tmp_path):
    too_few_steps = {"cv.integrated_gradients": {"n_steps": 2, "method": "riemann_left"}}
    with pytest.warns(foxlike.FoxlikeWarning):
        result = explain_dataset(digits.model, samples[0][:8], too_few_steps, tmp_path, batch_size=BATCH,
                                 strict=False, rtol=1e-3, progress=False)
    assert result.manifest()["batches"]["0"]["passed"] == {"cv.integrated_gradients": False}
    checks = result.shard(0)["explanations"]["cv.integrated_gradients"]["checks"]
    completeness = next(c for c in checks if c["name"] == "completeness")
    assert completeness["passed"] is False and "raise n_steps" in completeness["message"]


def test_items_that_hold_no_tensor_are_named_in_the_error(digits, tmp_path):
    with pytest.raises(foxlike.InputError, match="item\\[0\\] is the input tensor"):
        explain_dataset(digits.model, [("not", "a tensor")], IG, tmp_path, progress=False)


def second_best(output):
    return output.topk(2, dim=1).indices[:, 1]


@pytest.mark.filterwarnings("ignore::foxlike.FoxlikeWarning")  # the second-best class may miss completeness
def test_a_callable_target_is_recorded_by_name_so_the_run_can_resume(digits, samples, tmp_path):
    first = explain_dataset(digits.model, samples[0], IG, tmp_path, batch_size=BATCH, target=second_best,
                            strict=False, progress=False)
    assert first.manifest()["settings"]["target"].endswith("second_best")
    again = explain_dataset(digits.model, samples[0], IG, tmp_path, batch_size=BATCH, target=second_best,
                            strict=False, progress=False)
    assert again.computed == [] and again.resumed == [0, 1, 2, 3, 4]
    with torch.no_grad():
        expected = digits.model(samples[0]).topk(2, dim=1).indices[:, 1]
    assert torch.equal(again.targets("cv.integrated_gradients"), expected)


class GradientTimesInput(foxlike.Explainer):
    """Gradient x input, with the gradient's norm per sample as an extra (a test plugin's explainer)."""

    name = "test.gradient_x_input"
    modality = "cv"

    def calculate_features(self, model, inputs, target):
        inputs = inputs.detach().requires_grad_()
        (gradient,) = torch.autograd.grad(model(inputs).gather(1, target[:, None]).sum(), inputs)
        return foxlike.Features(gradient * inputs, {"gradient_norm": gradient.flatten(1).norm(dim=1), "unit": "logit"})


class GradientPlugin:
    @foxlike.hookimpl
    def register_explainers(self, register):
        register(GradientTimesInput)


def test_each_explainers_extras_are_kept_in_its_shard(digits, samples, tmp_path):
    name = plugins.register(GradientPlugin(), name="test-gradient-plugin")
    try:
        result = explain_dataset(digits.model, samples[0][:10], ["test.gradient_x_input"], tmp_path, batch_size=BATCH,
                                 progress=False)
    finally:
        plugins.unregister(name)
    extras = [result.shard(i)["explanations"]["test.gradient_x_input"]["extras"] for i in range(2)]
    assert [e["unit"] for e in extras] == ["logit", "logit"]
    norms = torch.cat([e["gradient_norm"] for e in extras])
    assert norms.shape == (10,) and bool((norms > 0).all())


class Masked(torch.nn.Module):
    """The digits CNN on images multiplied by a mask given as a keyword: it fails without one."""

    def __init__(self, cnn):
        super().__init__()
        self.cnn = cnn

    def forward(self, images, *, mask):
        return self.cnn(images * mask)


def test_forward_kwargs_of_dict_items_reach_the_model_in_every_step(digits, samples, tmp_path):
    images = samples[0][:10]
    masks = torch.ones_like(images)
    masks[:, :, :, 4:] = 0  # the right half hidden
    items = [{"input": image, "forward_kwargs": {"mask": mask}} for image, mask in zip(images, masks)]
    result = explain_dataset(Masked(digits.model), items, IG, tmp_path, batch_size=4, progress=False)

    attributions = result.attributions("cv.integrated_gradients")
    assert attributions.shape == images.shape and bool(attributions[:, :, :, :4].abs().sum(dim=(1, 2, 3)).gt(0).all())
    assert bool((attributions[:, :, :, 4:] == 0).all())  # no step ever saw the hidden half
    assert all(c["passed"] for i in range(3) for c in result.shard(i)["explanations"]["cv.integrated_gradients"]["checks"])


def test_metrics_are_scored_per_sample_into_the_shards(digits, samples, tmp_path):
    result = explain_dataset(digits.model, samples[0][:12], IG, tmp_path, batch_size=5, metrics=["deletion"],
                             progress=False)
    with foxlike.explain(digits.model, explainers=IG, metrics=["deletion"]) as xai_model:
        _, whole = xai_model(samples[0][:12])

    torch.testing.assert_close(result.metric("cv.integrated_gradients", "deletion"),
                               whole["cv.integrated_gradients"].metrics["deletion"].double(), rtol=1e-4, atol=1e-5)
    assert result.manifest()["settings"]["metrics"] == {"deletion": {}}


def test_another_dataset_id_is_another_job(digits, samples, tmp_path):
    explain_dataset(digits.model, samples[0], IG, tmp_path, batch_size=BATCH, dataset_id="digits v1", progress=False)
    (tmp_path / "notes.txt").write_text("mine")
    torch.save({}, tmp_path / "batch-000009.pt")  # a shard written just before an interruption, never listed
    with pytest.raises(foxlike.FoxlikeError, match="different job"):
        explain_dataset(digits.model, samples[0], IG, tmp_path, batch_size=BATCH, dataset_id="digits v2",
                        progress=False)

    again = explain_dataset(digits.model, samples[0][:BATCH], IG, tmp_path, batch_size=BATCH, dataset_id="digits v2",
                            restart_other_job=True, progress=False)
    assert again.computed == [0] and again.resumed == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch-000000.pt", "manifest.json", "notes.txt"]
    assert again.manifest()["settings"]["dataset"] == "digits v2"
