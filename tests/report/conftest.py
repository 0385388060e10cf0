"""Real runs to report on: the digits CNN explained by two explainers, and a tiny sentiment model."""
from __future__ import annotations

import contextlib

import pytest
import torch

import foxlike
from foxlike.runner.explain_inputs import explain_inputs


class GradientTimesInput(foxlike.Explainer):
    """Gradient of the target score times the input (a second explainer for side-by-side panels)."""

    name = "reporttest.gradient_x_input"
    modality = "cv"

    def calculate_features(self, model, inputs, target):
        from captum.attr import InputXGradient

        return InputXGradient(model).attribute(inputs, target=target,
                                               additional_forward_args=model.additional_forward_args)


class EmbeddingIntegratedGradients(foxlike.Explainer):
    """Integrated Gradients on a text model's embedding layer, one value per embedding dimension."""

    name = "reporttest.embedding_ig"
    modality = "nlp"

    def calculate_features(self, model, inputs, target, n_steps=32):
        from captum.attr import LayerIntegratedGradients

        return LayerIntegratedGradients(model, model.layer("embedding")).attribute(
            inputs, target=target, n_steps=n_steps, additional_forward_args=model.additional_forward_args)

    def expected_shape(self, inputs, params):
        return None


class ReportTestPlugin:
    @foxlike.hookimpl
    def register_explainers(self, register):
        register(GradientTimesInput)
        register(EmbeddingIntegratedGradients)


@contextlib.contextmanager
def report_plugin():
    """The explainers above, registered only while a run is made."""
    from foxlike import plugins

    name = plugins.register(ReportTestPlugin(), name="reporttest")
    try:
        yield
    finally:
        plugins.unregister(name)


WORDS = ["<pad>", "good", "great", "fine", "bad", "awful", "poor", "the", "film", "was", "<b>&amp;</b>"]
POSITIVE, NEGATIVE = {"good", "great", "fine"}, {"bad", "awful", "poor"}


class TinySentiment(torch.nn.Module):
    """Mean of word embeddings, then a linear layer: trained in-test on word-level sentiment."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.embedding = torch.nn.Embedding(len(WORDS), 4)
        self.classifier = torch.nn.Linear(4, 2)

    def forward(self, ids):
        return self.classifier(self.embedding(ids).mean(dim=1))

    @staticmethod
    def tokenize(sentences):
        tokens = [s.split() for s in sentences]
        length = max(map(len, tokens))
        ids = [[WORDS.index(t) if t in WORDS else 0 for t in ts] + [0] * (length - len(ts)) for ts in tokens]
        return torch.tensor(ids), tokens


@pytest.fixture(scope="session")
def sentiment():
    model = TinySentiment()
    sentences = [f"the film was {w}" for w in sorted(POSITIVE | NEGATIVE)]
    ids, _ = model.tokenize(sentences)
    labels = torch.tensor([int(w in POSITIVE) for w in sorted(POSITIVE | NEGATIVE)])
    optimiser = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(100):
        optimiser.zero_grad()
        torch.nn.functional.cross_entropy(model(ids), labels).backward()
        optimiser.step()
    assert bool((model(ids).argmax(dim=1) == labels).all())
    return model.eval()


@pytest.fixture(scope="session")
def digits_run(digits, tmp_path_factory):
    """Four held-out digits read from PNG files, one with a file name written to attack the page."""
    from PIL import Image

    from foxlike.cli.inputs import read_inputs

    folder = tmp_path_factory.mktemp("hostile_names")
    names = ['<img src=x onerror="document.title=1">.png', "plain.png", "a&b.png", "'quote'.png"]
    for name, image in zip(names, digits.test_images[:4]):
        Image.fromarray((image[0] * 255).round().to(torch.uint8).numpy(), mode="L").save(folder / name)
    inputs = read_inputs([str(folder)], channels=1)
    explainers = {"cv.integrated_gradients": {"n_steps": 64}, "reporttest.gradient_x_input": {}}
    labels = ["<script>alert('zero')</script>"] + [str(d) for d in range(1, 10)]
    with report_plugin():
        return explain_inputs(digits.model, inputs, explainers, quiet=True, title="digits <run>",
                              model_name="digits", labels=labels)


@pytest.fixture(scope="session")
def sentiment_run(sentiment, tmp_path_factory):
    """Sentences from a text file, tokenized by the model's own ``tokenize``."""
    from foxlike.cli.inputs import read_inputs
    from foxlike.cli.loading import load_tokenizer

    path = tmp_path_factory.mktemp("sentences") / "sentences.txt"
    path.write_text("the film was great\n\nthe film was awful <b>&amp;</b>\n")
    inputs = read_inputs([str(path)], tokenizer=load_tokenizer("", sentiment))
    with report_plugin():
        return explain_inputs(sentiment, inputs, {"reporttest.embedding_ig": {}}, quiet=True, title="sentiment",
                              model_name="tiny", labels=["negative", "positive"])
