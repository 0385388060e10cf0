"""Resolving the user's target against the model's output."""
import pytest
import torch

import foxlike
from foxlike.targets import resolve_target

OUTPUT = torch.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 1.0]])


def test_no_target_on_multiclass_output_is_argmax_and_says_so():
    indices, source = resolve_target(None, OUTPUT)
    assert indices.tolist() == [1, 0]
    assert source == "argmax (default)"


@pytest.mark.parametrize("target, expected", [
    (2, [2, 2]),
    ([2, 1], [2, 1]),
    ((0, 2), [0, 2]),
    (torch.tensor([1, 2]), [1, 2]),
    (torch.tensor([[1], [2]]), [1, 2]),
    ("argmax", [1, 0]),
    ("argmin", [2, 1]),
    (lambda output: output.argsort(dim=1)[:, 1], [0, 2]),
])
def test_each_kind_of_target_resolves_to_per_sample_indices(target, expected):
    indices, _ = resolve_target(target, OUTPUT)
    assert indices.dtype == torch.long
    assert indices.tolist() == expected


def test_single_output_models_need_no_target():
    assert resolve_target(None, torch.randn(4))[0] is None
    indices, source = resolve_target(None, torch.randn(4, 1))
    assert indices.tolist() == [0, 0, 0, 0] and source == "single output"


@pytest.mark.parametrize("target, message", [
    (3, "out of range for an output with 3 classes"),
    (-1, "out of range"),
    ([0, 1, 2], "3 entries for a batch of 2"),
    (1.5, "must be a class index"),
    (True, "must be a class index"),
    ("argmux", "Did you mean 'argmax'"),
    ("not a target", "Unknown target"),
    (object(), "Cannot read target"),
])
def test_bad_targets_get_an_error_that_names_the_problem(target, message):
    with pytest.raises(foxlike.FoxlikeError, match=message):
        resolve_target(target, OUTPUT)


def test_a_class_target_on_a_single_value_output_is_refused():
    with pytest.raises(foxlike.TargetError, match="pass target=None"):
        resolve_target(1, torch.randn(3))
