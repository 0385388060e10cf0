"""Fixtures shared by the whole suite.

The third-party plugin packages under ``tests/plugin_packages`` are really
pip-installed, each into a folder of its own, so a test chooses which are on
the path; subprocesses get them through PYTHONPATH.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

PACKAGES = Path(__file__).parent / "plugin_packages"

torch.set_num_threads(min(2, torch.get_num_threads()))


@pytest.fixture(scope="session")
def installed_plugins(tmp_path_factory) -> dict[str, Path]:
    """pip-install each test plugin package into its own folder; returns name -> folder."""
    folders = {}
    for package in sorted(p for p in PACKAGES.iterdir() if (p / "pyproject.toml").exists()):
        target = tmp_path_factory.mktemp(package.name)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
             "--target", str(target), str(package)],
            check=True,
        )
        folders[package.name] = target
    return folders


@pytest.fixture
def fresh_plugins(monkeypatch):
    """Forget loaded plugins before and after the test, so it can change what is discovered."""
    from foxlike import plugins

    monkeypatch.delenv(plugins.ONLY_ENV, raising=False)
    monkeypatch.delenv(plugins.BLOCK_ENV, raising=False)
    plugins.reset()
    yield plugins
    plugins.reset()


@pytest.fixture
def use_packages(installed_plugins, fresh_plugins, monkeypatch):
    """Put the named installed plugin packages on sys.path (and PYTHONPATH) for one test."""
    import importlib

    def use(*names: str) -> str:
        paths = [str(installed_plugins[name]) for name in names]
        for path in paths:
            monkeypatch.syspath_prepend(path)
        pythonpath = os.pathsep.join(paths + [p for p in [os.environ.get("PYTHONPATH")] if p])
        monkeypatch.setenv("PYTHONPATH", pythonpath)
        importlib.invalidate_caches()
        fresh_plugins.reset()
        return pythonpath

    return use


@pytest.fixture(scope="session")
def digits():
    """A small CNN trained on scikit-learn's digits (real data, about five seconds)."""
    from foxlike.demo.digits import train_digits_cnn

    trained = train_digits_cnn()
    assert trained.accuracy() > 0.95
    return trained


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` run only where CUDA is available; elsewhere they are reported as skipped."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
