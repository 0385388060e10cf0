"""Sentences through the command line: the model brings its own tokenizer."""
from __future__ import annotations

import re

import pytest
import torch

from foxlike import InputError
from foxlike.runner.inputs import tokenize_sentences
from foxlike.report import read_attributions, read_summary
from tests.cli.text_model import build


def test_text_file_explained_with_the_models_own_tokenizer(cli, tmp_path):
    sentences = ["the film was great", "the film was awful", "<b>bad</b> & good"]
    (tmp_path / "reviews.txt").write_text("\n".join(sentences) + "\n")

    result = cli("explain", "--model", "tests.cli.text_model:build", "reviews.txt", "-e", "nlp.integrated_gradients",
                 "--out", "report", "--quiet", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    summary = read_summary(tmp_path / "report" / "summary.json")
    arrays = read_attributions(tmp_path / "report" / "attributions.npz")
    model = build()
    with torch.no_grad():
        expected = model(model.tokenize(sentences)).argmax(dim=1).tolist()
    assert expected[:2] == [1, 0]  # the factory's model learnt the task
    assert [s["name"] for s in summary["samples"]] == sentences
    assert [s["prediction"] for s in summary["samples"]] == expected
    assert [s["prediction_label"] for s in summary["samples"]][:2] == ["1 (positive)", "0 (negative)"]
    assert arrays["inputs"].tolist() == model.tokenize(sentences).tolist()
    assert arrays["nlp.integrated_gradients"].shape[:2] == (3, 4)
    page = (tmp_path / "report" / "index.html").read_text()
    assert page.count(">great</span>") == 1 and page.count(">awful</span>") == 1
    assert "<b>bad</b>" not in page and "&lt;b&gt;bad&lt;/b&gt; &amp; good" in page


def test_a_tokenizer_returning_ids_and_mask_gives_the_mask_to_the_model():
    from foxlike.demo.sentiment import WordTokenizer

    tokenizer = WordTokenizer(["a fine film", "a poor film", "fine"], min_count=1)

    inputs = tokenize_sentences(tokenizer, ["a fine film", "poor"])

    assert inputs.tensor.shape == (2, 3)
    assert inputs.forward_kwargs["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert inputs.tokens == [["a", "fine", "film"], ["poor"]]


def test_bare_ids_without_token_names_are_shown_as_ids():
    inputs = tokenize_sentences(lambda sentences: torch.tensor([[2, 3], [4, 0]]), ["x y", "z"])

    assert inputs.tokens == [["2", "3"], ["4", "0"]] and inputs.forward_kwargs == {}


@pytest.mark.parametrize("returned, problem", [
    ([[2, 3]], "a list"),
    (torch.tensor([2.0, 3.0]), "a Tensor of shape (2,)"),
    (torch.tensor([[2, 3]]), "a Tensor of shape (1, 2) for 2 sentences"),
])
def test_a_tokenizer_returning_something_else_is_named(returned, problem):
    with pytest.raises(InputError, match=re.escape(f"The tokenizer returned {problem}") + r".*must return \(N, L\) integer"):
        tokenize_sentences(lambda sentences: returned, ["x y", "z"])



def test_the_attention_mask_reaches_the_model_in_every_batch_of_a_run():
    from foxlike.runner.explain_inputs import explain_inputs
    from foxlike.demo.sentiment import MeanPooledClassifier, WordTokenizer

    tokenizer = WordTokenizer(["a fine film", "a poor film", "fine"], min_count=1)
    inputs = tokenize_sentences(tokenizer, ["a fine film", "poor", "fine film", "a poor", "film"])
    torch.manual_seed(0)
    model = MeanPooledClassifier(50, dimension=4).eval()

    run = explain_inputs(model, inputs, {"nlp.integrated_gradients": {}}, batch_size=2, quiet=True)

    with torch.no_grad():
        masked = model(inputs.tensor, attention_mask=inputs.forward_kwargs["attention_mask"])
        unmasked = model(inputs.tensor)
    assert [s.score for s in run.samples] == pytest.approx(masked.max(dim=1).values.tolist(), abs=1e-6)
    assert not torch.allclose(masked, unmasked)  # the mask changes the answer, so a lost mask would show
    assert all(s.explanations["nlp.integrated_gradients"].passed for s in run.samples)
