"""A small CNN trained in seconds on scikit-learn's bundled 8x8 digits.

Real data, real training, no download: the model the tests, the demo and the
benchmarks explain when they need a real image classifier.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


@dataclass
class Digits:
    model: DigitsCNN
    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor

    def accuracy(self) -> float:
        with torch.no_grad():
            predicted = self.model(self.test_images).argmax(dim=1)
        return float((predicted == self.test_labels).float().mean())


def load_digits_tensors() -> tuple[torch.Tensor, torch.Tensor]:
    """The 1,797 digits as (N, 1, 8, 8) floats in [0, 1] and their labels."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = torch.tensor(data.images, dtype=torch.float32).unsqueeze(1) / 16.0
    return images, torch.tensor(data.target, dtype=torch.long)


def train_digits_cnn(epochs: int = 12, seed: int = 0) -> Digits:
    """Train :class:`DigitsCNN` on 80% of the digits; the rest is held out."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    images, labels = load_digits_tensors()
    order = torch.randperm(len(images), generator=generator)
    split = int(0.8 * len(images))
    train, test = order[:split], order[split:]
    model = DigitsCNN()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(epochs):
        for batch in torch.randperm(split, generator=generator).split(64):
            index = train[batch]
            optimiser.zero_grad()
            nn.functional.cross_entropy(model(images[index]), labels[index]).backward()
            optimiser.step()
    model.eval()
    return Digits(model, images[train], labels[train], images[test], labels[test])
