"""The peers, installed apart from foxlike's environment: FoXAI 0.6.0 and pytorch-grad-cam.

Each goes into a folder of its own under benchmarks/.peers with
``pip install --target`` and ``--no-deps``: FoXAI pins versions of torch and
Captum that would otherwise replace ours, so this is the issue's
``pip install --no-deps --ignore-requires-python foxai==0.6.0 single-source``
kept out of the main environment. Both peers import OpenCV, which
``--no-deps`` leaves out; it is installed once (headless) in a folder they
share. Only the subprocesses that run a peer's case get these folders on
their PYTHONPATH; torch, torchvision and Captum come from the running
environment.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FOLDER = Path(__file__).parent / ".peers"
#: where the peers' files may be put for a machine that cannot reach the package index:
#: python -m pip download --no-deps --ignore-requires-python -d benchmarks/.peers/wheels \
#:     foxai==0.6.0 single-source grad-cam ttach opencv-python-headless       (about 60 MB)
WHEELS = FOLDER / "wheels"

#: peer -> (pip arguments, module that shows it is installed, peers it needs on the path too)
PEERS = {
    "foxai": (["--ignore-requires-python", "foxai==0.6.0", "single-source"], "foxai", ("opencv",)),
    "grad-cam": (["grad-cam", "ttach"], "pytorch_grad_cam", ("opencv",)),
    "opencv": (["opencv-python-headless"], "cv2", ()),
}


def _install(peer: str) -> str:
    """Install one peer into its folder; returns "" or why it failed."""
    arguments, module, _ = PEERS[peer]
    target = FOLDER / peer
    if (target / module).exists():
        return ""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
               "--retries", "1", "--timeout", "20", "--target", str(target), *arguments]
    if WHEELS.is_dir():  # brought along for a machine without the package index
        command += ["--no-index", "--find-links", str(WHEELS), "--no-build-isolation"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not (target / module).exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"pip install {' '.join(arguments)} failed: {last[:160]}"
    return ""


def ensure(peer: str) -> tuple[list[Path] | None, str]:
    """Install ``peer`` and what it needs; returns (folders for PYTHONPATH, "") or (None, why not)."""
    needed = [peer, *PEERS[peer][2]]
    for name in needed:
        why = _install(name)
        if why:
            return None, why
    return [FOLDER / name for name in needed], ""
