"""The base class every explainer subclasses."""
from __future__ import annotations

from typing import Any, ClassVar

from .parameters import check_keywords, keyword_parameters, summary


class Explainer:
    """One attribution method, contributed by a plugin.

    Subclasses set ``name`` (``"<namespace>.<method>"``) and ``modality``
    (``"cv"``, ``"nlp"`` or ``"tabular"``: :mod:`foxlike.modalities`) and
    implement :meth:`calculate_features`. The keyword parameters of that method
    are the explainer's parameters: foxlike lists them in ``foxlike
    explainers``, passes the user's values through, and rejects unknown ones
    before any work is done. The first line of the class docstring is the
    one-line description shown to users.
    """

    name: ClassVar[str] = ""
    modality: ClassVar[str] = ""
    #: The input form it takes (a key of :data:`foxlike.modalities.FORMS`: "images", "tensors",
    #: "token_ids", "tables"); ``None`` takes its modality's. Checked before it runs.
    accepts: ClassVar[str | None] = None
    #: Path methods (Integrated Gradients and kin) set this, and implement
    #: :meth:`baselines`, so that every result gets the completeness check.
    completeness: ClassVar[bool] = False
    #: What a failed completeness check suggests to the user.
    completeness_hint: ClassVar[str] = "raise n_steps or check the baseline"
    #: The registered target explained when the user gives none (``None``: the argmax of the output).
    default_target: ClassVar[str | None] = None
    #: Several targets per sample at once: ``target`` is then an ``(N, T)`` index tensor (the model's output
    #: columns) and the attributions ``(N, T, ...)``. Without it foxlike calls the explainer once per target.
    multi_target: ClassVar[bool] = False
    #: Several attributed inputs at once (``xai_model((image, metadata))``): ``inputs`` is then a tuple of
    #: tensors and the attributions a tuple of the same shapes. Without it foxlike refuses tuple inputs.
    multi_input: ClassVar[bool] = False
    #: Relevance methods (LRP) set this with ``completeness``: their attributions add up to the
    #: target's score F(x) itself, not to F(x) - F(baseline), and :meth:`baselines` is not used.
    conserves_output: ClassVar[bool] = False
    #: Methods that need only the gradient of the target at the inputs (saliency, input x gradient) set this
    #: and read it with ``model.input_gradient(inputs, target)``: foxlike then takes it from the prediction's
    #: own forward pass instead of a second one (:mod:`foxlike.prediction_graph`).
    uses_input_gradient: ClassVar[bool] = False

    def calculate_features(self, model, inputs, target, **params):
        """Return the attributions for ``inputs`` as a tensor.

        ``model`` is a :class:`foxlike.ExplainedModel`: an ``nn.Module`` whose
        forward applies the chosen output transform, whose ``forward_args``
        must be passed on (Captum's ``additional_forward_args``), and whose
        ``model`` attribute is the user's own module. ``target`` holds one
        class index per sample, or is ``None`` for single-output models.
        Returning :class:`foxlike.Features` attaches extra results.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement calculate_features")

    def expected_shape(self, inputs, params: dict) -> tuple | None:
        """The shape the attributions must have (one per input for several); ``None`` checks only the
        batch size."""
        if isinstance(inputs, tuple):
            return tuple(tuple(x.shape) for x in inputs)
        return tuple(inputs.shape)

    def baselines(self, inputs, params: dict):
        """The reference input the completeness check compares against.

        ``None`` skips the check for these parameters (a map that was
        resized, for instance, no longer sums to F(x) - F(baseline)).
        """
        raise NotImplementedError(f"{type(self).__name__} sets completeness but has no baselines()")

    def reference_scores(self, model, inputs, params: dict):
        """F(reference) per sample, ``(N, C)``, when the reference is a distribution rather than one input
        (expected gradients and Kernel SHAP over background rows: the mean score over them).

        ``None`` (the default): foxlike runs the model on :meth:`baselines`.
        """
        return None

    @classmethod
    def description(cls) -> str:
        return summary(cls)

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        """The keyword parameters of :meth:`calculate_features` and their defaults."""
        return keyword_parameters(cls.calculate_features, skip=4)

    @classmethod
    def check_parameters(cls, params: dict) -> None:
        """Reject parameters that :meth:`calculate_features` does not take."""
        check_keywords(f"Explainer {cls.name!r}", cls.calculate_features, 4, params)
