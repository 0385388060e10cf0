"""Small image models with known structure for the CV tests."""
import torch
from torch import nn
from torch.nn import functional as F


class LinearImage(nn.Module):
    """Scores are linear in the pixels: every attribution method has a closed form on it."""

    def __init__(self, shape=(1, 6, 6), classes=3, seed=0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.weight = nn.Parameter(torch.randn(classes, *shape, generator=generator))

    def forward(self, x):
        return torch.einsum("nchw,kchw->nk", x, self.weight)


class ReversedRegistration(nn.Module):
    """Registers its convolutions in the reverse of the order they run."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.runs_last = nn.Conv2d(4, 4, 3, padding=1)
        self.runs_first = nn.Conv2d(1, 4, 3, padding=1)
        self.relu_first, self.relu_last = nn.ReLU(), nn.ReLU()
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        x = self.relu_last(self.runs_last(self.relu_first(self.runs_first(x))))
        return self.head(x.mean(dim=(2, 3)))


class FunctionalReLU(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).flatten(1))


class ReusedReLU(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc1, self.fc2 = nn.Linear(4 * 6 * 6, 16), nn.Linear(16, 3)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.relu(self.conv(x)).flatten(1))))


class ModuleReLU(nn.Module):
    """Conv, ReLU and Linear modules, each used once, flattened in forward: LRP has a rule for each."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 4, 3)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x):
        return self.fc(self.relu(self.conv(x)).flatten(1))


class NoConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 3)

    def forward(self, x):
        return self.fc(x.flatten(1))
