"""The core's own hook implementations, registered like any plugin's.

The named targets (``"argmax"``, ``"argmin"``), the named outputs
(``"logits"``, ``"softmax"``, ...) and the default answer to the
``calculate_features`` hook live here, apart from the code that resolves
names, as llm keeps its default plugins apart from its plugin loader.
"""
from __future__ import annotations

from .errors import InputError
from .hookspecs import hookimpl


def logits(output):
    """The model's output as a tensor; Hugging Face style outputs give their ``.logits``."""
    if hasattr(output, "dim"):
        return output
    if getattr(output, "logits", None) is not None:
        return output.logits
    raise InputError(
        f"The model returned a {type(output).__name__}, not a tensor, and foxlike cannot tell which part "
        "to explain. In Python, pass output=<callable> that picks the scores, for example "
        "output=lambda out: out[0] or output=lambda out: out['scores']; from the command line or a config, "
        "name an output a plugin registers for such models (`output = \"...\"`, register_outputs hook) or wrap "
        "the model in a module:factory whose forward returns the scores."
    )


@hookimpl
def register_targets(register):
    register("argmax", lambda output: output.argmax(dim=-1))
    register("argmin", lambda output: output.argmin(dim=-1))


@hookimpl
def register_outputs(register):
    register("logits", logits)
    register("softmax", lambda output: logits(output).softmax(dim=-1))
    register("log_softmax", lambda output: logits(output).log_softmax(dim=-1))
    register("sigmoid", lambda output: logits(output).sigmoid())


@hookimpl(trylast=True)
def calculate_features(explainer, model, inputs, target, params):
    """foxlike's default answer to the hook: ask the explainer itself."""
    return explainer.calculate_features(model, inputs, target, **params)
