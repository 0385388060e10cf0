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
used with their exact kernel weights, which gives the exact Shapley values;
when only the smallest and largest sizes fit, those are enumerated and the
rest drawn (:func:`shap_coalitions`).
"""
from __future__ import annotations

import itertools
import math

import torch

__all__ = ["weighted_least_squares", "random_subsets", "lime_similarity", "lime_coalitions", "lime_fit", "shapley_kernel_weight", "shap_coalitions", "shapley_fit",
           "exact_shapley"]


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


def _size_mass(size, n_features: int):
    """The Shapley kernel's total weight on the coalitions of one size (a number, or a tensor of sizes)."""
    return (n_features - 1) / (size * (n_features - size))


def shapley_kernel_weight(size: torch.Tensor, n_features: int) -> torch.Tensor:
    """The kernel weight of each coalition of the given sizes: its size's mass shared by all of that size."""
    size = size.double()
    binomial = torch.tensor([math.comb(n_features, int(s)) for s in size], dtype=torch.float64)
    return _size_mass(size, n_features) / binomial


def _all_of_sizes(sizes, n_features: int) -> torch.Tensor:
    rows = [[int(i in chosen) for i in range(n_features)]
            for size in sizes for chosen in itertools.combinations(range(n_features), size)]
    return torch.tensor(rows, dtype=torch.int8).reshape(-1, n_features)


def shap_coalitions(n_features: int, n_samples: int, generator: torch.Generator,
                    paired: bool = True) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """Coalitions and their weights for Kernel SHAP, and whether they are all of them (exact).

    The sizes the kernel weighs most are the smallest and largest (one feature in, or one out),
    and there are few such coalitions: where drawing would take at least as many samples as
    there are coalitions of a pair of sizes (s, k - s), all of them are used with their exact
    kernel weights, from the outside in, as the shap library does. The rest of the budget is
    drawn from the remaining sizes, each draw weighted by the remaining mass it stands for.
    """
    if 2**n_features - 2 <= n_samples:
        rows = torch.tensor(list(itertools.product((0, 1), repeat=n_features))[1:-1], dtype=torch.int8)
        return rows.reshape(-1, n_features), shapley_kernel_weight(rows.sum(dim=1), n_features), True
    left = list(range(1, n_features))
    budget, enumerated = n_samples, []
    while left:
        pair = sorted({left[0], left[-1]})
        count = sum(math.comb(n_features, size) for size in pair)
        share = sum(_size_mass(size, n_features) for size in pair) / sum(_size_mass(t, n_features) for t in left)
        if count > budget or budget * share < count:
            break
        enumerated += pair
        left = [size for size in left if size not in pair]
        budget -= count
    exact_rows = _all_of_sizes(enumerated, n_features)
    exact_weights = shapley_kernel_weight(exact_rows.sum(dim=1), n_features)
    if not left or budget < 2:
        return exact_rows, exact_weights, not left
    sizes = torch.tensor(left)
    size_weight = torch.tensor([_size_mass(size, n_features) for size in left], dtype=torch.float64)
    count = budget // 2 if paired else budget
    drawn = sizes[torch.multinomial(size_weight, count, replacement=True, generator=generator)]
    rows = random_subsets(drawn, n_features, generator)
    if paired:
        rows = torch.cat([rows, 1 - rows])
    # each draw stands for an equal part of the kernel's mass on the sizes not enumerated
    sampled_weights = torch.full((len(rows),), float(size_weight.sum()) / len(rows), dtype=torch.float64)
    return torch.cat([exact_rows, rows]), torch.cat([exact_weights, sampled_weights]), False


def shapley_fit(coalitions, scores, weights, full: float, empty: float) -> torch.Tensor:
    """Weighted least squares for the Shapley values, with their sum fixed to ``full - empty``."""
    z = coalitions.double()
    total = full - empty
    design = z[:, :-1] - z[:, -1:]
    response = scores.double() - empty - z[:, -1] * total
    head = weighted_least_squares(design, response, weights) if design.shape[1] else design.new_zeros(0)
    return torch.cat([head, (total - head.sum()).reshape(1)])


def exact_shapley(values) -> torch.Tensor:
    """The Shapley values of a game given on every coalition: ``values`` (2**k,) or (2**k, T), coalition ``c``
    holding feature ``i`` when bit ``k - 1 - i`` of ``c`` is set (the order of ``itertools.product((0, 1),
    repeat=k)``). For checking estimates: it costs 2**k evaluations of the game."""
    values = torch.as_tensor(values, dtype=torch.float64)
    k = int(math.log2(values.shape[0]))
    members = torch.tensor(list(itertools.product((0, 1), repeat=k)), dtype=torch.bool)
    sizes = members.sum(dim=1)
    weight = torch.tensor([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) if s < k else 0.0
                           for s in range(k + 1)], dtype=torch.float64)
    phi = []
    for i in range(k):
        without = ~members[:, i]
        with_i = torch.nonzero(without).squeeze(1) + 2 ** (k - 1 - i)
        w = weight[sizes[without]]
        gain = values[with_i] - values[without]
        phi.append((w.reshape(-1, *([1] * (values.dim() - 1))) * gain).sum(dim=0))
    return torch.stack(phi, dim=-1)
