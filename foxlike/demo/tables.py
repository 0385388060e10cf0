"""Small MLPs trained in seconds on tables that ship with scikit-learn: breast cancer, wine and diabetes.

Real data, real training, no download: the models the tabular tests, the
demo and the benchmark explain. Columns are standardised with the training
rows' mean and deviation, so a background of training rows is centred. The
``*_model`` factories are the same models for the command line, taking the
table's raw columns by name (``foxlike explain foxlike.demo.tables:wine_model
rows.csv``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn


@dataclass
class Table:
    model: nn.Module
    train: torch.Tensor
    test: torch.Tensor
    test_targets: torch.Tensor
    feature_names: list[str]
    #: the training rows' column means and deviations the model's inputs are standardised with
    mean: torch.Tensor
    std: torch.Tensor
    labels: list[str]

    def frame(self, rows: torch.Tensor):
        """``rows`` as a pandas DataFrame with the table's column names."""
        import pandas

        return pandas.DataFrame(rows.numpy(), columns=self.feature_names)


def _mlp(width: int, outputs: int) -> nn.Module:
    return nn.Sequential(nn.Linear(width, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, outputs))


def _train(model, x, y, loss, epochs: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    for _ in range(epochs):
        for rows in torch.randperm(len(x), generator=generator).split(64):
            optimiser.zero_grad()
            loss(model(x[rows]), y[rows]).backward()
            optimiser.step()
    return model.eval()


def _split(data, seed: int):
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(data.data, data.target, test_size=0.25, random_state=seed)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-8
    as_tensor = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    return (as_tensor((x_train - mean) / std), as_tensor((x_test - mean) / std), y_train, y_test, as_tensor(mean),
            as_tensor(std))


class Standardise(nn.Module):
    """Raw columns to the standardised ones a table's MLP was trained on."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean.clone())
        self.register_buffer("std", std.clone())

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        return (rows - self.mean) / self.std


def on_raw_columns(table: Table) -> nn.Module:
    """A copy of ``table``'s model that takes the raw columns, with the ``feature_names`` (the columns it takes,
    in order) and ``labels`` the command line reads from a model."""
    import copy

    model = nn.Sequential(Standardise(table.mean, table.std), copy.deepcopy(table.model)).eval()
    model.feature_names, model.labels = list(table.feature_names), list(table.labels)
    return model


def _classifier(data, seed: int, epochs: int) -> Table:
    x_train, x_test, y_train, y_test, mean, std = _split(data, seed)
    torch.manual_seed(seed)
    classes = len(data.target_names)
    model = _train(_mlp(x_train.shape[1], classes), x_train, torch.tensor(y_train), nn.CrossEntropyLoss(), epochs,
                   seed)
    return Table(model, x_train, x_test, torch.tensor(y_test), [str(n) for n in data.feature_names], mean, std,
                 [str(n) for n in data.target_names])


@lru_cache(maxsize=None)
def breast_cancer(seed: int = 0) -> Table:
    """A two-class MLP (logits) on the 30 columns of breast cancer; about 95% test accuracy."""
    from sklearn.datasets import load_breast_cancer

    return _classifier(load_breast_cancer(), seed, epochs=15)


@lru_cache(maxsize=None)
def wine(seed: int = 0) -> Table:
    """A three-class MLP (logits) on the 13 columns of wine (three cultivars); 45 of the 45 test rows right."""
    from sklearn.datasets import load_wine

    return _classifier(load_wine(), seed, epochs=30)


@lru_cache(maxsize=None)
def diabetes(seed: int = 0) -> Table:
    """A regression MLP, one output per sample ``(N, 1)``, on the 10 columns of diabetes (target standardised:
    test MSE about 0.55)."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    x_train, x_test, y_train, y_test, mean, std = _split(data, seed)
    target_mean, target_std = y_train.mean(), y_train.std()
    torch.manual_seed(seed)
    target = torch.tensor((y_train - target_mean) / target_std, dtype=torch.float32)[:, None]
    model = _train(_mlp(x_train.shape[1], 1), x_train, target, nn.MSELoss(), 8, seed)
    return Table(model, x_train, x_test, torch.tensor((y_test - target_mean) / target_std, dtype=torch.float32),
                 [str(n) for n in data.feature_names], mean, std, ["disease progression (standardised)"])


def breast_cancer_model() -> nn.Module:
    return on_raw_columns(breast_cancer())


def wine_model() -> nn.Module:
    return on_raw_columns(wine())


def diabetes_model() -> nn.Module:
    return on_raw_columns(diabetes())
