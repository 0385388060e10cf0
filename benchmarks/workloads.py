"""Models, inputs, and the foxlike features the benchmarks look for by name.

Features that other work adds to the CV plugin (memory-budget IG chunking,
adaptive IG, Grad-CAM, LIME and Kernel SHAP) are found by explainer name and
parameter name; a benchmark whose feature is missing prints
"not available: <reason>" in its row instead of failing. If that work landed
under other names, add them to the tuples below.
"""
from __future__ import annotations

import torch

from .measure import Unavailable

MEMORY_BUDGET_PARAMETERS = ("memory_budget_mb", "memory_budget", "memory_budget_bytes", "max_memory", "memory_limit")
ADAPTIVE_EXPLAINERS = ("cv.adaptive_integrated_gradients", "cv.adaptive_ig")
ADAPTIVE_PARAMETERS = ("adaptive_rtol", "tolerance", "target_rtol", "completeness_rtol", "rtol")
GRADCAM_EXPLAINERS = ("cv.grad_cam", "cv.gradcam", "cv.layer_grad_cam", "cv.layer_gradcam")
KERNEL_SHAP_EXPLAINERS = ("cv.kernel_shap",)
LIME_EXPLAINERS = ("cv.lime",)


def explainer_class(candidates: tuple[str, ...]):
    """The first registered explainer among ``candidates``, or raise Unavailable naming them."""
    from foxlike import plugins

    table = plugins.registry().explainers
    for name in candidates:
        if name in table:
            return table[name].obj
    raise Unavailable(f"no explainer named {' or '.join(candidates)} is registered")


def parameter(cls, candidates: tuple[str, ...]) -> str:
    """The first of ``candidates`` that ``cls`` takes, or raise Unavailable."""
    taken = cls.parameters()
    for name in candidates:
        if name in taken:
            return name
    raise Unavailable(f"{cls.name} takes none of the parameters {', '.join(candidates)}")


def accepted(cls, params: dict) -> dict:
    """``params`` less those ``cls`` does not take."""
    taken = cls.parameters()
    return {k: v for k, v in params.items() if k in taken}


def resnet18(device: str) -> torch.nn.Module:
    """torchvision's resnet18 with random weights (seeded), in eval mode."""
    from torchvision.models import resnet18 as build

    torch.manual_seed(0)
    return build(weights=None).to(device).eval()


def mobilenet(device: str) -> torch.nn.Module:
    from torchvision.models import mobilenet_v3_small

    torch.manual_seed(0)
    return mobilenet_v3_small(weights=None).to(device).eval()


def images(batch: int, side: int, device: str, seed: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 3, side, side, generator=generator).to(device)


def argmax_target(model: torch.nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(inputs).argmax(dim=1)


def trained_digits(device: str):
    """The digits CNN of the CV plugin, trained here in seconds on scikit-learn's digits."""
    from foxlike.demo.digits import train_digits_cnn

    trained = train_digits_cnn()
    trained.model.to(device).eval()
    return trained


def digits_mlp(device: str):
    """A two-layer perceptron trained on the digits (flattened), for a non-convolutional model."""
    from foxlike.demo.digits import load_digits_tensors

    torch.manual_seed(0)
    images_, labels = load_digits_tensors()
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 64), torch.nn.Tanh(), torch.nn.Linear(64, 10))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(200):
        optimiser.zero_grad()
        torch.nn.functional.cross_entropy(model(images_), labels).backward()
        optimiser.step()
    return model.to(device).eval(), images_.to(device)
