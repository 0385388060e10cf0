"""In Jupyter, explanations display themselves: a notebook built with nbformat, run by nbclient on a real
ipykernel, its outputs read back."""
from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

CELLS = [
    "import foxlike, torch\n"
    "from foxlike.demo.digits import train_digits_cnn\n"
    "digits = train_digits_cnn(epochs=4)\n"
    "with foxlike.explain(digits.model, ['cv.saliency', 'cv.grad_cam'], target='argmax') as xai_model:\n"
    "    _, explanations = xai_model(digits.test_images[:2])",
    "explanations",
    "explanations['cv.grad_cam'].sample(0)",
    "foxlike.Explanation('<script>alert(1)</script>', None, None, 'given', 'logits', {},\n"
    "                    error=RuntimeError('<b>boom</b>'))",
    "%matplotlib inline\nfoxlike.plot(explanations, index=1)",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    folder = tmp_path_factory.mktemp("notebook")
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return notebook


def html_of(cell) -> str:
    found = [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
    assert found, f"no text/html output: {cell.outputs}"
    return found[0]


def test_a_dict_of_explanations_shows_each_overlay_and_its_checks(executed):
    page = html_of(executed.cells[1])
    assert page.count('<div class="foxlike-explanation"') == 2
    assert re.findall(r"<b>([^<]+)</b> <span", page) == ["cv.saliency", "cv.grad_cam"]
    assert page.count('<img alt="') == 2 and page.count("src=\"data:image/png;base64,") == 2
    for check in ("shape", "finite", "non_zero"):
        assert f"<td>{check}</td>" in page


def test_one_sample_of_an_explanation_shows_itself(executed):
    page = html_of(executed.cells[2])
    assert page.startswith('<div class="foxlike-explanation"') and page.count("<img") == 1
    assert "cv.grad_cam" in page and "passed" in page


def test_names_and_messages_are_escaped(executed):
    page = html_of(executed.cells[3])
    assert "<script>" not in page and "<b>boom</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;boom&lt;/b&gt;" in page
    assert "<img" not in page  # nothing to draw: the error is shown instead


def test_a_figure_displays_inline_as_a_png(executed):
    import base64
    import io

    import numpy as np
    from PIL import Image

    outputs = [o for o in executed.cells[4].outputs if "image/png" in o.get("data", {})]
    assert len(outputs) == 1
    with Image.open(io.BytesIO(base64.b64decode(outputs[0]["data"]["image/png"]))) as image:
        assert image.width > 600 and np.asarray(image.convert("L")).std() > 20
