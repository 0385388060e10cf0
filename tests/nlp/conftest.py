import pytest


@pytest.fixture(scope="session")
def sentiment():
    """A sentiment model trained on real Rotten Tomatoes reviews (seconds; no download)."""
    from foxlike_nlp.sentiment import train_sentiment_model

    trained = train_sentiment_model()
    assert trained.accuracy > 0.70
    return trained
