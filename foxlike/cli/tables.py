"""Reading a table for ``foxlike explain``: a CSV file whose header names the columns.

Every column is a feature, except a first column that is not numeric, which
names the rows (an id, a customer). When the model says which columns it
takes (a ``feature_names`` attribute, in order), the file's columns are put in
that order, and a missing or unknown column is an error that names it: a
table read by position alone would silently explain the wrong feature.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

from ..errors import InputError
from ..runner.inputs import Inputs, table_rows


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _cells(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            lines = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"Cannot read the table {str(path)!r}: {exc}.") from None
    if len(lines) < 2:
        raise InputError(f"{str(path)!r} holds no rows: a header naming the columns, then one row per sample.")
    header, rows = [c.strip() for c in lines[0]], lines[1:]
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise InputError(f"Line {number} of {str(path)!r} has {len(row)} cells for {len(header)} columns: "
                             "give every row one value per column.")
    return header, rows


def read_table(path: Path, feature_names: list[str] | None = None) -> Inputs:
    """The rows of the CSV file at ``path``; with ``feature_names`` (the model's columns), in that order."""
    import torch

    header, rows = _cells(Path(path))
    names = None
    if all(_number(row[0]) is None for row in rows):  # a first column of labels names the rows
        names, header, rows = [row[0] for row in rows], header[1:], [row[1:] for row in rows]
    if len(set(header)) != len(header):
        twice = sorted({name for name in header if header.count(name) > 1})
        raise InputError(f"{str(path)!r} names the column(s) {', '.join(twice)} more than once: name each once.")
    for number, row in enumerate(rows, start=2):
        for column, cell in zip(header, row):
            if _number(cell) is None:
                raise InputError(f"Column {column!r} of {str(path)!r} holds {cell!r} on line {number}: every feature "
                                 "must be a finite number. Encode the column as numbers, or remove it.")
    order = list(range(len(header)))
    if feature_names:
        missing = [name for name in feature_names if name not in header]
        unknown = [name for name in header if name not in feature_names]
        if missing or unknown:
            problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"not the model's: {', '.join(unknown)}"] if unknown else [])
            raise InputError(f"The columns of {str(path)!r} do not match the model's feature_names ("
                             f"{'; '.join(problems)}). Give the file a column per feature the model takes, named as "
                             "it names them, in any order, and no other (remove label columns).")
        order = [header.index(name) for name in feature_names]
    table = torch.tensor([[float(row[i]) for i in order] for row in rows], dtype=torch.float32)
    return table_rows(table, [header[i] for i in order], names)


def give_background(explainers, background: Inputs) -> None:
    """``background``'s rows as the ``background=`` of every explainer (a resolved spec) that takes one and
    was not given one; an error when none of them takes one, since the file would be read for nothing."""
    from ..errors import ConfigError

    takers = [spec for spec in explainers if "background" in spec.cls.parameters()]
    if not takers:
        raise ConfigError(f"--background is given, but none of the explainers ({', '.join(s.name for s in explainers)})"
                          " takes a background: use a tabular explainer (`foxlike explainers -m tabular`), or leave "
                          "--background out.")
    for spec in takers:
        spec.params.setdefault("background", background.tensor)
