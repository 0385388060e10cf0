"""Explaining what a causal language model generates: a GPT-2 trained on the review snippets, its prompts
attributed per generated token."""
import pytest
import torch

import foxlike
from foxlike_nlp import continuation, template_prompt

PROMPTS = ["the acting was", "this movie is"]
LONG_PROMPTS = ["the story is told with a lot of heart and the acting is", "it is a film that makes you want to see",
                "the best part of this movie is the way it shows how", "a funny , smart and moving story about the"]


def log_probs(model, prompt, continuation_ids):
    """Each continuation token's log-probability after the prompt, by hand (teacher forcing)."""
    full = torch.cat([prompt, continuation_ids], dim=1)
    with torch.no_grad():
        logits = model(full).logits[:, prompt.shape[1] - 1:-1].log_softmax(-1)
    return logits.gather(-1, continuation_ids[..., None]).squeeze(-1)


def explain(lm, prompts, explainer, target=None, **params):
    with foxlike.explain(lm.model, explainers={explainer: params}, target=target) as xai_model:
        _, explanations = xai_model(prompts)
    return explanations[explainer]


def test_the_greedy_continuation_is_the_default_target(review_lm):
    prompts = review_lm.encode(PROMPTS)
    result = explain(review_lm, prompts, "nlp.llm_feature_ablation")
    generated = review_lm.greedy(prompts, 5)  # Hugging Face's generate, which stops at [EOS] and pads after it
    ended = torch.cumsum(torch.cumsum((generated == 2).long(), 1), 1) > 1  # the padding after the first [EOS]
    assert generated.shape[1] >= 2 and torch.equal(result.target.ids[:, :generated.shape[1]][~ended],
                                                   generated[~ended])
    assert result.target.greedy and "continuation" in result.target_source
    assert result.attributions.shape == (2, 5, 3)  # (prompts, generated tokens, prompt tokens)


def test_feature_ablation_is_the_drop_in_each_generated_tokens_log_probability(review_lm):
    prompts = review_lm.encode(PROMPTS)
    result = explain(review_lm, prompts, "nlp.llm_feature_ablation",
                     target=continuation("the film is", tokenizer=review_lm.tokenizer))
    given = torch.tensor(review_lm.tokenizer.encode("the film is")).expand(2, -1)
    assert torch.equal(result.target.ids, given)
    ablated = prompts.clone()
    ablated[:, 1] = 0  # the second prompt token replaced by padding
    expected = log_probs(review_lm.model, prompts, given) - log_probs(review_lm.model, ablated, given)
    torch.testing.assert_close(result.attributions[:, :, 1], expected, atol=1e-5, rtol=1e-4)


def test_integrated_gradients_is_complete_for_every_generated_token(review_lm):
    prompts = review_lm.encode(PROMPTS)
    result = explain(review_lm, prompts, "nlp.llm_integrated_gradients", target="continuation:4")
    completeness = [c for c in result.checks if c.name == "completeness"]
    assert sorted(c.target for c in completeness) == [0, 1, 2, 3] and all(c.passed for c in completeness)
    reference = torch.zeros_like(prompts)
    ids = result.target.ids
    delta = log_probs(review_lm.model, prompts, ids) - log_probs(review_lm.model, reference, ids)
    torch.testing.assert_close(result.attributions.sum(-1), delta, rtol=0.02, atol=1e-3)


def test_ablating_the_top_ranked_prompt_tokens_moves_the_continuation_more_than_random_ones(review_lm):
    model, generator = review_lm.model, torch.Generator().manual_seed(0)
    top_changes, random_changes = [], []
    for text in LONG_PROMPTS:
        prompt = review_lm.encode([text])
        result = explain(review_lm, prompt, "nlp.llm_integrated_gradients", target="continuation:3")
        ids = result.target.ids
        full = log_probs(model, prompt, ids).sum()
        ranked = result.attributions[0].sum(0).argsort(descending=True)

        def change(positions):
            ablated = prompt.clone()
            ablated[0, positions] = 0
            return float(full - log_probs(model, ablated, ids).sum())

        top_changes.append(change(ranked[:3]))
        random_changes += [change(torch.randperm(prompt.shape[1], generator=generator)[:3]) for _ in range(10)]
    assert sum(top_changes) / len(top_changes) > 2 * sum(random_changes) / len(random_changes)


def test_kernel_shap_over_a_templates_spans(review_lm):
    prompt, segments = template_prompt("{review} in short , it is {verdict}", review_lm.tokenizer,
                                       review="the acting was great", verdict="a good film")
    assert segments[:4] == ["review"] * 4 and segments[4:9] == [None] * 5 and segments[9:] == ["verdict"] * 3
    result = explain(review_lm, prompt, "nlp.llm_kernel_shap", segments=[segments], target="continuation:2")
    assert result.extras["segments"] == [["review", "verdict"]] and result.extras["exact"] == [True]
    coefficients = torch.tensor(result.extras["coefficients"][0])  # (generated tokens, spans)
    review_part = result.attributions[0][:, :4]
    torch.testing.assert_close(review_part, (coefficients[:, :1] / 4).expand(-1, 4).float())
    assert (result.attributions[0][:, 4:9] == 0).all()  # the template's own words are never switched off
    # two spans, every coalition used: the values add up to all-in less all-out
    empty = prompt.masked_fill(torch.tensor([s is not None for s in segments]), 0)
    ids = result.target.ids
    delta = log_probs(review_lm.model, prompt, ids) - log_probs(review_lm.model, empty, ids)
    torch.testing.assert_close(coefficients.sum(-1).float(), delta[0], atol=1e-4, rtol=1e-4)


def test_a_language_model_explainer_on_a_classifier_names_the_classifier_explainers(sentiment):
    ids, _ = sentiment.tokenizer(["a fine film"])
    with pytest.raises(foxlike.TargetError, match="classifier.*nlp.integrated_gradients"):
        with foxlike.explain(sentiment.model, explainers=["nlp.llm_feature_ablation"]) as xai_model:
            xai_model(ids)
    with pytest.raises(foxlike.ParameterError, match="class indices.*nlp.kernel_shap"):
        with foxlike.explain(sentiment.model, explainers=["nlp.llm_kernel_shap"], target=1) as xai_model:
            xai_model(ids)


def test_a_classifier_explainer_on_a_language_model_names_the_language_model_explainers(review_lm):
    with pytest.raises(foxlike.TargetError, match="language model.*nlp.llm_integrated_gradients"):
        with foxlike.explain(review_lm.model, explainers=["nlp.integrated_gradients"]) as xai_model:
            xai_model(review_lm.encode(PROMPTS))


def test_a_prompt_with_an_attention_mask_is_refused_with_the_way_out(review_lm):
    prompts = review_lm.encode(PROMPTS)
    with pytest.raises(foxlike.TargetError, match="one length together, without a mask"):
        with foxlike.explain(review_lm.model, explainers=["nlp.llm_feature_ablation"]) as xai_model:
            xai_model(prompts, attention_mask=torch.ones_like(prompts))
