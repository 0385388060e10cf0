"""The adapters in `foxlike explain`: a grad-cam explainer ranked by a Quantus metric and the randomisation check."""
from __future__ import annotations

from foxlike.report import read_summary

FACTORY = "foxlike.demo.digits:DigitsCNN"


def test_grad_cam_and_lrp_are_ranked_by_quantus_metrics_and_the_randomisation_check(cli, digits_files, tmp_path):
    result = cli("explain", "--model", FACTORY, str(digits_files["images"]), "--state-dict", str(digits_files["weights"]),
                 "--channels", "1", "-e", "gradcam.grad_cam", "-e", "gradcam.random_cam", "-e", "zennit.lrp",
                 # random channel weights on the pooled 4x4 map found by default leave some digit's map all zero
                 # after the ReLU; the 8x8 conv output before the pooling does not
                 "-p", "gradcam.random_cam:layer=features.2",
                 "-M", "quantus.faithfulness_estimate", "-p", "quantus.faithfulness_estimate:features_in_step=4",
                 "-M", "quantus.sparseness", "-M", "model_randomisation", "--out", str(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "quantus.faithfulness_estimate (higher is better)" in result.stdout
    assert "model_randomisation (lower is better)" in result.stdout
    comparison = read_summary(tmp_path / "summary.json")["comparison"]
    assert comparison["higher_is_better"] == {"quantus.faithfulness_estimate": True, "quantus.sparseness": True,
                                              "model_randomisation": False}
    for metric in ("quantus.faithfulness_estimate", "quantus.sparseness", "model_randomisation"):
        assert sorted(comparison["ranking"][metric]) == ["gradcam.grad_cam", "gradcam.random_cam", "zennit.lrp"]
    means = {row["explainer"]: row["scores"] for row in comparison["rows"]}
    # Grad-CAM follows the model, random channel weights do not: a faithful map correlates with the output changes.
    assert means["gradcam.grad_cam"]["quantus.faithfulness_estimate"] > means["gradcam.random_cam"]["quantus.faithfulness_estimate"]
    assert "<h2>Choosing a method</h2>" in (tmp_path / "index.html").read_text()
