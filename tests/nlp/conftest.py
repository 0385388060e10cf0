import pytest
import torch


@pytest.fixture(scope="session")
def sentiment():
    """A sentiment model trained on real Rotten Tomatoes reviews (seconds; no download)."""
    from foxlike.demo.sentiment import train_sentiment_model

    trained = train_sentiment_model()
    assert trained.accuracy > 0.70
    return trained


@pytest.fixture
def tiny_bert():
    """A two-layer BertForSequenceClassification built from a config (random weights, no download).

    Its weights are drawn ten times wider than BERT's default, so tokens move the logits visibly.
    """
    transformers = pytest.importorskip("transformers")

    def build(vocab_size=40):
        config = transformers.BertConfig(vocab_size=vocab_size, hidden_size=16, num_hidden_layers=2,
                                         num_attention_heads=2, intermediate_size=32, max_position_embeddings=16,
                                         num_labels=2, initializer_range=0.2)
        torch.manual_seed(0)
        return transformers.BertForSequenceClassification(config).eval()

    return build


@pytest.fixture(scope="session")
def review_lm():
    """A two-layer GPT-2 (transformers) trained here on the review snippets, with its word-level tokenizer."""
    pytest.importorskip("transformers")
    from foxlike.demo.language_model import train_review_language_model

    trained = train_review_language_model()
    assert trained.loss < trained.unigram_loss - 0.3  # it learnt more than word frequencies
    return trained
