"""foxlike's exception and warning types, all in one place.

Every error foxlike raises on purpose is a :class:`FoxlikeError`, and its
message says what was wrong and what to do about it. What foxlike records
instead of raising (lenient mode) is warned about as a :class:`FoxlikeWarning`.
"""
from __future__ import annotations

import difflib


class FoxlikeError(Exception):
    """Base class of every error foxlike raises on purpose."""


class FoxlikeWarning(UserWarning):
    """An explanation failed a check, or an explainer failed, in lenient mode."""


class PluginError(FoxlikeError):
    """A plugin could not be loaded or registered something invalid."""


class PluginConflictError(PluginError):
    """Two plugins registered the same name."""


class UnknownNameError(FoxlikeError, KeyError):
    """A name (explainer, target, output) that no plugin registered."""

    def __init__(self, kind: str, name: str, known: list[str]):
        self.kind, self.name, self.known = kind, name, sorted(known)
        close = difflib.get_close_matches(str(name), self.known, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        listing = ", ".join(self.known) or "(none: are the plugins installed and enabled?)"
        super().__init__(f"Unknown {kind} {name!r}.{hint} Known {kind}s: {listing}.")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class ParameterError(FoxlikeError, TypeError):
    """An explainer was given a parameter it does not take, or a bad value."""


class TargetError(FoxlikeError, ValueError):
    """The target cannot be resolved against the model's output."""


class InputError(FoxlikeError, ValueError):
    """The inputs or the model's output cannot be explained as given."""


class ModelError(InputError):
    """The user's model raised in its forward pass; the model's own exception is chained (``__cause__``).

    An ``InputError`` too, because inputs of the wrong shape or dtype are the usual reason.
    """


class ModelNotSupportedError(FoxlikeError):
    """The explainer's method cannot work on this model (the message says why)."""


class ExplainerError(FoxlikeError):
    """An explainer raised while computing attributions.

    ``explanations`` holds the explainers' results computed before it in the same call (strict mode).
    """

    def __init__(self, explainer: str, cause: BaseException):
        self.explainer, self.cause = explainer, cause
        self.explanations: dict = {}
        super().__init__(f"Explainer {explainer!r} failed: {type(cause).__name__}: {cause}")


class ValidationError(FoxlikeError):
    """An explanation failed one of its checks (strict mode).

    ``explanations`` holds the explainers' results computed before it in the same call, so that one
    failed check does not throw the others' work away.
    """

    def __init__(self, explainer: str, failed: list):
        self.explainer, self.failed = explainer, failed
        self.explanations: dict = {}
        details = "; ".join(f"{getattr(c, 'label', c.name)}: {c.message}" for c in failed)
        super().__init__(
            f"Explanation from {explainer!r} failed validation: {details}. "
            "Pass strict=False to record failed checks as warnings instead of raising."
        )


class RecordedError(FoxlikeError):
    """An error read back from a result record (a shard file): its message, as it was recorded."""


class ConfigError(FoxlikeError, ValueError):
    """A config file or flag that cannot be used as given."""


class ModelLoadError(FoxlikeError):
    """The model (or its tokenizer) could not be loaded as asked."""
