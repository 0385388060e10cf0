"""The adapter plugins as installed: a missing or wrong library fails only its adapter, with the fix; one cv2."""
from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution

import pytest

FIXES = {
    "gradcam": "foxlike-gradcam needs grad-cam==1.5.7, which is not installed: pip install 'foxlike[gradcam]'",
    "zennit": "foxlike-zennit needs zennit==0.5.1, which is not installed: pip install 'foxlike[zennit]'",
    "quantus": "foxlike-quantus needs quantus==0.6.0, which is not installed: pip install 'foxlike[quantus]'",
}


def plugins_listing(code_before: str = "", pythonpath: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("FOXLIKE_PLUGINS", "FOXLIKE_DISABLE_PLUGINS")}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([pythonpath, env.get("PYTHONPATH", "")])
    code = f"{code_before}\nfrom foxlike.cli.main import main\nmain(['plugins'])"
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_with_the_libraries_hidden_each_adapter_fails_with_its_fix_and_the_rest_load():
    # None in sys.modules is how Python spells "not importable": find_spec says the module is not there.
    hide = "import sys\nfor name in ('pytorch_grad_cam', 'zennit', 'quantus'): sys.modules[name] = None"

    listing = plugins_listing(hide)

    for plugin, fix in FIXES.items():
        line = next(line for line in listing.splitlines() if line.startswith(plugin + " "))
        assert f"[failed: PluginError: {fix}]" in line
    assert "explainers: cv.integrated_gradients" in listing and "metrics: deletion" in listing


def test_an_unsupported_version_is_reported_with_the_version_found(tmp_path):
    info = tmp_path / "grad_cam-1.4.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: grad-cam\nVersion: 1.4.0\n")

    listing = plugins_listing(pythonpath=str(tmp_path))

    assert ("[failed: PluginError: foxlike-gradcam needs grad-cam==1.5.7, found grad-cam 1.4.0: "
            "pip install 'foxlike[gradcam]']") in listing
    assert "zennit               foxlike-zennit 0.1.0 (Apache-2.0)" in listing


def test_the_listing_gives_each_adapters_version_and_licence_and_what_it_contributes():
    listing = plugins_listing()

    for plugin in ("gradcam", "zennit", "quantus"):
        assert f"foxlike-{plugin} 0.1.0 (Apache-2.0)" in listing
    assert "explainers: gradcam.grad_cam," in listing and "explainers: zennit.lrp" in listing
    assert "metrics: quantus.faithfulness_correlation," in listing


def test_cv2_is_the_headless_build_alone():
    """Quantus asks for opencv-python, grad-cam for opencv-python-headless; `make test` keeps the headless one."""
    with pytest.raises(PackageNotFoundError):
        distribution("opencv-python")
    headless = distribution("opencv-python-headless")
    binaries = [f for f in headless.files if f.name.startswith("cv2.") and f.suffix == ".so"]
    assert binaries
    for record in binaries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(record.locate().read_bytes()).digest()).rstrip(b"=")
        assert record.hash.value == digest.decode(), f"{record} is not opencv-python-headless's file"
