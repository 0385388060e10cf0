"""A Hugging Face BERT (built from a config) through every nlp explainer, with its attention mask."""
import functools
import itertools
import math

import pytest
import torch

import foxlike
from foxlike_nlp import tokens

CLS, SEP = 2, 3
NLP_EXPLAINERS = ("nlp.integrated_gradients", "nlp.lime", "nlp.kernel_shap")


def recorded_masks(model):
    """Every attention_mask the model's forward receives, in call order (a hook to remove afterwards)."""
    seen = []
    handle = model.register_forward_pre_hook(lambda _, args, kwargs: seen.append(kwargs.get("attention_mask")),
                                             with_kwargs=True)
    return seen, handle


def test_attention_masks_reach_every_interpolation_step(tiny_bert):
    model = tiny_bert()
    ids = torch.tensor([[CLS, 5, 9, 11, SEP, 0, 0], [CLS, 7, SEP, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    params = {"special_ids": (CLS, SEP), "n_steps": 8, "internal_batch_size": 4}  # 2 steps of 2 rows per forward
    seen, handle = recorded_masks(model)
    try:
        with foxlike.explain(model, {"nlp.integrated_gradients": params}, target=1, rtol=0.05) as xai_model:
            output, explanations = xai_model(ids, attention_mask=mask)
    finally:
        handle.remove()
    torch.testing.assert_close(output.logits, model(ids, attention_mask=mask).logits)
    interpolation_calls = [m for m in seen if m is not None and m.shape[0] == 4]
    assert len(interpolation_calls) >= 8 // 2  # Captum ran the steps in chunks...
    for m in seen:  # ...and every forward, chunk or not, got the mask rows of its samples
        assert m is not None and m.shape[0] % 2 == 0 and torch.equal(m, mask.repeat(m.shape[0] // 2, 1))
    assert explanations["nlp.integrated_gradients"].passed


def test_words_under_a_zero_mask_get_exactly_zero(tiny_bert):
    """Real words (not padding) stand where the mask is 0: only a mask that reaches every step silences them."""
    model = tiny_bert()
    ids = torch.tensor([[CLS, 5, 9, 11, SEP, 17, 18], [CLS, 7, SEP, 21, 22, 23, 24]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0, 0]])
    params = {"special_ids": (CLS, SEP), "n_steps": 64}
    with foxlike.explain(model, {"nlp.integrated_gradients": params}, target=1, rtol=0.05) as xai_model:
        _, explanations = xai_model(ids, attention_mask=mask)
    result = explanations["nlp.integrated_gradients"]
    assert result.attributions.shape == ids.shape
    assert (result.attributions[mask == 0] == 0).all()
    words = (mask == 1) & ~torch.isin(ids, torch.tensor([CLS, SEP]))
    assert (result.attributions[words].abs() > 1e-4).all()
    assert (result.attributions[torch.isin(ids, torch.tensor([CLS, SEP]))] == 0).all()  # kept in the reference
    assert result.extras["embedding_layer"] == "bert.embeddings.word_embeddings"
    torch.testing.assert_close(result.extras["embedding_attributions"].sum(-1), result.attributions)
    assert result.passed
    # The same words, unmasked, do move the prediction.
    with foxlike.explain(model, {"nlp.integrated_gradients": params}, target=1, rtol=0.05) as xai_model:
        _, explanations = xai_model(ids, attention_mask=torch.ones_like(mask))
    assert (explanations["nlp.integrated_gradients"].attributions[mask == 0].abs() > 1e-4).all()


@pytest.mark.parametrize("removal", ["pad", "drop"])
def test_every_nlp_explainer_runs_on_bert_with_its_mask(tiny_bert, removal):
    model = tiny_bert()
    ids = torch.tensor([[CLS, 5, 9, 11, SEP, 0, 0], [CLS, 7, 8, SEP, 0, 0, 0]])
    mask = (ids != 0).long()
    shared = {"special_ids": (CLS, SEP)}
    explainers = {"nlp.integrated_gradients": {**shared, "n_steps": 64},
                  "nlp.lime": {**shared, "removal": removal, "n_samples": 50, "perturbations_per_eval": 16},
                  "nlp.kernel_shap": {**shared, "removal": removal, "perturbations_per_eval": 4}}
    with foxlike.explain(model, explainers, target=1, rtol=0.05) as xai_model:
        _, explanations = xai_model(ids, attention_mask=mask)
    assert sorted(explanations) == sorted(NLP_EXPLAINERS)
    for name in NLP_EXPLAINERS:
        result = explanations[name]
        assert result.error is None and result.attributions.shape == ids.shape, name
        assert (result.attributions[mask == 0] == 0).all() and (result.attributions[:, 0] == 0).all(), name

    # Kernel SHAP with 3 and 2 features enumerates every coalition: its values sum to F(x) - F(all removed).
    shap = explanations["nlp.kernel_shap"]
    assert shap.extras["exact"] == [True, True]
    everything_removed = {"pad": (torch.tensor([[CLS, 0, 0, 0, SEP, 0, 0], [CLS, 0, 0, SEP, 0, 0, 0]]), mask),
                          "drop": (torch.tensor([[CLS, SEP, 0, 0, 0, 0, 0]] * 2), torch.tensor([[1, 1, 0, 0, 0, 0, 0]] * 2))}
    empty_ids, empty_mask = everything_removed[removal]
    with torch.no_grad():
        full = model(ids, attention_mask=mask).logits[:, 1]
        empty = model(empty_ids, attention_mask=empty_mask).logits[:, 1]
    torch.testing.assert_close(shap.attributions.sum(1), full - empty, rtol=1e-4, atol=1e-5)


WORDPIECE = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "film", "was", "un", "##believ", "##able", "!"]


def test_word_level_shapley_values_of_a_wordpiece_sentence_match_an_enumeration(tiny_bert):
    """Words dropped by Kernel SHAP equal the sentence re-tokenized without them; values are exact Shapley values."""
    transformers = pytest.importorskip("transformers")
    tokenizer = transformers.BertTokenizerFast(vocab={piece: i for i, piece in enumerate(WORDPIECE)})
    model = tiny_bert(vocab_size=len(WORDPIECE))
    sentence = ["the", "film", "was", "unbelievable", "!"]

    def encode(words):
        return tokenizer([" ".join(words)], padding="max_length", max_length=10, return_tensors="pt")

    encoding = encode(sentence)
    pieces = tokenizer.convert_ids_to_tokens(encoding["input_ids"][0])
    assert pieces[4:7] == ["un", "##believ", "##able"]  # a word of three sub-word tokens
    params = {"special_ids": (CLS, SEP), "word_ids": [encoding.word_ids(0)], "removal": "drop"}
    with foxlike.explain(model, {"nlp.kernel_shap": params}, target=1) as xai_model:
        _, explanations = xai_model(encoding["input_ids"], attention_mask=encoding["attention_mask"])
    result = explanations["nlp.kernel_shap"]

    @functools.cache
    def value(kept):
        kept_encoding = encode([w for i, w in enumerate(sentence) if i in kept])
        with torch.no_grad():
            return float(model(kept_encoding["input_ids"], attention_mask=kept_encoding["attention_mask"]).logits[0, 1])

    n = len(sentence)
    shapley = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        shapley.append(sum(math.factorial(len(s)) * math.factorial(n - len(s) - 1) / math.factorial(n)
                           * (value(frozenset({*s, i})) - value(frozenset(s)))
                           for size in range(n) for s in itertools.combinations(others, size)))
    assert result.extras["coefficients"][0] == pytest.approx(shapley, abs=1e-5)
    # The token map shares each word's value among its pieces; summing the pieces gives the words back.
    words = tokens.words(pieces, result.attributions[0], encoding.word_ids(0))
    assert [w for w, _ in words] == sentence
    assert [s for _, s in words] == pytest.approx(shapley, abs=1e-5)
