"""The report as a person sees it: rendered by headless Chromium, asserted on the rendered page."""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from foxlike.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install -y chromium)")


def chromium(page, profile, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--virtual-time-budget=5000", *args, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )


def test_rendered_page_shows_every_panel_with_its_images_loaded(digits_run, tmp_path):
    page = write_report(tmp_path / "report", digits_run)

    dom = chromium(page, tmp_path / "profile", "--dump-dom").stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    samples, explainers = len(digits_run.samples), len(digits_run.explainers)
    images = samples * explainers  # one image of views per panel

    assert f'data-images-total="{images}"' in body
    assert f'data-images-loaded="{images}"' in body  # each <img> complete with naturalWidth > 0
    assert dom.count('class="panel"') == samples * explainers
    for name in digits_run.explainers:
        assert dom.count(f'data-explainer="{name}"') == samples
    assert dom.count('<section class="sample">') == samples
    assert re.search(r'<p class="legend">Colours: .*red.* raises the explained score .*blue.* lowers it', dom)
    # the hostile file name is shown as text, never turned into an element
    assert "&lt;img src=x onerror=\"document.title=1\"&gt;.png" in dom
    assert 'src="x"' not in dom and "<title>digits &lt;run&gt; · foxlike</title>" in dom


def test_screenshot_is_drawn(digits_run, tmp_path):
    from PIL import Image

    page = write_report(tmp_path / "report", digits_run)
    shot = tmp_path / "report.png"

    chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,1600")

    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    assert pixels.shape == (1600, 1200, 3)
    # the maps' one colour scheme: its red and blue ends (the colour bars' at least), nothing else on the page
    red = (pixels[..., 0] > 90) & (pixels[..., 1] < 40) & (pixels[..., 2] < 60)
    blue = (pixels[..., 2] > 70) & (pixels[..., 0] < 40) & (pixels[..., 1] < 80)
    assert red.sum() > 200 and blue.sum() > 100
