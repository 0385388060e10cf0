"""Explanations of the trained digits CNN to draw: a signed method (IG) and a non-negative one (Grad-CAM)."""
from __future__ import annotations

import pytest

import foxlike


@pytest.fixture(scope="session")
def digit_explanations(digits):
    inputs = digits.test_images[:3]
    with foxlike.explain(digits.model, ["cv.integrated_gradients", "cv.grad_cam"], target="argmax") as xai_model:
        _, explanations = xai_model(inputs)
    assert all(e.passed for e in explanations.values())
    return explanations
