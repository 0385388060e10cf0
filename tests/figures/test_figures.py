"""Explanations drawn as figures: views with colour bars, one colour scheme, no empty panels, saved files."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import foxlike
from foxlike.figures.maps import attribution_map, colour_scale, display_pixels

MAP_VIEWS = ["heat map", "overlay", "positive", "negative"]


def labels(figure) -> list[str]:
    return [axis.get_label() for axis in figure.axes]


def texts(figure) -> list[str]:
    found = [t.get_text() for t in figure.texts]
    for sub in figure.subfigs:
        found += texts(sub)
    return found + [t.get_text() for axis in figure.axes for t in axis.texts]


def decoded(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def test_saved_png_shows_every_view_each_map_with_its_colour_bar(digit_explanations, tmp_path):
    ig = digit_explanations["cv.integrated_gradients"]
    ig.save(tmp_path / "ig.png", index=0)

    pixels = decoded(tmp_path / "ig.png")
    figure = ig.plot(index=0)
    assert labels(figure) == ["image", *MAP_VIEWS] + [f"colour bar: {v}" for v in MAP_VIEWS]
    assert pixels.std() > 30  # not blank
    red = (pixels[..., 0] > 150) & (pixels[..., 2] < 90)
    blue = (pixels[..., 2] > 150) & (pixels[..., 0] < 90)
    assert red.sum() > 100 and blue.sum() > 20  # the bars' ends at least, the maps' pixels besides
    # each bar shows its numbers: the scale is the map's 99th percentile of |attribution|
    scale = colour_scale(attribution_map(ig.attributions[0], 8, 8))
    bars = {a.get_label(): [t.get_text() for t in a.texts] for a in figure.axes if a.get_label().startswith("colour")}
    assert bars["colour bar: heat map"][-1] == f"{scale:.3g}" and bars["colour bar: heat map"][0] == f"\u2212{scale:.3g}"
    assert bars["colour bar: positive"][0] == "0" and bars["colour bar: negative"][-1] == "0"


def test_a_method_with_no_negative_values_gets_no_negative_panel_and_says_so(digit_explanations, tmp_path):
    cam = digit_explanations["cv.grad_cam"]
    assert float(cam.attributions.min()) >= 0

    figure = cam.plot(index=1)
    cam.save(tmp_path / "cam.png", index=1)

    assert labels(figure) == ["image", "heat map", "overlay", "colour bar: heat map", "colour bar: overlay"]
    assert any(t.startswith("no negative values") for t in texts(figure))
    assert decoded(tmp_path / "cam.png").std() > 30


def test_one_colour_scheme_across_views(digit_explanations):
    figure = digit_explanations["cv.integrated_gradients"].plot(index=0)
    maps = {a.get_label(): a.images[0].get_cmap().name for a in figure.axes if a.get_label() in MAP_VIEWS[::2]}
    assert maps == {"heat map": "RdBu_r", "positive": "RdBu_r_positive"}
    negative = next(a for a in figure.axes if a.get_label() == "negative").images[0]
    assert negative.get_cmap().name == "RdBu_r_negative"
    # the negative half ends where the signed map's blue end is, the positive half at its red end
    from matplotlib import colormaps

    np.testing.assert_allclose(negative.get_cmap()(0.0), colormaps["RdBu_r"](0.0), atol=0.02)


def test_a_digit_is_drawn_large_each_pixel_a_square(digit_explanations):
    figure = digit_explanations["cv.integrated_gradients"].plot(index=0)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure).draw()
    for axis in figure.axes:
        if axis.get_label() in ["image", *MAP_VIEWS]:
            assert axis.images[0].get_interpolation() == "nearest"
            assert round(axis.get_window_extent().width) >= 160  # an 8-pixel digit at 20 screen pixels a pixel


def test_a_batch_is_one_row_per_sample_and_plot_sets_explainers_side_by_side(digit_explanations, tmp_path):
    batch = digit_explanations["cv.integrated_gradients"].plot()
    together = foxlike.plot(digit_explanations, index=2)
    together.savefig(tmp_path / "both.png")

    assert len(batch.subfigs) == 3
    titles = [t for t in texts(together) if "·" in t]
    assert titles == ["cv.integrated_gradients · sample 2 · target 8 · checks passed",
                      "cv.grad_cam · sample 2 · target 8 · checks passed"]
    assert decoded(tmp_path / "both.png").std() > 30


def test_attributions_that_are_not_an_image_are_drawn_as_bars():
    explanation = foxlike.Explanation("tabular.test", torch.tensor([0.5, -1.0, 2.0]), torch.tensor(1), "given",
                                      "logits", {}, inputs=torch.tensor([1.0, 2.0, 3.0]))
    figure = explanation.plot(labels=["age", "income", "debt"])
    axis = figure.axes[0]
    assert [t.get_text() for t in axis.get_xticklabels()] == ["age", "income", "debt"]
    heights = [bar.get_height() for bar in axis.patches]
    assert heights == pytest.approx([0.5, -1.0, 2.0])


def test_a_failed_explanation_cannot_be_plotted_and_says_why():
    failed = foxlike.Explanation("cv.broken", None, None, "argmax", "logits", {}, error=RuntimeError("boom"))
    with pytest.raises(foxlike.InputError, match="cv.broken has no attributions to draw: it failed \\(boom\\)"):
        failed.plot()
    with pytest.raises(foxlike.InputError, match="Every explanation failed"):
        foxlike.plot({"cv.broken": failed})


def test_normalised_inputs_are_shown_stretched_to_the_unit_range():
    pixels = display_pixels(torch.tensor([[[-2.0, 0.0], [1.0, 2.0]]]))
    assert pixels.shape == (2, 2, 1) and pixels.min() == 0 and pixels.max() == 1
