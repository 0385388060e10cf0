"""foxlike.toolkit.surrogates: the Kernel SHAP coalitions any perturbation plugin uses."""
import math

import pytest
import torch

from foxlike.toolkit.surrogates import shap_coalitions


def mass(size, k):
    return (k - 1) / (size * (k - size))


def test_the_sizes_the_budget_covers_are_enumerated_once_with_their_exact_weights():
    k = 12
    rows, weights, exact = shap_coalitions(k, 200, torch.Generator().manual_seed(0))
    sizes = rows.sum(dim=1)

    assert not exact and len(rows) == 200
    for size in (1, k - 1):  # 24 coalitions, drawn about 72 times at this budget: enumerated instead
        chosen = rows[sizes == size]
        assert len(chosen) == math.comb(k, size) == len({tuple(r.tolist()) for r in chosen})
        assert torch.allclose(weights[sizes == size], torch.tensor(mass(size, k) / math.comb(k, size),
                                                                   dtype=torch.float64))
    assert bool(((sizes >= 2) & (sizes <= k - 2)).sum() == 200 - 24)
    # the weights still add up to the kernel's whole mass, as if every coalition were there
    assert float(weights.sum()) == pytest.approx(sum(mass(s, k) for s in range(1, k)), rel=1e-12)


def test_a_small_budget_enumerates_nothing_and_samples_in_pairs():
    k = 12
    rows, weights, exact = shap_coalitions(k, 40, torch.Generator().manual_seed(0))
    # 24 coalitions of sizes 1 and 11, but only about 14 of 40 draws would fall on them
    assert not exact and len(rows) == 40 and torch.equal(rows[20:], 1 - rows[:20])
    assert torch.allclose(weights, weights[0])


def test_every_coalition_when_they_all_fit():
    rows, weights, exact = shap_coalitions(4, 14, torch.Generator().manual_seed(0))
    assert exact and len(rows) == 14 and len({tuple(r.tolist()) for r in rows}) == 14

