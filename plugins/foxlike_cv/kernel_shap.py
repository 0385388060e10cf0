"""Kernel SHAP over superpixels, with paired sampling and the exact answer when it is affordable.

Coalition sizes are drawn from the Shapley kernel's distribution, and every
coalition comes with its complement (paired, or antithetic, sampling), which
cancels the odd-order terms of the estimation error; with that the weights
are uniform. The fit is constrained so the values sum to F(x) - F(reference).
When all 2^k - 2 coalitions fit in ``n_samples``, they are all evaluated with
their exact kernel weights and the result is the exact Shapley values.
"""
from __future__ import annotations

import itertools
import math

import torch

import foxlike

from .perturbation import masked_scores, per_image, random_subsets, to_input_shape, weighted_least_squares
from .superpixels import dense_ids, feature_masks


def kernel_weight(size: torch.Tensor, n_features: int) -> torch.Tensor:
    size = size.double()
    binomial = torch.tensor([math.comb(n_features, int(s)) for s in size], dtype=torch.float64)
    return (n_features - 1) / (binomial * size * (n_features - size))


def all_coalitions(n_features: int) -> tuple[torch.Tensor, torch.Tensor]:
    rows = torch.tensor(list(itertools.product((0, 1), repeat=n_features))[1:-1], dtype=torch.int8)
    return rows, kernel_weight(rows.sum(dim=1), n_features)


def paired_coalitions(n_features: int, n_samples: int, generator: torch.Generator,
                      paired: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    sizes = torch.arange(1, n_features)
    size_weight = (n_features - 1) / (sizes * (n_features - sizes)).double()
    count = n_samples // 2 if paired else n_samples
    drawn = sizes[torch.multinomial(size_weight, count, replacement=True, generator=generator)]
    rows = random_subsets(drawn, n_features, generator)
    if paired:
        rows = torch.cat([rows, 1 - rows])
    return rows, torch.ones(len(rows), dtype=torch.float64)


def constrained_shapley_fit(coalitions, scores, weights, full: float, empty: float) -> torch.Tensor:
    """Weighted least squares for the values, with their sum fixed to ``full - empty``."""
    z = coalitions.double()
    total = full - empty
    design = z[:, :-1] - z[:, -1:]
    response = scores - empty - z[:, -1] * total
    head = weighted_least_squares(design, response, weights) if design.shape[1] else design.new_zeros(0)
    return torch.cat([head, (total - head.sum()).reshape(1)])


class KernelShap(foxlike.Explainer):
    """Kernel SHAP: Shapley values of superpixels, estimated with paired coalitions (exact when k is small).

    Superpixels as in ``cv.lime``; removed ones take the ``baselines`` value.
    ``paired=False`` draws coalitions independently (for comparison).
    The values per superpixel are in ``extras["coefficients"]``.
    """

    name = "cv.kernel_shap"
    modality = "cv"

    def calculate_features(self, model, inputs, target, n_samples=256, feature_mask=None, segmentation="slic",
                           n_segments=25, baselines=0.0, paired=True, perturbations_per_eval=64, seed=0):
        masks = feature_masks(inputs, feature_mask, segmentation, n_segments)
        generator = torch.Generator().manual_seed(seed)
        attributions, values, exact = torch.empty_like(inputs), [], []
        for i, image, sample_target, args in per_image(inputs, target, model.forward_args):
            mask, k = dense_ids(masks[i])
            enumerate_all = 2**k - 2 <= n_samples
            coalitions, weights = (all_coalitions(k) if enumerate_all
                                   else paired_coalitions(k, n_samples, generator, paired))
            ends = torch.tensor([[1] * k, [0] * k], dtype=torch.int8)
            scores = masked_scores(model, image, mask, k, torch.cat([ends, coalitions]).to(inputs.device),
                                   sample_target, baselines, args, perturbations_per_eval).cpu()
            phi = constrained_shapley_fit(coalitions, scores[2:], weights, float(scores[0]), float(scores[1]))
            values.append(phi.tolist())
            exact.append(enumerate_all)
            attributions[i] = to_input_shape(phi.to(inputs), mask, image.shape[1:])
        return foxlike.Features(attributions, {"coefficients": values, "exact": exact, "feature_mask": masks})
