"""nlp.lime and nlp.kernel_shap over tokens and words, against exact answers."""
import pytest
import torch
from torch import nn

import foxlike


class BagOfWords(nn.Module):
    """Score = sum of a weight per token id (pad has weight 0): Shapley values are the weights themselves."""

    def __init__(self, vocabulary=20):
        super().__init__()
        torch.manual_seed(0)
        self.weights = nn.Embedding(vocabulary, 2, padding_idx=0)

    def forward(self, ids, attention_mask=None):
        embedded = self.weights(ids)
        if attention_mask is not None:
            embedded = embedded * attention_mask.unsqueeze(-1)
        return embedded.sum(dim=1)


IDS = torch.tensor([[1, 4, 5, 6, 2, 0], [1, 7, 7, 2, 0, 0]])
SPECIAL = (1, 2)


@pytest.mark.parametrize("name", ["nlp.lime", "nlp.kernel_shap"])
@pytest.mark.parametrize("removal", ["pad", "drop"])
def test_token_values_on_a_bag_of_words_are_the_token_weights(name, removal):
    model = BagOfWords()
    params = {"special_ids": SPECIAL, "removal": removal, "n_samples": 64}
    with foxlike.explain(model, {name: params}, target=1) as xai_model:
        _, explanations = xai_model(IDS, attention_mask=(IDS != 0).long())
    result = explanations[name]
    expected = model.weights.weight.detach()[IDS, 1]
    expected[torch.isin(IDS, torch.tensor([0, *SPECIAL]))] = 0  # special tokens and padding are never removed
    torch.testing.assert_close(result.attributions, expected, rtol=1e-4, atol=1e-5)
    assert [len(c) for c in result.extras["coefficients"]] == [3, 2]


@pytest.mark.parametrize("name", ["nlp.lime", "nlp.kernel_shap"])
def test_words_group_their_tokens(name):
    model = BagOfWords()
    word_ids = [[None, 0, 0, 1, None, None], [None, 0, 1, None, None, None]]
    params = {"special_ids": SPECIAL, "word_ids": word_ids}
    with foxlike.explain(model, {name: params}, target=0) as xai_model:
        _, explanations = xai_model(IDS)
    result = explanations[name]
    w = model.weights.weight.detach()[:, 0]
    first_word = float(w[4] + w[5])
    assert result.extras["coefficients"][0] == pytest.approx([first_word, float(w[6])], abs=1e-5)
    assert result.extras["coefficients"][1] == pytest.approx([float(w[7]), float(w[7])], abs=1e-5)
    # The word's value is shared by its two tokens in the token-level map.
    assert result.attributions[0, 1] == pytest.approx(first_word / 2, abs=1e-5)


def test_drop_closes_up_the_sequence_and_its_mask():
    from foxlike_nlp.perturbation import feature_index, perturbed

    ids = torch.tensor([1, 4, 5, 6, 2])
    index, k = feature_index(ids, 0, SPECIAL)
    mask = torch.ones(1, 5, dtype=torch.long)
    dropped, (new_mask,) = perturbed(ids, (mask,), index, torch.tensor([[1, 0, 1]]), "drop", 0)
    assert dropped.tolist() == [[1, 4, 6, 2, 0]] and new_mask.tolist() == [[1, 1, 1, 1, 0]]


def test_kernel_shap_on_the_real_sentiment_model_agrees_with_ig_in_sign(sentiment):
    ids, mask = sentiment.tokenizer(["a brilliant and moving film", "a dull , tedious mess"])
    with foxlike.explain(sentiment.model, ["nlp.integrated_gradients", "nlp.kernel_shap"], target=1) as xai_model:
        _, explanations = xai_model(ids, attention_mask=mask)
    ig, shap = (explanations[n].attributions for n in ("nlp.integrated_gradients", "nlp.kernel_shap"))
    strong = ig.abs() > 0.5
    assert strong.any() and torch.equal(ig[strong].sign(), shap[strong].sign())


@pytest.mark.parametrize("name", ["nlp.lime", "nlp.kernel_shap"])
def test_perturbations_go_through_the_model_in_batches_of_the_size_asked(name):
    model = BagOfWords()
    sizes = []
    handle = model.register_forward_pre_hook(lambda _, args: sizes.append(args[0].shape[0]))
    results = []
    try:
        for per_eval in (7, 64):
            sizes.clear()
            with foxlike.explain(model, {name: {"special_ids": SPECIAL, "perturbations_per_eval": per_eval,
                                                "n_samples": 40}}, target=1) as xai_model:
                _, explanations = xai_model(IDS)
            assert sizes[0] == len(IDS)  # the user's own call, then the perturbed batches
            assert max(sizes[1:]) <= per_eval and (per_eval in sizes[1:]) == (per_eval == 7)
            results.append(explanations[name].attributions)
    finally:
        handle.remove()
    torch.testing.assert_close(results[0], results[1])


@pytest.mark.parametrize("name", ["nlp.lime", "nlp.kernel_shap"])
def test_both_classes_of_the_sentiment_model_are_explained_from_one_run_of_each_perturbation(sentiment, name):
    ids, mask = sentiment.tokenizer(["a warm and funny film", "dull and far too long"])
    with foxlike.explain(sentiment.model, {name: {"n_samples": 64}}, target="all") as xai_model:
        _, together = xai_model(ids, attention_mask=mask)
    for t in (0, 1):
        with foxlike.explain(sentiment.model, {name: {"n_samples": 64}}, target=t) as xai_model:
            _, alone = xai_model(ids, attention_mask=mask)
        torch.testing.assert_close(together[name].attributions[:, t], alone[name].attributions)
    assert together[name].attributions.shape == (2, 2, ids.shape[1])
