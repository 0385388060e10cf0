"""Explainers of what a causal language model generates: each generated token attributed to the prompt.

The target (by default the model's greedy continuation, :mod:`.continuation`)
gives K scores per prompt, each generated token's log-probability; the
attributions are ``(N, K, L)``: for every generated token, one value per
prompt token. Perturbation methods switch prompt segments off (tokens,
words, or a template's spans: ``segments``) by putting ``pad_id`` in their
place, as Captum's ``LLMAttribution`` puts its baseline token;
``extras["coefficients"]`` holds their values per segment, and
``extras["segments"]`` the segments' names. The continuation explained is
the result's ``target`` (a :class:`.continuation.ContinuationTarget`: ``.ids``, ``.describe``).
"""
from __future__ import annotations

import torch

import foxlike
from foxlike import ParameterError
from foxlike.toolkit.parameter_types import Count, PathMethod, Steps
from foxlike.toolkit.perturbation import kernel_shap_values, scores

from .continuation import CLASSIFIER_EXPLAINERS, ContinuationTarget
from .embeddings import reference_ids
from .integrated_gradients import embedding_attributions
from .perturbation import explain_each
from .segments import segment_names


def _continuation_of(model, name: str) -> ContinuationTarget:
    """The continuation the model view scores; any other target is refused, naming what explains it."""
    if not isinstance(model.score, ContinuationTarget):
        raise ParameterError(
            f"{name} explains a language model's continuation, but the target given is "
            f"{'a score of another kind' if model.score is not None else 'class indices'}. Leave target unset "
            f"(the greedy continuation), give target='continuation:K' or foxlike_nlp.continuation(...); for a "
            f"classifier use {CLASSIFIER_EXPLAINERS}."
        )
    return model.score


class LanguageModelExplainer(foxlike.Explainer):
    modality = "nlp"
    default_target = "continuation"


class LlmIntegratedGradients(LanguageModelExplainer):
    """Layer Integrated Gradients on the input embeddings, per generated token, from a padding prompt.

    Each generated token's log-probability is explained on its own path (the
    continuation stays in place on every step), so completeness is checked
    per generated token. Parameters mean what they mean for
    ``nlp.integrated_gradients``.
    """

    name = "nlp.llm_integrated_gradients"
    completeness = True

    def calculate_features(self, model, inputs, target, pad_id: int = 0, special_ids: tuple | list = (),
                           layer=None, n_steps: Steps = 64, method: PathMethod = "gausslegendre",
                           internal_batch_size: Count | None = None):
        _continuation_of(model, self.name)
        per_dimension, embedding = embedding_attributions(model, inputs, target, pad_id, special_ids, layer,
                                                          n_steps, method, internal_batch_size)
        # the embedding runs on prompt + continuation; the continuation's part is the same on every step
        per_dimension = per_dimension[:, :inputs.shape[1]]
        return foxlike.Features(per_dimension.sum(dim=-1), {"embedding_layer": model.layer_name(embedding)})

    def baselines(self, inputs, params):
        return reference_ids(inputs, params.get("pad_id", 0), params.get("special_ids", ()))


def _explain_segments(name, model, inputs, target, fit, pad_id, special_ids, segments, seed) -> foxlike.Features:
    _continuation_of(model, name)
    if segments is not None and len(segments) != inputs.shape[0]:
        raise ParameterError(f"segments has {len(segments)} entries for {inputs.shape[0]} prompts: give one list "
                             "of labels per prompt (one label per token, None for a token that stays).")
    features = explain_each(model, inputs, target, fit, pad_id, special_ids, segments, "pad", seed)
    fixed = [torch.isin(ids, torch.as_tensor([pad_id, *special_ids], dtype=ids.dtype)) for ids in inputs.cpu()]
    features.extras["segments"] = [segment_names(None if segments is None else segments[i], ids, fixed[i])
                                   for i, ids in enumerate(inputs.cpu())]
    return features


def ablation_values(model, perturb, n_features: int, target, per_eval: int) -> torch.Tensor:
    """Feature ablation: score(prompt) - score(prompt without segment j), ``(k,)`` or ``(T, k)``."""
    coalitions = torch.cat([torch.ones(1, n_features, dtype=torch.int8),
                            1 - torch.eye(n_features, dtype=torch.int8)])
    found = scores(model, perturb, coalitions, target, per_eval)
    return (found[:1] - found[1:]).T if found.dim() == 2 else found[0] - found[1:]


class LlmFeatureAblation(LanguageModelExplainer):
    """Feature ablation over prompt segments: how much each generated token's log-probability drops without it.

    ``segments`` (one list per prompt: each token's word index or span name, None for a token that stays;
    :func:`foxlike_nlp.template_prompt` makes them from a template) groups tokens; by default every token is
    its own segment.
    """

    name = "nlp.llm_feature_ablation"
    multi_target = True  # each ablated prompt runs once, every generated token read from it

    def calculate_features(self, model, inputs, target, pad_id: int = 0, special_ids: tuple | list = (),
                           segments: list | None = None, perturbations_per_eval: Count = 64):
        def fit(model, perturb, k, target, generator):
            return ablation_values(model, perturb, k, target, perturbations_per_eval), {}

        return _explain_segments(self.name, model, inputs, target, fit, pad_id, special_ids, segments, 0)


class LlmKernelShap(LanguageModelExplainer):
    """Kernel SHAP over prompt segments, per generated token (paired coalitions; exact for few segments).

    ``segments`` as for ``nlp.llm_feature_ablation``; the values of each generated token add up to its
    log-probability after the prompt less after the all-padding prompt.
    """

    name = "nlp.llm_kernel_shap"
    multi_target = True

    def calculate_features(self, model, inputs, target, pad_id: int = 0, special_ids: tuple | list = (),
                           segments: list | None = None, n_samples: Count = 256, paired: bool = True,
                           perturbations_per_eval: Count = 64, seed: int = 0):
        def fit(model, perturb, k, target, generator):
            values, exact = kernel_shap_values(model, perturb, k, target, n_samples, generator, paired,
                                               perturbations_per_eval)
            return values, {"exact": exact}

        return _explain_segments(self.name, model, inputs, target, fit, pad_id, special_ids, segments, seed)

