"""The view of the user's model that explainers receive."""
from __future__ import annotations

from typing import Callable

import torch

from .toolkit.rows import as_tuple, rows_of


class ExplainedModel(torch.nn.Module):
    """The user's model with the output transform applied and forward arguments bound.

    Explainers receive this instead of the user's module. Its forward takes
    the inputs and then ``forward_args`` positionally, which is what Captum's
    ``additional_forward_args`` expects (Captum repeats their batch rows for
    every interpolation step); keyword arguments the user passed, such as an
    ``attention_mask``, are turned back into keywords for the real model.

    With a :class:`foxlike.targets.ScoreTarget` its forward returns that
    score, ``(rows, 1)``, and the target's per-sample tensors ride at the end
    of ``forward_args``, so every explainer explains the score unchanged.

    A model with several attributed inputs (``xai_model((image, metadata))``)
    takes them first, as Captum passes tuple inputs: ``forward(image,
    metadata, *forward_args)``; ``n_inputs`` says how many.
    """

    def __init__(self, model: torch.nn.Module, transform: Callable, output: str,
                 args: tuple = (), kwargs: dict | None = None, score=None, column: int | None = None,
                 n_inputs: int = 1):
        super().__init__()
        self.model = model
        kwargs = kwargs or {}
        # Plain attributes go straight into __dict__: nn.Module.__setattr__ checks each for parameters and
        # modules, which is a measurable share of foxlike's fixed cost per call on small models.
        self.__dict__.update(
            n_inputs=n_inputs, transform=transform, output=output, _n_args=len(args), _kwarg_names=tuple(kwargs),
            score=score,
            column=column,  # with a score of several targets, the one this view returns (None: all of them)
            forward_args=tuple(args) + tuple(kwargs.values()) + (tuple(score.per_sample) if score else ()),
            prediction=None,  # the prediction's graph, when foxlike kept it (foxlike.prediction_graph)
            feature_names=None,  # the names of the table's columns, when the inputs came as a DataFrame
        )

    def input_gradient(self, inputs, target) -> tuple | None:
        """The gradient of the target's score at ``inputs``, one tensor per input, taken from the prediction's
        own forward pass; ``None`` when that pass has none for them (other inputs, a score target, no graph
        kept), and the explainer then computes it itself."""
        if self.prediction is None or self.score is not None or self.column is not None:
            return None
        return self.prediction.gradient(inputs, target)

    @property
    def user_args(self) -> tuple:
        """The forward arguments the user passed (positional, then keyword values), without a score's."""
        return self.forward_args[: self._n_args + len(self._kwarg_names)]

    def with_model(self, model: torch.nn.Module) -> "ExplainedModel":
        """The same view (transform, forward arguments, score) of another model: a randomised copy, say."""
        return self._view(model, self.forward_args, self.column)

    def for_column(self, column: int) -> "ExplainedModel":
        """This view returning only target ``column`` of a score of several targets."""
        return self._view(self.model, self.forward_args, column)

    def for_rows(self, rows, batch: int) -> "ExplainedModel":
        """This view with the forward arguments (and score tensors) of some samples of a batch of ``batch``."""
        return self._view(self.model, rows_of(self.forward_args, rows, batch), self.column)

    def _view(self, model, forward_args: tuple, column) -> "ExplainedModel":
        used = self._n_args + len(self._kwarg_names)
        view = ExplainedModel(model, self.transform, self.output, forward_args[: self._n_args],
                              dict(zip(self._kwarg_names, forward_args[self._n_args:used])), None, column,
                              self.n_inputs)
        view.__dict__.update(score=self.score, forward_args=tuple(forward_args), feature_names=self.feature_names)
        return view

    def forward(self, *values):
        if self.score is None:
            return self.transform(self.call_model(*values))
        inputs, forward_args = self._split(values)
        used = self._n_args + len(self._kwarg_names)
        user, per_sample = forward_args[:used], forward_args[used:]
        score = self.score.forward(lambda x: self.transform(self.call_model(*as_tuple(x), *user)),
                                   inputs[0] if self.n_inputs == 1 else inputs, *per_sample)
        score = score.reshape(score.shape[0], -1)
        return score if self.column is None else score[:, self.column:self.column + 1]

    def on(self, inputs, *forward_args):
        """``self(...)`` on inputs given as one tensor or a tuple of them."""
        return self(*as_tuple(inputs), *forward_args)

    def _split(self, values: tuple) -> tuple[tuple, tuple]:
        return tuple(values[: self.n_inputs]), tuple(values[self.n_inputs:])

    def first_sample(self, inputs) -> tuple:
        """The first row of ``inputs`` (a tensor, or a tuple of them) and of every forward argument batched
        with it."""
        batch = as_tuple(inputs)[0].shape[0]
        first = tuple(x[:1] for x in inputs) if isinstance(inputs, tuple) else inputs[:1]
        return first, rows_of(self.forward_args, slice(0, 1), batch)

    def run_order(self, inputs, kind: type | tuple[type, ...]) -> list[torch.nn.Module]:
        """The user's modules of ``kind`` in the order one forward pass on one sample runs them.

        Registration order says nothing about it; layer methods that look for
        "the last conv layer" or "the embedding that runs first" need this.
        The hooks it uses are removed before it returns, and the answer is
        remembered for this model and input signature (``foxlike.toolkit.probes``).
        """
        from .toolkit.probes import remembered, signature

        def probe() -> list[torch.nn.Module]:
            order: list[torch.nn.Module] = []
            handles = [m.register_forward_hook(lambda module, *_: order.append(module))
                       for m in self.model.modules() if isinstance(m, kind)]
            try:
                sample, args = self.first_sample(inputs)
                with torch.no_grad():
                    self.on(sample, *args)
            finally:
                for handle in handles:
                    handle.remove()
            return list(dict.fromkeys(order))

        question = ("run_order", kind, *map(signature, as_tuple(inputs)), *(signature(a) for a in self.forward_args))
        return remembered(self.model, question, probe)

    def layer_name(self, layer: torch.nn.Module) -> str:
        return next((name for name, module in self.model.named_modules() if module is layer), "?")

    def call_model(self, *values):
        """The user's model itself (no output transform) on the inputs and forward arguments ``values``
        (a score's per-sample tensors at their end, if any, are left out)."""
        inputs, forward_args = self._split(values)
        args = forward_args[: self._n_args]
        kwargs = dict(zip(self._kwarg_names, forward_args[self._n_args:self._n_args + len(self._kwarg_names)]))
        return self.model(*inputs, *args, **kwargs)

    @property
    def additional_forward_args(self) -> tuple | None:
        """``forward_args`` in the form Captum's ``additional_forward_args`` takes."""
        return self.forward_args or None

    def layer(self, layer: str | torch.nn.Module) -> torch.nn.Module:
        """A layer of the user's model, by dotted name (``"features.7"``) or as the module itself."""
        from .errors import ParameterError

        if isinstance(layer, torch.nn.Module):
            if not any(layer is m for m in self.model.modules()):
                raise ParameterError("The layer given is not a module of the explained model.")
            return layer
        try:
            return self.model.get_submodule(layer)
        except AttributeError:
            names = [n for n, _ in self.model.named_modules() if n]
            raise ParameterError(
                f"The model has no layer named {layer!r}. Its layers are: {', '.join(names[:40])}"
                + (" ..." if len(names) > 40 else "")
            ) from None
