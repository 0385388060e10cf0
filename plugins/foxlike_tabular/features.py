"""A table's features: one per column, or groups of columns (the one-hot columns of a category) as one.

``feature_groups`` is a list of groups or a mapping from a group's name to its
columns; a column is an index or, for a DataFrame's columns, a name. Columns
in no group stay features of their own. The result is ``column_feature``, the
feature each column belongs to, and one name per feature.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from foxlike import ParameterError


@dataclass(frozen=True)
class Features:
    #: (F,) long: the feature each column belongs to, 0..k-1
    column_feature: torch.Tensor
    #: the k features' names
    names: list[str]
    #: whether anything named them (a DataFrame's columns, or groups); else they are x0, x1, ...
    named: bool = True

    @property
    def count(self) -> int:
        return len(self.names)

    def spread(self, values: torch.Tensor) -> torch.Tensor:
        """Per-feature values ``(..., k)`` as per-column attributions ``(..., F)``: each feature's value shared
        equally by its columns, so that a row's columns add up to its features' values."""
        sizes = torch.bincount(self.column_feature, minlength=self.count).to(values)
        return (values / sizes)[..., self.column_feature.to(values.device)]


def _column(column, names: list[str], width: int) -> int:
    if isinstance(column, str):
        if column not in names:
            raise ParameterError(f"feature_groups names column {column!r}, which the inputs do not have: the "
                                 f"columns are {names}.")
        return names.index(column)
    if isinstance(column, bool) or not isinstance(column, int) or not -width <= column < width:
        raise ParameterError(f"feature_groups holds {column!r}, not a column of a table of {width} columns: give "
                             f"column indices (0 to {width - 1}) or a DataFrame's column names.")
    return column % width


def table_features(width: int, feature_groups=None, column_names=None) -> Features:
    """The features of a table of ``width`` columns (``column_names``: a DataFrame's, when it was one)."""
    names = list(column_names) if column_names is not None else [f"x{i}" for i in range(width)]
    if feature_groups is None:
        return Features(torch.arange(width), names, column_names is not None)
    if isinstance(feature_groups, dict):
        groups = [(str(name), columns) for name, columns in feature_groups.items()]
    elif isinstance(feature_groups, (list, tuple)):
        groups = [(None, columns) for columns in feature_groups]
    else:
        raise ParameterError(f"feature_groups must be a list of column lists or a mapping from a group's name to "
                             f"its columns, got {type(feature_groups).__name__}.")
    owner = [-1] * width
    group_names = []
    for index, (name, columns) in enumerate(groups):
        columns = [columns] if isinstance(columns, (int, str)) else list(columns)
        if not columns:
            raise ParameterError(f"feature group {name or index} is empty: give each group at least one column.")
        for column in map(lambda c: _column(c, names, width), columns):
            if owner[column] != -1:
                raise ParameterError(f"column {names[column]!r} is in two feature groups: put each column in one.")
            owner[column] = index
        group_names.append(name or "+".join(names[_column(c, names, width)] for c in columns))
    feature_names, column_feature, of_group = [], [], {}
    for column in range(width):  # features numbered in the order their first column appears
        key = ("group", owner[column]) if owner[column] >= 0 else ("column", column)
        if key not in of_group:
            of_group[key] = len(feature_names)
            feature_names.append(group_names[owner[column]] if owner[column] >= 0 else names[column])
        column_feature.append(of_group[key])
    return Features(torch.tensor(column_feature), feature_names)
