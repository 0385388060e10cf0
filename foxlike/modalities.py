"""The kinds of input explainers take, in one vocabulary: ``"cv"``, ``"nlp"``, ``"tabular"``.

An explainer's ``modality`` says what it explains (``foxlike explainers
--modality cv`` lists those) and, unless it says otherwise with
``accepts``, what its inputs must look like; the core checks that before
the explainer runs, so a table given to an image method gets an error that
names the method to use instead rather than a crash inside it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError


@dataclass(frozen=True)
class InputForm:
    """A shape of input: a name for messages, and a check that returns what is wrong or ``""``."""

    description: str
    modality: str

    def problem(self, inputs) -> str:
        raise NotImplementedError


class _Images(InputForm):
    def problem(self, inputs) -> str:
        if not inputs.is_floating_point() or inputs.dim() != 4:
            return f"{_shown(inputs)}"
        return ""


class _Tensors(InputForm):
    def problem(self, inputs) -> str:
        return "" if inputs.is_floating_point() and inputs.dim() >= 2 else _shown(inputs)


class _TokenIds(InputForm):
    def problem(self, inputs) -> str:
        return "" if not inputs.is_floating_point() and inputs.dim() == 2 else _shown(inputs)


class _Tables(InputForm):
    def problem(self, inputs) -> str:
        return "" if inputs.is_floating_point() and inputs.dim() == 2 else _shown(inputs)


def _shown(inputs) -> str:
    return f"inputs of shape {tuple(inputs.shape)} and dtype {inputs.dtype}"


#: The forms an explainer may accept, by the name it gives in ``Explainer.accepts``.
FORMS = {
    "images": _Images("images (N, C, H, W) of floats", "cv"),
    "tensors": _Tensors("float tensors with the samples in dimension 0", "cv"),
    "token_ids": _TokenIds("token ids (N, L) of integers", "nlp"),
    "tables": _Tables("tables (N, F) of floats", "tabular"),
}
#: What each modality's explainers accept unless they say otherwise.
MODALITIES = {"cv": "images", "nlp": "token_ids", "tabular": "tables"}


def form_of(explainer_cls) -> InputForm | None:
    """The input form ``explainer_cls`` accepts (``None``: foxlike checks nothing for it)."""
    name = getattr(explainer_cls, "accepts", None) or MODALITIES.get(explainer_cls.modality)
    return FORMS.get(name)


def check_inputs(explainer_cls, inputs, registered: dict) -> None:
    """Refuse ``inputs`` that ``explainer_cls`` cannot take, naming a registered explainer of the same method
    for the inputs' own kind when there is one."""
    form = form_of(explainer_cls)
    if form is None:
        return
    problem = form.problem(inputs)
    if not problem:
        return
    method = explainer_cls.name.partition(".")[2]
    fitting = [name for name, entry in sorted(registered.items())
               if name.partition(".")[2] == method and name != explainer_cls.name
               and (other := form_of(entry.obj)) is not None and not other.problem(inputs)]
    instead = (f"use {fitting[0]}" if fitting else
               "choose an explainer for this kind of input (foxlike explainers --modality cv, nlp or tabular)")
    raise InputError(f"{explainer_cls.name} explains {form.description}, got {problem}: {instead}.")


def from_frame(inputs, device) -> tuple:
    """``(inputs, column names)``: a pandas DataFrame as a float32 table on ``device`` and its columns' names;
    anything else as it came, with no names. (Duck-typed: foxlike never imports pandas itself.)"""
    if not (hasattr(inputs, "columns") and hasattr(inputs, "to_numpy") and hasattr(inputs, "dtypes")):
        return inputs, None
    import torch

    names = [str(name) for name in inputs.columns]
    text = [name for name, kind in zip(names, inputs.dtypes) if getattr(kind, "kind", "O") not in "biuf"]
    if text:
        raise InputError(f"The DataFrame's columns {text} are not numbers: encode them first (pandas.get_dummies "
                         "for a category, then pass its one-hot columns as one feature with feature_groups=).")
    return torch.tensor(inputs.to_numpy(dtype="float32"), device=device), names
