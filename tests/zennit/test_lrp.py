"""foxlike-zennit: Zennit's own relevance, the canonizer for the architecture, conservation checked, the model restored."""
from __future__ import annotations

import pytest
import torch

import foxlike
from zennit.attribution import Gradient
from zennit.canonizers import SequentialMergeBatchNorm
from zennit.composites import COMPOSITES
from zennit.torchvision import ResNetCanonizer


@pytest.fixture(scope="module")
def resnet18():
    import torchvision

    torch.manual_seed(0)
    return torchvision.models.resnet18().eval()


@pytest.fixture(scope="module")
def photos():
    return torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))


def zennit_directly(model, composite, inputs, target, classes):
    """What a Zennit user writes: relevance of the target's score (one-hot row times the output)."""
    one_hot = torch.eye(classes)[target]
    with Gradient(model, composite) as attributor:
        _, relevance = attributor(inputs, lambda output: one_hot * output)
    return relevance


def lrp(model, inputs, strict=True, **params):
    with foxlike.explain(model, {"zennit.lrp": params}, strict=strict) as xai_model:
        output, explanations = xai_model(inputs)
    return output, explanations["zennit.lrp"]


def completeness(explanation):
    return next(c for c in explanation.checks if c.name == "completeness")


def test_relevance_equals_zennit_with_its_resnet_canonizer_on_resnet18_and_adds_up_to_the_score(resnet18, photos):
    output, ours = lrp(resnet18, photos)
    theirs = zennit_directly(resnet18, COMPOSITES["epsilon_plus_flat"](canonizers=[ResNetCanonizer()]), photos,
                             output.argmax(dim=1), 1000)

    assert ours.extras == {"composite": "epsilon_plus_flat", "canonizer": "resnet"}
    torch.testing.assert_close(ours.attributions, theirs, rtol=0, atol=0)
    assert completeness(ours).passed and completeness(ours).value < 0.05
    score = output.gather(1, output.argmax(dim=1, keepdim=True)).squeeze(1)
    torch.testing.assert_close(ours.attributions.sum(dim=(1, 2, 3)), score, rtol=0.05, atol=0)


def test_a_canonizer_that_does_not_fit_the_model_fails_the_completeness_check(resnet18, photos):
    # BatchNorm merged but the skip connections left as `a + b`: relevance is counted twice at every block.
    with pytest.raises(foxlike.ValidationError, match="completeness.*canonizer"):
        lrp(resnet18, photos, canonizer="merge_batch_norm")
    _, lenient = lrp(resnet18, photos, strict=False, canonizer="merge_batch_norm")
    assert completeness(lenient).value > 10


@pytest.mark.parametrize("composite, params", [("epsilon_plus_flat", {}), ("epsilon_gamma_box", {"low": 0.0, "high": 1.0}),
                                               ("epsilon_alpha2_beta1", {"epsilon": 1e-3})])
def test_relevance_equals_zennit_on_the_digits_cnn_for_each_samples_own_target(digits, composite, params):
    images, labels = digits.test_images[:4], digits.test_labels[:4]
    with foxlike.explain(digits.model, {"zennit.lrp": {"composite": composite, **params}}, target=labels,
                         strict=False) as xai_model:
        _, explanations = xai_model(images)
    ours = explanations["zennit.lrp"]
    extra = {k: v * torch.ones_like(images) for k, v in params.items() if k in ("low", "high")}
    extra.update({k: v for k, v in params.items() if k not in extra})
    theirs = zennit_directly(digits.model, COMPOSITES[composite](canonizers=[SequentialMergeBatchNorm()], **extra),
                             images, labels, 10)

    assert ours.extras["canonizer"] == "merge_batch_norm"
    torch.testing.assert_close(ours.attributions, theirs, rtol=0, atol=0)
    if composite == "epsilon_plus_flat":  # the flat first layer and epsilon rules conserve up to the biases
        assert ours.passed and completeness(ours).value < 0.05


def test_canonizers_are_removed_and_batch_norm_restored_bit_identically_even_when_lrp_fails(resnet18, photos):
    before = {k: (v.clone(), v.data_ptr()) for k, v in resnet18.state_dict().items()}
    modules = [(n, m) for n, m in resnet18.named_modules()]
    block = resnet18.layer2[0]

    def fail_inside_the_canonized_model(module, args):
        if hasattr(module, "canonizer_sum"):
            raise RuntimeError("failed while the canonizer was applied")

    lrp(resnet18, photos)  # once through
    handle = block.register_forward_pre_hook(fail_inside_the_canonized_model)
    try:
        with pytest.warns(foxlike.FoxlikeWarning, match="failed while the canonizer"):
            _, failed = lrp(resnet18, photos, strict=False)
    finally:
        handle.remove()

    assert failed.error is not None
    for name, value in resnet18.state_dict().items():
        assert torch.equal(value, before[name][0]) and value.data_ptr() == before[name][1], name
    assert [(n, m) for n, m in resnet18.named_modules()] == modules
    assert not any(hasattr(m, "canonizer_sum") or "forward" in vars(m) for m in resnet18.modules())
    assert all(m.bias is None for m in resnet18.modules() if isinstance(m, torch.nn.Conv2d))
    assert not any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks for m in resnet18.modules())


def test_lrp_refuses_an_output_transform_its_rules_cannot_reach(digits):
    with foxlike.explain(digits.model, ["zennit.lrp"], output="softmax") as xai_model, \
            pytest.raises(foxlike.ParameterError, match="Explain output='logits'"):
        xai_model(digits.test_images[:2])


def test_an_unknown_composite_or_composite_parameter_names_the_valid_ones(digits):
    for params, message in [({"composite": "epsilon_plsu"}, "epsilon_plus_flat"), ({"gama": 0.5}, "takes epsilon")]:
        with foxlike.explain(digits.model, {"zennit.lrp": params}) as xai_model, \
                pytest.raises(foxlike.ParameterError, match=message):
            xai_model(digits.test_images[:2])
