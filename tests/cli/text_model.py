"""A text model of our own for ``foxlike explain MODEL sentences.txt``: it brings its own tokenizer.

``build()`` is the factory the command line imports (``tests.cli.text_model:build``). The model
averages word embeddings and classifies them, trained in the factory (a fraction of a second) on
sentences whose sentiment one word decides. Its ``tokenize`` returns bare input ids and its
``tokens`` names them: the smallest protocol the command line accepts (docs/cli.md).
"""
from __future__ import annotations

import torch

WORDS = ["<pad>", "<unk>", "the", "film", "was", "good", "great", "fine", "bad", "awful", "poor"]
POSITIVE, NEGATIVE = ("good", "great", "fine"), ("bad", "awful", "poor")
LABELS = ["negative", "positive"]


class WordAverage(torch.nn.Module):
    labels = LABELS

    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(len(WORDS), 4, padding_idx=0)
        self.classifier = torch.nn.Linear(4, 2)

    def forward(self, input_ids):
        return self.classifier(self.embedding(input_ids).mean(dim=1))

    @staticmethod
    def tokenize(sentences: list[str]) -> torch.Tensor:
        words = [s.lower().split() for s in sentences]
        length = max(map(len, words))
        return torch.tensor([[WORDS.index(w) if w in WORDS else 1 for w in ws] + [0] * (length - len(ws))
                             for ws in words])

    @staticmethod
    def tokens(ids: torch.Tensor) -> list[str]:
        return [WORDS[int(i)] for i in ids]


def build() -> WordAverage:
    torch.manual_seed(0)
    model = WordAverage()
    words = POSITIVE + NEGATIVE
    ids = model.tokenize([f"the film was {w}" for w in words])
    labels = torch.tensor([int(w in POSITIVE) for w in words])
    optimiser = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(100):
        optimiser.zero_grad()
        torch.nn.functional.cross_entropy(model(ids), labels).backward()
        optimiser.step()
    return model.eval()
