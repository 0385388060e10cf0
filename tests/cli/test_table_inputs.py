"""Tables through the command line: a CSV of raw columns, read by name, with a CSV background."""
from __future__ import annotations

import csv

import numpy as np
import pytest
import torch

import foxlike
from foxlike import InputError
from foxlike.cli.tables import read_table
from foxlike.demo.tables import wine_model
from foxlike.report import read_attributions, read_summary


@pytest.fixture(scope="module")
def wine_rows():
    """The raw wine columns of the demo model's held-out rows (the same split) and of 16 training rows."""
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split

    data = load_wine()
    train, test = train_test_split(data.data, test_size=0.25, random_state=0)
    return list(data.feature_names), train[:16], test[:5]


def write_csv(path, header, rows, names=None):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow((["sample"] if names else []) + list(header))
        for i, row in enumerate(rows):
            writer.writerow(([names[i]] if names else []) + [repr(float(v)) for v in row])


def test_a_csv_of_raw_columns_in_another_order_is_explained_as_the_model_takes_it(cli, tmp_path, wine_rows):
    columns, background, rows = wine_rows
    order = columns[::-1]  # the file's columns reversed: they are read by name, not by position
    names = [f"bottle {i}" for i in range(len(rows))]
    write_csv(tmp_path / "bottles.csv", order, rows[:, ::-1], names)
    write_csv(tmp_path / "cellar.csv", order, background[:, ::-1])

    result = cli("explain", "foxlike.demo.tables:wine_model", "bottles.csv", "-e", "tabular.feature_ablation",
                 "--background", "cellar.csv", "--out", "report", "--quiet", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    model = wine_model()
    inputs, reference = torch.tensor(rows, dtype=torch.float32), torch.tensor(background, dtype=torch.float32)
    with foxlike.explain(model, {"tabular.feature_ablation": {"background": reference}}, target="argmax") as xai:
        output, explanations = xai(inputs)
    summary = read_summary(tmp_path / "report" / "summary.json")
    saved = read_attributions(tmp_path / "report" / "attributions.npz")["tabular.feature_ablation"]
    assert [s["name"] for s in summary["samples"]] == names
    assert [s["prediction"] for s in summary["samples"]] == output.argmax(dim=1).tolist()
    np.testing.assert_allclose(saved, explanations["tabular.feature_ablation"].attributions.numpy(), atol=1e-5)
    # the background reached the explainer: against the default reference (a row of zeros) the values differ
    with foxlike.explain(model, ["tabular.feature_ablation"], target="argmax") as xai:
        _, against_zeros = xai(inputs)
    assert not np.allclose(saved, against_zeros["tabular.feature_ablation"].attributions.numpy(), atol=1e-3)
    page = (tmp_path / "report" / "index.html").read_text()
    assert all(f"<h3>{name}</h3>" in page for name in names)
    assert page.count('alt="tabular.feature_ablation bars"') == len(names) and 'data-summary="tabular.feature_ablation"' in page


def test_a_label_column_or_a_missing_column_is_named_with_the_fix(tmp_path, wine_rows):
    columns, _, rows = wine_rows
    write_csv(tmp_path / "extra.csv", columns + ["cultivar"], np.c_[rows, np.zeros(len(rows))])
    write_csv(tmp_path / "short.csv", columns[1:], rows[:, 1:])

    with pytest.raises(InputError, match=r"not the model's: cultivar\).*remove label columns"):
        read_table(tmp_path / "extra.csv", columns)
    with pytest.raises(InputError, match=r"missing alcohol\b"):
        read_table(tmp_path / "short.csv", columns)


@pytest.mark.parametrize("text, problem", [
    ("a,b\n1,2\n3,x\n", r"Column 'b' .* holds 'x' on line 3: every feature must be a finite number"),
    ("a,b\n1,2\n3\n", r"Line 3 .* has 1 cells for 2 columns"),
    ("a,a\n1,2\n", r"names the column\(s\) a more than once"),
    ("a,b\n", r"holds no rows"),
    ("a,b\n1,nan\n", r"holds 'nan' on line 2"),
])
def test_a_malformed_table_is_refused_with_what_and_where(tmp_path, text, problem):
    (tmp_path / "t.csv").write_text(text)

    with pytest.raises(InputError, match=problem):
        read_table(tmp_path / "t.csv")


def test_a_first_column_of_words_names_the_rows_and_a_table_without_one_numbers_them(tmp_path):
    (tmp_path / "named.csv").write_text("id,x,y\nann,1,2\nbob,3,4.5\n")
    (tmp_path / "plain.csv").write_text("x,y\n1,2\n3,4.5\n")

    named, plain = read_table(tmp_path / "named.csv"), read_table(tmp_path / "plain.csv")

    assert named.names == ["ann", "bob"] and named.feature_names == ["x", "y"]
    assert plain.names == ["row 0", "row 1"] and plain.tensor.tolist() == [[1.0, 2.0], [3.0, 4.5]]
    assert named.modality == "tabular" and torch.equal(named.tensor, plain.tensor)


def test_a_background_for_explainers_that_take_none_is_refused(cli, tmp_path, wine_rows):
    columns, _, rows = wine_rows
    write_csv(tmp_path / "rows.csv", columns, rows)

    result = cli("explain", "foxlike.demo.tables:wine_model", "rows.csv", "-e", "cv.saliency", "--background",
                 "rows.csv", "--out", "report", "--quiet", cwd=tmp_path)

    assert result.returncode != 0
    assert "none of the explainers (cv.saliency) takes a background" in result.stderr
