"""Prompt segments a language-model explainer switches on and off: tokens, words, or a template's named spans.

A segmentation is one label per token (a word index, a span's name) or
``None`` for a token that always stays, in the form Hugging Face's
``encoding.word_ids()`` gives; tokens that share a label form one feature.
"""
from __future__ import annotations

import re
import string

import torch

from foxlike import ParameterError

_FIELD = re.compile(r"\{(\w+)\}")


def _encode(tokenizer, text: str) -> list[int]:
    encode = getattr(tokenizer, "encode", None)
    ids = encode(text, add_special_tokens=False) if callable(encode) else tokenizer(text)
    return ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)


def template_prompt(template: str, tokenizer, **values: str) -> tuple[torch.Tensor, list]:
    """A prompt from a template such as ``"{context} Question: {question}"``: its ids ``(1, L)`` and each token's
    span name (``None`` for the template's own text), for ``segments=``.

    Each piece is tokenized on its own and the ids joined, so a tokenizer that merges across a piece's edge
    (byte-level BPE's leading spaces) may give other ids than the formatted string would.
    """
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    missing = sorted(set(names) - set(values))
    extra = sorted(set(values) - set(names))
    if missing or extra:
        raise ParameterError(f"The template {template!r} has the fields {names}: "
                             + (f"give {missing}" if missing else f"{extra} are not among them") + ".")
    ids, labels, position = [], [], 0
    for match in list(_FIELD.finditer(template)) + [None]:
        fixed = template[position:match.start() if match else len(template)]
        for text, label in ((fixed, None), *(((values[match.group(1)], match.group(1)),) if match else ())):
            if text.strip():
                piece = _encode(tokenizer, text)
                ids += piece
                labels += [label] * len(piece)
        position = match.end() if match else len(template)
    return torch.tensor([ids]), labels


def segment_names(labels: list | None, ids: torch.Tensor, fixed: torch.Tensor) -> list:
    """The features' names in order: the labels (first seen first), or the token positions without labels."""
    if labels is None:
        return [i for i in range(len(ids)) if not bool(fixed[i])]
    return list(dict.fromkeys(label for label, f in zip(labels, fixed.tolist()) if label is not None and not f))
