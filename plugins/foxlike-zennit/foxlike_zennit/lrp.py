"""Layer-wise relevance propagation with Zennit: a composite by name, the canonizer for the architecture.

The output relevance is the target's one-hot row times the model's output,
so the relevance of each sample adds up to the target's score F(x) where the
rules conserve it; foxlike checks that (``completeness``, within ``rtol``),
which catches a canonizer that does not fit the model. Rules move some
relevance into biases and stabilisers, so a few percent go missing on real
models (0.5% to 4% on the digits CNN with ``epsilon_plus_flat``).
"""
from __future__ import annotations

import inspect

import foxlike
from foxlike import ParameterError
from foxlike.toolkit.binding import inputs_only

from .canonizers import canonizers, chosen

#: composites whose rules need the bounds of the input values
BOUNDED = ("epsilon_gamma_box",)
#: what the composite's constructor takes that foxlike sets itself
SET_BY_FOXLIKE = ("canonizers", "low", "high")


def composite_class(name: str):
    from zennit.composites import COMPOSITES

    if name not in COMPOSITES:
        raise ParameterError(f"composite={name!r} is not one of Zennit's: choose one of {', '.join(sorted(COMPOSITES))}.")
    return COMPOSITES[name]


def check_composite_params(cls, name: str, params: dict) -> None:
    taken = [p for p in inspect.signature(cls).parameters if p not in SET_BY_FOXLIKE]
    unknown = sorted(set(params) - set(taken))
    if unknown:
        raise ParameterError(f"Zennit's composite {name!r} does not take {', '.join(unknown)}; it takes "
                             f"{', '.join(taken) or '(nothing)'}.")


def output_relevance(target):
    """Zennit's ``attr_output``: the target's one-hot row times the output (the output itself without a target)."""
    def relevance(output):
        if target is None:
            return output
        one_hot = output.new_zeros(output.shape)
        one_hot.scatter_(1, target.reshape(-1, 1).to(output.device), 1.0)
        return one_hot * output

    return relevance


class LRP(foxlike.Explainer):
    """Layer-wise relevance propagation with Zennit's composites and the canonizer for the architecture.

    ``composite`` is a name in Zennit's ``COMPOSITES`` (``epsilon_plus_flat``,
    ``epsilon_gamma_box``, ...) and further keywords go to its constructor.
    ``canonizer="auto"`` picks ``resnet`` for torchvision ResNets, ``vgg``
    for VGGs and ``merge_batch_norm`` otherwise. ``low`` and ``high`` bound
    the input values for ``epsilon_gamma_box`` (default: the batch's minimum
    and maximum).
    """

    name = "zennit.lrp"
    modality = "cv"
    completeness = True
    conserves_output = True
    completeness_hint = ("the relevance should add up to the target's score: check that the canonizer fits the model "
                         "(a ResNet needs canonizer='resnet'); rules that give relevance to biases, such as alpha-beta, "
                         "miss by more (strict=False records it instead of raising)")

    def calculate_features(self, model, inputs, target, composite="epsilon_plus_flat", canonizer="auto", low=None,
                           high=None, **composite_params):
        from zennit.attribution import Gradient

        if model.output != "logits":
            raise ParameterError(f"zennit.lrp attributes the model's own output: LRP's rules reach the model's modules, "
                                 f"not the {model.output!r} foxlike applies after them. Explain output='logits'.")
        cls = composite_class(composite)
        check_composite_params(cls, composite, composite_params)
        canonizer = chosen(model.model, canonizer)
        if composite in BOUNDED:
            composite_params["low"] = (inputs.min() if low is None else low) * inputs.new_ones(inputs.shape)
            composite_params["high"] = (inputs.max() if high is None else high) * inputs.new_ones(inputs.shape)
        rules = cls(canonizers=canonizers(canonizer), **composite_params)
        with rules.context(model.model):
            _, relevance = Gradient(inputs_only(model, inputs))(inputs.detach(), output_relevance(target))
        return foxlike.Features(relevance, {"composite": composite, "canonizer": canonizer})
