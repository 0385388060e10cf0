"""Building blocks for perturbation explainers (LIME, Kernel SHAP), whatever the modality.

A perturbation explainer switches features on and off (a coalition is a 0/1
row over the features), asks the model for its score on each perturbed
input, and fits a surrogate to those scores. How features are switched off
is the modality's business (superpixels set to a reference value, tokens
replaced by padding); the sampling of coalitions and the fits are the same
for all, and live here for built-in and third-party plugins alike.

LIME's kernel follows the original LIME: the distance is measured in the
interpretable space (the 0/1 vector of features kept), ``d = 1 -
sqrt(kept / k)`` (the cosine distance to the all-ones vector), and the weight
is ``exp(-d**2 / kernel_width**2)``. Kernel SHAP draws coalition sizes from
the Shapley kernel's distribution and pairs every coalition with its
complement (antithetic sampling), which cancels the odd-order terms of the
estimation error; its fit is constrained so the values sum to F(x) -
F(reference). When all 2^k - 2 coalitions fit in the budget, they are all
used with their exact kernel weights, which gives the exact Shapley values.
"""
from __future__ import annotations

import itertools
import math

import torch


def weighted_least_squares(design: torch.Tensor, y: torch.Tensor, weights: torch.Tensor, ridge: float = 0.0):
    """argmin_b sum w (y - design b)^2 + ridge |b|^2, solved in float64."""
    root = weights.sqrt()[:, None]
    a, b = design * root, y * root.squeeze(1)
    if ridge:
        a = torch.cat([a, ridge**0.5 * torch.eye(design.shape[1], dtype=design.dtype)])
        b = torch.cat([b, torch.zeros(design.shape[1], dtype=design.dtype)])
    return torch.linalg.lstsq(a, b[:, None], driver="gelsd").solution.squeeze(1)


def random_subsets(sizes: torch.Tensor, n_features: int, generator: torch.Generator) -> torch.Tensor:
    """One random coalition (0/1 row) per requested size."""
    order = torch.rand(len(sizes), n_features, generator=generator).argsort(dim=1)
    return (order < sizes[:, None]).to(torch.int8)


def lime_similarity(coalitions: torch.Tensor, kernel_width: float) -> torch.Tensor:
    kept = coalitions.double().mean(dim=1)
    distance = 1 - kept.sqrt()
    return torch.exp(-distance**2 / kernel_width**2)


def lime_coalitions(n_features: int, n_samples: int, generator: torch.Generator) -> torch.Tensor:
    """The unperturbed input first, then coalitions with a uniformly drawn number of features removed."""
    removed = torch.randint(1, n_features + 1, (n_samples - 1,), generator=generator)
    return torch.cat([torch.ones(1, n_features, dtype=torch.int8),
                      random_subsets(n_features - removed, n_features, generator)])


def lime_fit(coalitions: torch.Tensor, scores: torch.Tensor, kernel_width: float, ridge: float) -> torch.Tensor:
    """Coefficients per feature of the weighted linear surrogate (intercept dropped)."""
    design = torch.cat([torch.ones(len(coalitions), 1, dtype=torch.float64), coalitions.double()], dim=1)
    return weighted_least_squares(design, scores.double(), lime_similarity(coalitions, kernel_width), ridge)[1:]


def shapley_kernel_weight(size: torch.Tensor, n_features: int) -> torch.Tensor:
    size = size.double()
    binomial = torch.tensor([math.comb(n_features, int(s)) for s in size], dtype=torch.float64)
    return (n_features - 1) / (binomial * size * (n_features - size))


def shap_coalitions(n_features: int, n_samples: int, generator: torch.Generator,
                    paired: bool = True) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """Coalitions and their weights for Kernel SHAP, and whether they are all of them (exact)."""
    if 2**n_features - 2 <= n_samples:
        rows = torch.tensor(list(itertools.product((0, 1), repeat=n_features))[1:-1], dtype=torch.int8)
        return rows.reshape(-1, n_features), shapley_kernel_weight(rows.sum(dim=1), n_features), True
    sizes = torch.arange(1, n_features)
    size_weight = (n_features - 1) / (sizes * (n_features - sizes)).double()
    count = n_samples // 2 if paired else n_samples
    drawn = sizes[torch.multinomial(size_weight, count, replacement=True, generator=generator)]
    rows = random_subsets(drawn, n_features, generator)
    if paired:
        rows = torch.cat([rows, 1 - rows])
    return rows, torch.ones(len(rows), dtype=torch.float64), False


def shapley_fit(coalitions, scores, weights, full: float, empty: float) -> torch.Tensor:
    """Weighted least squares for the Shapley values, with their sum fixed to ``full - empty``."""
    z = coalitions.double()
    total = full - empty
    design = z[:, :-1] - z[:, -1:]
    response = scores.double() - empty - z[:, -1] * total
    head = weighted_least_squares(design, response, weights) if design.shape[1] else design.new_zeros(0)
    return torch.cat([head, (total - head.sum()).reshape(1)])
