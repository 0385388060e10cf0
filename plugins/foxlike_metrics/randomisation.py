"""The model-randomisation sanity check (Adebayo et al., 2018).

An explanation that does not change when the model's weights are replaced by
random ones explains the input, not the model. The weights are randomised
layer by layer from the output backwards (cascading), on a copy: the user's
model is never touched. The score is the Spearman rank correlation between
the original attributions and those of the randomised model (lower is better).
"""
from __future__ import annotations

import copy

import torch

import foxlike


def spearman(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Rank correlation per sample between two (N, ...) tensors, ties given their average rank.

    Average ranks matter here: attributions hold many exact zeros (pixels
    outside the object, a zero baseline), and ranking them in index order
    would add a correlation that is only the ordering of the zeros.
    """
    from scipy.stats import rankdata

    ranks = [torch.from_numpy(rankdata(x.reshape(x.shape[0], -1).double().cpu().numpy(), axis=1)) for x in (a, b)]
    ra, rb = (r - r.mean(dim=1, keepdim=True) for r in ranks)
    return (ra * rb).sum(dim=1) / (ra.norm(dim=1) * rb.norm(dim=1)).clamp_min(1e-12)


def layers_with_weights(model: torch.nn.Module) -> list[torch.nn.Module]:
    return [m for m in model.modules() if any(True for _ in m.parameters(recurse=False))]


def cascading_randomisation(model, inputs, explanation, reexplain, seed=0) -> list[tuple[str, torch.Tensor]]:
    """(layer name, rank correlation per sample) after randomising each layer, from the output backwards."""
    copy_ = copy.deepcopy(model.model)
    names = {m: n for n, m in copy_.named_modules()}
    generator = torch.Generator().manual_seed(seed)
    found = []
    for layer in reversed(layers_with_weights(copy_)):
        with torch.no_grad():
            for parameter in layer.parameters(recurse=False):
                noise = torch.randn(parameter.shape, generator=generator, dtype=parameter.dtype)
                parameter.copy_(noise.to(parameter.device) * parameter.std().clamp_min(1e-3))
        found.append((names[layer], spearman(explanation.attributions, reexplain(inputs, copy_))))
    return found


class ModelRandomisation(foxlike.Metric):
    """Model randomisation: rank correlation with the attributions of a fully randomised copy (lower is better)."""

    name = "model_randomisation"
    higher_is_better = False

    def compute(self, model, inputs, explanation, reexplain, seed=0):
        return cascading_randomisation(model, inputs, explanation, reexplain, seed)[-1][1]
