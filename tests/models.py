"""Small models with behaviour the tests rely on (no training needed)."""
import torch
from torch import nn


class Quadratic(nn.Module):
    """Class k scores sum(w_k * x**2): Integrated Gradients from b is w_k * (x**2 - b**2) exactly."""

    def __init__(self, features: int = 12, classes: int = 3, seed: int = 0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.weight = nn.Parameter(torch.randn(classes, features, generator=generator))

    def forward(self, x):
        return (x.flatten(1) ** 2) @ self.weight.T


class CountingModel(nn.Module):
    """A linear classifier that counts its forward calls and which tensors it saw."""

    def __init__(self, features: int = 12, classes: int = 4):
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(features, classes)
        self.dropout = nn.Dropout(0.5)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return self.linear(self.dropout(x.flatten(1)))


class MaskedModel(nn.Module):
    """Takes a keyword mask that zeroes features: the mask must reach every forward call."""

    def __init__(self, features: int = 6, classes: int = 3):
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(features, classes)

    def forward(self, x, *, mask):
        return self.linear(x * mask)
