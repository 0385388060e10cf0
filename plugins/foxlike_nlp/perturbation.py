"""LIME and Kernel SHAP over tokens or words.

A removed token is replaced by padding (``removal="pad"``) or dropped
(``removal="drop"``: the kept tokens close up and the sequence is padded at
the end; forward arguments shaped like the ids, such as an attention mask,
close up with them and are zero at the end). Special tokens and padding never
count as features. With ``word_ids`` (one list per sample giving each token's
word index, or None, as Hugging Face's ``encoding.word_ids()`` does), the
features are words; a word's value is shared equally by its tokens in the
token-level map, and ``extras["coefficients"]`` holds one value per feature.
"""
from __future__ import annotations

from typing import Literal

import torch

import foxlike
from foxlike.toolkit.parameter_types import Count, NonNegative
from foxlike import ParameterError
from foxlike.toolkit.perturbation import each_sample, kernel_shap_values, lime_values
from foxlike.toolkit.rows import repeated

from .embeddings import check_token_ids


#: How a removed token is taken out of the sequence.
Removal = Literal["pad", "drop"]


def feature_index(ids, pad_id, special_ids, word_ids=None) -> tuple[torch.Tensor, int]:
    """For one sequence: the feature each position belongs to (-1: never removed), and the count."""
    fixed = torch.isin(ids, torch.as_tensor([pad_id, *special_ids], dtype=ids.dtype, device=ids.device))
    if word_ids is None:
        index = torch.cumsum(~fixed, 0) - 1
        return torch.where(fixed, -1, index), int((~fixed).sum())
    if len(word_ids) != len(ids):
        raise ParameterError(f"word_ids has {len(word_ids)} entries for a sequence of {len(ids)} tokens.")
    words = {w: i for i, w in enumerate(dict.fromkeys(w for w, f in zip(word_ids, fixed.tolist())
                                                      if w is not None and not f))}
    index = torch.tensor([-1 if w is None or f else words[w] for w, f in zip(word_ids, fixed.tolist())],
                         device=ids.device)
    return index, len(words)


def perturbed(ids, args, index, coalitions, removal, pad_id):
    """The ids (and id-shaped forward arguments) with the features a coalition drops removed."""
    count = len(coalitions)
    keep = torch.ones(count, len(ids), dtype=torch.bool, device=ids.device)
    features = index >= 0
    keep[:, features] = coalitions[:, index[features]].bool()
    batch_ids = ids.expand(count, -1)
    batch_args = repeated(args, count)
    if removal == "pad":
        return torch.where(keep, batch_ids, pad_id), batch_args
    if removal != "drop":
        raise ParameterError(f"removal must be 'pad' or 'drop', got {removal!r}.")
    order = (~keep).to(torch.int8).argsort(dim=1, stable=True)
    tail = torch.arange(len(ids), device=ids.device)[None] >= keep.sum(dim=1, keepdim=True)

    def close_up(tensor, fill):
        return torch.where(tail, fill, tensor.gather(1, order))

    shaped = tuple(close_up(a, 0) if isinstance(a, torch.Tensor) and a.shape[-1:] == ids.shape else a
                   for a in batch_args)
    return close_up(batch_ids, pad_id), shaped


def tokens_off(ids, args, index, removal, pad_id):
    """``perturb`` for :mod:`foxlike.toolkit.perturbation`: one sequence's copies with features removed."""
    return lambda chunk: perturbed(ids, args, index, chunk.to(ids.device), removal, pad_id)


def spread(values, index, length) -> torch.Tensor:
    """Each feature's value shared equally by its tokens; fixed tokens get 0. ``values`` is ``(k,)``, or
    ``(T, k)`` for T targets (then ``(T, length)``)."""
    tokens = torch.zeros(*values.shape[:-1], length, dtype=torch.float64)
    features = index.cpu() >= 0
    if values.shape[-1]:
        counts = torch.bincount(index.cpu()[features], minlength=values.shape[-1]).double()
        tokens[..., features] = (values / counts)[..., index.cpu()[features]]
    return tokens


def explain_each(model, inputs, target, fit, pad_id, special_ids, word_ids, removal, seed) -> foxlike.Features:
    """The text perturbation loop: ``fit(model, perturb, k, target, generator) -> (values, extras)``
    gives one sample's value per feature; they are spread over its tokens."""
    check_token_ids(inputs)
    generator = torch.Generator().manual_seed(seed)
    rows, coefficients, extras = [], [], []
    for i, ids, sample_target, args in each_sample(inputs, target, model.forward_args):
        index, k = feature_index(ids[0], pad_id, special_ids, None if word_ids is None else word_ids[i])
        empty = torch.zeros(*(() if sample_target is None else sample_target.shape), 0, dtype=torch.float64)
        values, extra = (fit(model, tokens_off(ids[0], args, index, removal, pad_id), k, sample_target, generator)
                         if k else (empty, {}))
        rows.append(spread(values, index, inputs.shape[1]))
        coefficients.append(values.tolist())
        extras.append(extra)
    attributions = torch.stack(rows).to(torch.get_default_dtype()).to(inputs.device)
    merged = {key: [e.get(key) for e in extras] for key in (extras[0] if extras else {})}
    return foxlike.Features(attributions, {"coefficients": coefficients, **merged})


class Lime(foxlike.Explainer):
    """LIME over tokens or words: a weighted linear surrogate of the scores with features removed.

    See :mod:`foxlike.toolkit.surrogates` for the kernel; ``removal`` is "pad" or "drop".
    """

    name = "nlp.lime"
    default_target = "nlp.argmax"  # refuses a language model's output, naming the nlp.llm_* explainers
    modality = "nlp"
    multi_target = True  # every perturbed sequence runs once, every target read from its output

    def calculate_features(self, model, inputs, target, n_samples: Count = 200, pad_id: int = 0,
                           special_ids: tuple | list = (), word_ids: list | None = None, removal: Removal = "pad",
                           kernel_width: NonNegative = 0.25, ridge: NonNegative = 0.0,
                           perturbations_per_eval: Count = 64, seed: int = 0):
        def fit(model, perturb, k, target, generator):
            return lime_values(model, perturb, k, target, n_samples, generator, kernel_width, ridge,
                               perturbations_per_eval), {}

        return explain_each(model, inputs, target, fit, pad_id, special_ids, word_ids, removal, seed)


class KernelShap(foxlike.Explainer):
    """Kernel SHAP over tokens or words, with paired coalitions (exact when there are few features).

    ``removal`` is "pad" or "drop"; ``paired=False`` draws independently.
    """

    name = "nlp.kernel_shap"
    default_target = "nlp.argmax"  # refuses a language model's output, naming the nlp.llm_* explainers
    modality = "nlp"
    multi_target = True

    def calculate_features(self, model, inputs, target, n_samples: Count = 256, pad_id: int = 0,
                           special_ids: tuple | list = (), word_ids: list | None = None, removal: Removal = "pad",
                           paired: bool = True, perturbations_per_eval: Count = 64, seed: int = 0):
        def fit(model, perturb, k, target, generator):
            values, exact = kernel_shap_values(model, perturb, k, target, n_samples, generator, paired,
                                               perturbations_per_eval)
            return values, {"exact": exact}

        return explain_each(model, inputs, target, fit, pad_id, special_ids, word_ids, removal, seed)
