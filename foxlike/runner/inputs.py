"""What a run explains, as the report shows it: a batch of model inputs and how each sample looks.

:class:`Inputs` is also a map-style dataset of its samples, so
:func:`foxlike.explain_dataset` streams it batch by batch.
:func:`tokenize_sentences` turns sentences into one, through any tokenizer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import InputError


@dataclass
class Inputs:
    """A batch ready for the model, and what the report shows of each sample.

    It is also a map-style dataset of its samples, for :func:`foxlike.explain_dataset`.
    """

    #: the kind of input, in the explainers' vocabulary (foxlike.modalities): "cv" images, "nlp" token ids,
    #: "tabular" rows of a table
    modality: str
    #: the model's inputs: a tensor, or a tuple of tensors for several attributed inputs
    tensor: Any
    names: list[str]
    pixels: Any = None  # images: (N, H, W, C) floats in [0, 1], before normalisation
    tokens: list[list[str]] = field(default_factory=list)  # text: the tokens of each sentence
    feature_names: list[str] = field(default_factory=list)  # tables: the columns' names
    #: keyword arguments of the model's forward, one row per sample (an ``attention_mask``)
    forward_kwargs: dict[str, Any] = field(default_factory=dict)
    #: inputs that could not be read and were left out, with why (``"a.png: cannot identify image"``)
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> dict:
        """Sample ``index`` as :func:`foxlike.explain_dataset` reads it: the input (or inputs) and its forward
        arguments."""
        tensor = tuple(x[index] for x in self.tensor) if isinstance(self.tensor, tuple) else self.tensor[index]
        return {"inputs": tensor,
                "forward_kwargs": {name: value[index] for name, value in self.forward_kwargs.items()}}


def _token_names(tokenizer: Callable) -> Callable:
    """``ids -> list[str]``: the tokenizer's (or its model's) ``tokens`` method, else the ids as text."""
    owner = getattr(tokenizer, "__self__", tokenizer)  # a bound ``tokenize``: ask its object
    return getattr(owner, "tokens", None) or (lambda ids: [str(int(i)) for i in ids])


def tokenize_sentences(tokenizer: Callable, sentences: list[str]) -> Inputs:
    """``sentences`` as model inputs. ``tokenizer`` is a callable, or a model with a ``tokenize``
    method (and maybe ``tokens``). It may return any of

    - ``input_ids``, an (N, L) integer tensor; tokens then come from its ``tokens(ids)`` method if it
      has one, else the ids are shown;
    - ``(input_ids, attention_mask)``, both tensors (the NLP plugin's tokenizers): the mask goes to
      the model's forward as ``attention_mask`` and the tokens shown stop where it does;
    - ``(input_ids, tokens)`` or ``(input_ids, tokens, forward_kwargs)``: ``tokens`` the N lists of
      token strings, ``forward_kwargs`` a dict of per-sample tensors for the forward.
    """
    import torch

    result = (tokenizer.tokenize if isinstance(tokenizer, torch.nn.Module) else tokenizer)(sentences)
    parts = result if isinstance(result, tuple) else (result,)
    ids, second, kwargs = (*parts, None, None)[:3]
    if not (isinstance(ids, torch.Tensor) and ids.dim() == 2 and len(ids) == len(sentences)
            and not ids.is_floating_point() and len(parts) <= 3):
        got = f"a {type(ids).__name__}" + (f" of shape {tuple(ids.shape)}" if isinstance(ids, torch.Tensor) else "")
        raise InputError(f"The tokenizer returned {got} for {len(sentences)} sentences: it must return (N, L) "
                         "integer input_ids, alone or as (input_ids, attention_mask) or (input_ids, tokens"
                         "[, forward_kwargs]) (docs/cli.md).")
    names = _token_names(tokenizer)
    if isinstance(second, torch.Tensor):
        kwargs = {"attention_mask": second}
        tokens = [names(row[: int(mask.sum())]) for row, mask in zip(ids, second)]
    else:
        tokens = second if second is not None else [names(row) for row in ids]
    return Inputs("nlp", ids, list(sentences), tokens=[list(t) for t in tokens], forward_kwargs=dict(kwargs or {}))


def table_rows(table, feature_names=None, names=None) -> Inputs:
    """The rows of a table as model inputs: a pandas DataFrame (its columns name the features), or an (N, F)
    tensor or array with ``feature_names``; ``names`` name the rows ("row 0", ... when not given)."""
    import torch

    from ..modalities import from_frame

    rows, columns = from_frame(table, "cpu")
    rows = torch.as_tensor(rows, dtype=torch.float32)
    if rows.dim() != 2:
        raise InputError(f"A table has one row per sample and one column per feature, got shape {tuple(rows.shape)}.")
    columns = list(columns or feature_names or [f"x{i}" for i in range(rows.shape[1])])
    if len(columns) != rows.shape[1]:
        raise InputError(f"{len(columns)} feature names for {rows.shape[1]} columns: give one name per column.")
    names = list(names) if names is not None else [f"row {i}" for i in range(rows.shape[0])]
    return Inputs("tabular", rows, names, feature_names=[str(c) for c in columns])
