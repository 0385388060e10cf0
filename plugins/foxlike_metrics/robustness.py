"""Captum's infidelity and max-sensitivity, as foxlike metrics (both lower is better)."""
from __future__ import annotations

import torch

import foxlike


class Infidelity(foxlike.Metric):
    """Infidelity: how badly attributions predict the output change under Gaussian input noise (lower is better)."""

    name = "infidelity"
    higher_is_better = False

    def compute(self, model, inputs, explanation, reexplain, noise=0.1, n_perturb_samples=16, seed=0):
        from captum.metrics import infidelity

        if not inputs.is_floating_point():
            raise foxlike.ParameterError("infidelity perturbs inputs with noise; token ids cannot take noise.")
        generator = torch.Generator(device=inputs.device).manual_seed(seed)

        def perturb(batch):
            change = torch.randn(batch.shape, generator=generator, device=batch.device, dtype=batch.dtype) * noise
            return change, batch - change

        return infidelity(model, perturb, inputs, explanation.attributions, target=explanation.target,
                          additional_forward_args=model.additional_forward_args,
                          n_perturb_samples=n_perturb_samples).detach()


class MaxSensitivity(foxlike.Metric):
    """Max-sensitivity: the largest change of the explanation under small input perturbations (lower is better).

    The definition of Yeh et al. (2019) and Captum's ``sensitivity_max``: the
    largest ||E(x + d) - E(x)|| / ||E(x)|| over ``n_perturb_samples`` draws of
    d uniform in the L-infinity ball of ``perturb_radius``. foxlike computes it
    itself because Captum 0.9's ``sensitivity_max`` pairs the perturbed
    inputs of a batch with the wrong targets (a constant explanation of a
    linear model scores 0.38 for the samples whose target is not the first).
    """

    name = "max_sensitivity"
    higher_is_better = False

    def compute(self, model, inputs, explanation, reexplain, perturb_radius=0.02, n_perturb_samples=8, seed=0):
        if not inputs.is_floating_point():
            raise foxlike.ParameterError("max_sensitivity perturbs inputs with noise; token ids cannot take noise.")
        generator = torch.Generator().manual_seed(seed)
        original = explanation.attributions.flatten(1)
        scale = original.norm(dim=1).clamp_min(1e-12)
        worst = torch.zeros(len(inputs), dtype=original.dtype, device=original.device)
        for _ in range(n_perturb_samples):
            noise = (torch.rand(inputs.shape, generator=generator) * 2 - 1).to(inputs) * perturb_radius
            changed = reexplain(inputs + noise).flatten(1)
            worst = torch.maximum(worst, (changed - original).norm(dim=1) / scale)
        return worst
