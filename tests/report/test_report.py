"""The report folder: what it holds reads back, and every string from data is escaped."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from foxlike.report import read_attributions, read_summary, write_report
from foxlike.report.html import render
from foxlike.figures import RowPainter
from foxlike.figures.maps import attribution_map
from foxlike.toolkit.token_colours import token_scores


def test_summary_and_attributions_read_back(digits, digits_run, tmp_path):
    write_report(tmp_path, digits_run)

    summary = read_summary(tmp_path / "summary.json")
    arrays = read_attributions(tmp_path / "attributions.npz")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["attributions.npz", "index.html", "summary.json"]
    assert arrays["names"].tolist() == digits_run.inputs.names == [s["name"] for s in summary["samples"]]
    with torch.no_grad():
        predicted = digits.model(digits_run.inputs.tensor).argmax(dim=1).tolist()
    assert arrays["predictions"].tolist() == predicted == [s["prediction"] for s in summary["samples"]]
    for name in ("cv.integrated_gradients", "reporttest.gradient_x_input"):
        expected = np.stack([s.explanations[name].attributions for s in digits_run.samples])
        np.testing.assert_array_equal(arrays[name], expected)
        assert all(s["explanations"][name]["passed"] for s in summary["samples"])
    first = summary["samples"][0]["explanations"]["cv.integrated_gradients"]
    assert [c["name"] for c in first["checks"]] == ["shape", "finite", "non_zero", "completeness"]
    assert first["batch_size"] == 4 and first["seconds"] > 0


def test_a_failed_explainer_is_nan_in_the_arrays_and_named_in_the_summary(digits_run, tmp_path):
    import copy

    run = copy.deepcopy(digits_run)
    failed = run.samples[1].explanations["reporttest.gradient_x_input"]
    failed.attributions, failed.error = None, "Explainer 'reporttest.gradient_x_input' failed: RuntimeError: boom"
    write_report(tmp_path, run)

    arrays = read_attributions(tmp_path / "attributions.npz")
    summary = read_summary(tmp_path / "summary.json")

    assert np.isnan(arrays["reporttest.gradient_x_input"][1]).all()
    assert np.isfinite(arrays["reporttest.gradient_x_input"][[0, 2, 3]]).all()
    assert summary["passed"] is False
    assert summary["samples"][1]["explanations"]["reporttest.gradient_x_input"]["error"].endswith("boom")
    assert "RuntimeError: boom" in (tmp_path / "index.html").read_text()


def test_a_json_file_of_another_kind_is_refused(tmp_path):
    from foxlike import InputError

    (tmp_path / "summary.json").write_text(json.dumps({"samples": []}))
    with pytest.raises(InputError, match="not a foxlike report summary"):
        read_summary(tmp_path / "summary.json")


def test_every_string_from_data_is_escaped(digits_run, sentiment_run):
    page = render(digits_run)
    assert '<img src=x onerror="document.title=1">' not in page
    assert "&lt;img src=x onerror=&quot;document.title=1&quot;&gt;.png" in page
    assert "<script>alert('zero')</script>" not in page
    assert "a&amp;b.png" in page and "&#x27;quote&#x27;.png" in page
    assert "<h1>digits &lt;run&gt;</h1>" in page
    text_page = render(sentiment_run)
    assert "<b>&amp;</b>" not in text_page
    assert "&lt;b&gt;&amp;amp;&lt;/b&gt;" in text_page


def test_text_report_colours_each_token_and_names_prediction(sentiment, sentiment_run):
    page = render(sentiment_run)
    assert [s.name for s in sentiment_run.samples] == ["the film was great", "the film was awful <b>&amp;</b>"]
    assert [s.prediction for s in sentiment_run.samples] == [1, 0]
    assert "prediction: <b>1 (positive)</b>" in page and "prediction: <b>0 (negative)</b>" in page
    assert page.count('class="token"') == 4 + 5
    great = token_scores(sentiment_run.samples[0].explanations["reporttest.embedding_ig"].attributions, 4)
    assert int(np.argmax(great)) == 3  # "great" carries the positive prediction


def test_layer_sized_maps_are_resized_to_the_image_keeping_their_layout():
    small = np.array([[[1.0, -1.0], [0.0, 2.0]]])  # one channel, 2 x 2: as a layer method returns
    full = attribution_map(small, 8, 8)
    assert full.shape == (8, 8)
    assert full[0, 0] > 0 > full[0, 7] and full[7, 7] == full.max()
    summed = attribution_map(np.ones((3, 4, 4)), 4, 4)
    np.testing.assert_array_equal(summed, np.full((4, 4), 3.0))


@pytest.mark.parametrize("width, mime, pil_format", [(8, "image/png", "PNG"), (224, "image/jpeg", "JPEG")])
def test_views_are_drawn_at_the_images_size_photos_as_jpeg(width, mime, pil_format):
    import io

    from PIL import Image

    from foxlike.figures.views import MIN_VIEW, SIGNED_VIEWS

    rng = np.random.default_rng(0)
    data, found = RowPainter().paint(rng.random((width, width, 3)).astype(np.float32),
                                     rng.standard_normal((3, width, width)))

    with Image.open(io.BytesIO(data)) as image:
        assert (found, image.format) == (mime, pil_format)
        assert image.width >= len(SIGNED_VIEWS) * max(width, MIN_VIEW)  # no view shrunk below the image (or 160 px)


def test_the_report_draws_with_the_same_renderer(digits_run):
    import base64
    import re

    from foxlike.report.html import render

    page = render(digits_run)
    first = re.search(r'data-explainer="cv.integrated_gradients".*?src="data:image/png;base64,([^"]+)"', page).group(1)
    sample = digits_run.samples[0]
    expected, _ = RowPainter().paint(digits_run.inputs.pixels[0], sample.explanations["cv.integrated_gradients"]
                                     .attributions)
    assert base64.b64decode(first) == expected
