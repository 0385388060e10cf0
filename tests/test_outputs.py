"""What is attributed: the output transforms."""
from types import SimpleNamespace

import pytest
import torch

import foxlike
from foxlike.outputs import resolve_output

LOGITS = torch.tensor([[1.0, 2.0, 0.5]])


@pytest.mark.parametrize("name, expected", [
    ("logits", LOGITS),
    ("softmax", LOGITS.softmax(-1)),
    ("log_softmax", LOGITS.log_softmax(-1)),
    ("sigmoid", LOGITS.sigmoid()),
])
def test_named_outputs(name, expected):
    resolved_name, transform = resolve_output(name)
    assert resolved_name == name
    torch.testing.assert_close(transform(LOGITS), expected)


def test_hugging_face_style_outputs_give_their_logits():
    _, transform = resolve_output("softmax")
    torch.testing.assert_close(transform(SimpleNamespace(logits=LOGITS)), LOGITS.softmax(-1))


def test_a_tuple_output_needs_a_callable_and_says_how():
    _, transform = resolve_output("logits")
    with pytest.raises(foxlike.InputError, match="output=lambda out: out\\[0\\]"):
        transform((LOGITS, LOGITS))


def test_a_callable_output_is_named_after_the_function():
    def second_head(output):
        return output[1]

    assert resolve_output(second_head) == ("second_head", second_head)


def test_unknown_output_lists_the_known_ones():
    with pytest.raises(foxlike.UnknownNameError, match="Known outputs: log_softmax, logits, sigmoid, softmax"):
        resolve_output("probabilities")
