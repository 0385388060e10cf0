"""A real model for the command line to explain: the digits CNN, its weights and digit images on disk."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def digits_files(digits, tmp_path_factory):
    """``weights`` (state_dict of the trained digits CNN) and ``images`` (a folder of six held-out digit PNGs)."""
    from PIL import Image

    root = tmp_path_factory.mktemp("digits_files")
    weights = root / "digits.pt"
    torch.save(digits.model.state_dict(), weights)
    images = root / "images"
    images.mkdir()
    for i, image in enumerate(digits.test_images[:6]):
        pixels = (image[0] * 255).round().to(torch.uint8).numpy()
        Image.fromarray(pixels, mode="L").save(images / f"digit_{i}_label_{int(digits.test_labels[i])}.png")
    return {"weights": weights, "images": images, "root": root}


def _cli(*args: str, cwd: Path | None = None, pythonpath: list[Path] = ()) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("FOXLIKE_PLUGINS", None)
    env.pop("FOXLIKE_DISABLE_PLUGINS", None)
    # One thread: on a machine shared with other jobs, two OpenMP threads spin-waiting for each
    # other made these subprocesses several times slower (measured: demo 14 s vs 32 s).
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "plugins"), *map(str, pythonpath)])
    return subprocess.run([sys.executable, "-m", "foxlike.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


@pytest.fixture
def cli():
    """``cli(*args, cwd=None, pythonpath=())``: ``foxlike ARGS`` in a fresh process, as a user's shell runs it."""
    return _cli
