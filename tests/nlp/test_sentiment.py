"""The real sentiment model, its explanations, and how they are shown."""
import torch

import foxlike
from foxlike_nlp import render, tokens


def test_brilliant_and_dull_pull_in_opposite_directions(sentiment):
    ids, mask = sentiment.tokenizer(["a brilliant film", "a dull film"])
    with foxlike.explain(sentiment.model, ["nlp.integrated_gradients"], target=1) as xai_model:
        _, explanations = xai_model(ids, attention_mask=mask)
    scores = explanations["nlp.integrated_gradients"].attributions
    words = [sentiment.tokenizer.tokens(row) for row in ids]
    assert words[0][1] == "brilliant" and words[1][1] == "dull"
    assert scores[0, 1] > 0 > scores[1, 1]
    assert explanations["nlp.integrated_gradients"].passed


def test_scores_align_with_tokens_and_sum_into_words():
    pairs = tokens.aligned(["[CLS]", "un", "##believ", "##able", "!"], torch.tensor([0.0, 0.5, 0.25, 0.25, -1.0]))
    assert pairs[1] == ("un", 0.5)
    merged = tokens.words(["[CLS]", "un", "##believ", "##able", "!"], [0.0, 0.5, 0.25, 0.25, -1.0],
                          [None, 0, 0, 0, 1])
    assert merged == [("unbelievable", 1.0), ("!", -1.0)]


def test_html_escapes_every_token_and_terminal_text_is_coloured():
    pairs = [("<script>alert(1)</script>", 1.0), ("&", -0.5)]
    page = render.to_html(pairs)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp;" in page
    assert "rgba(220,40,40,1.00)" in page and "rgba(40,80,220,0.50)" in page  # for the target red, against blue
    text = render.to_terminal(pairs)
    assert "\x1b[48;5;196m" in text and "\x1b[48;5;117m" in text and "<script>alert(1)</script>" in text
