"""`foxlike demo`: no argument, no download, real models on real data, and it says where the report is."""
from __future__ import annotations

from foxlike.demo import efficientnet_lite
from foxlike.report import read_attributions, read_summary


def test_demo_explains_digits_and_photos_and_prints_the_report(cli, tmp_path):
    result = cli("demo", "--quiet", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    index = tmp_path / "foxlike-demo" / "index.html"
    assert result.stdout.strip() == f"Report: {index}"
    assert '<a href="digits/index.html">' in index.read_text()
    digits = read_summary(tmp_path / "foxlike-demo" / "digits" / "summary.json")
    correct = sum(s["name"].endswith(f"(true label {s['prediction']})") for s in digits["samples"])
    assert correct >= 7 and len(digits["samples"]) == 8
    assert all(e["passed"] for s in digits["samples"] for e in s["explanations"].values())
    assert read_attributions(tmp_path / "foxlike-demo" / "digits" / "attributions.npz")[
        "cv.integrated_gradients"].shape == (8, 1, 8, 8)
    rows = digits["comparison"]["rows"]  # the explainers ranked by deletion and insertion, every one scored
    assert {r["explainer"] for r in rows} == set(digits["explainers"]) and len(rows) == 6
    assert all(set(r["scores"]) == {"deletion", "insertion"} for r in rows)
    if efficientnet_lite.available():
        photos = read_summary(tmp_path / "foxlike-demo" / "imagenet" / "summary.json")
        predicted = {s["name"]: s["prediction_label"] for s in photos["samples"]}
        assert predicted["skimage.data.coffee()"] == "967 (espresso)"
        assert predicted["skimage.data.chelsea()"] in {"281 (tabby)", "282 (tiger cat)", "285 (Egyptian cat)"}
    else:
        assert "imagenet: not available" in index.read_text()
    sentiment = read_summary(tmp_path / "foxlike-demo" / "sentiment" / "summary.json")
    labels = {s["name"]: s["prediction_label"] for s in sentiment["samples"]}
    assert labels["A warm, funny and beautifully acted film."] == "1 (fresh)"
    assert labels["Dull, predictable and far too long."] == "0 (rotten)"
    assert all(e["passed"] for s in sentiment["samples"] for e in s["explanations"].values())
