"""What a served model does and what a request may ask of it, read once when the model loads.

A model server is set up from its model settings' ``parameters.extra``: the
keys of a foxlike TOML config that apply to a server
(:data:`foxlike.cli.config.SERVER_KEYS`), checked by the one schema, plus
``request_targets``. A request may then narrow the explainers to some of
those the settings name (with the settings' parameters: a client never sets
an explainer's parameters) and choose the target: a class index, or a name
the settings allow. A settings file cannot ask for an unsafe (pickle) load,
exactly as a config file cannot.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..cli.config import SERVER_KEYS, RunConfig, from_mapping, refuse_unsafe_load, resolve_names
from ..errors import ConfigError, ParameterError, TargetError
from ..plugins import lookup
from ..specs import Spec

#: The one key a server has beyond a run's: the named targets a request may ask for besides the settings' own.
REQUEST_TARGETS = "request_targets"
#: Why a server never unpickles a model, and what to serve instead.
UNSAFE_LOAD_FIX = ("A server loads a TorchScript file or 'module:factory' with weights_only=True state_dict weights: "
                   "save the model with torch.jit.save, or its state_dict with torch.save(model.state_dict(), path).")


@dataclass
class ServedSettings:
    """The served model's run settings, with its explainers and metrics resolved once for every request."""

    config: RunConfig
    explainers: list[Spec]
    metrics: list[Spec]
    #: the named targets a request may choose (the settings' own target among them)
    request_targets: list[str] = field(default_factory=list)

    @property
    def explainer_names(self) -> list[str]:
        return [spec.name for spec in self.explainers]


def served_settings(extra: dict[str, Any], source: str) -> ServedSettings:
    """The settings in a model settings' ``parameters.extra``; anything wrong is a ConfigError naming it."""
    if not isinstance(extra, dict) or not extra:
        raise ConfigError(f"{source} holds no foxlike settings: put the model and its explainers in "
                          "parameters.extra, for example {\"model\": \"model.pt\", \"explainers\": "
                          "[\"cv.integrated_gradients\"]} (docs/serving.md).")
    refuse_unsafe_load(extra, source, UNSAFE_LOAD_FIX)
    data = dict(extra)
    allowed = data.pop(REQUEST_TARGETS, [])
    if not isinstance(allowed, list) or not all(isinstance(name, str) for name in allowed):
        raise ConfigError(f"{REQUEST_TARGETS} in {source} must be a list of registered target names a request may "
                          f"ask for, such as [\"argmax\", \"argmin\"], got {allowed!r}.")
    config = from_mapping(data, source, SERVER_KEYS + [REQUEST_TARGETS])
    if not config.model:
        raise ConfigError(f"{source} names no model: set \"model\" to a TorchScript file or 'module:factory'.")
    explainers, metrics = resolve_names(config)
    for name in allowed:
        lookup("targets", name.partition(":")[0])
    if isinstance(config.target, str) and config.target not in allowed:
        allowed = [config.target] + allowed
    return ServedSettings(config, explainers, metrics, allowed)


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return value
    raise ParameterError(f"The request parameter 'explainers' must be a name, names separated by commas or a list "
                         f"of names, got {value!r}.")


def chosen_explainers(settings: ServedSettings, requested: Any) -> list[Spec]:
    """The settings' explainers a request names (all of them when it names none), in the request's order."""
    if requested is None:
        return settings.explainers
    names = _names(requested)
    if not names:
        raise ParameterError(f"The request names no explainer: leave 'explainers' out for all of them "
                             f"({', '.join(settings.explainer_names)}), or name some.")
    by_name = {spec.name: spec for spec in settings.explainers}
    for name in names:
        if name not in by_name:
            lookup("explainers", name)  # an unknown name: its error lists the registered ones
            raise ParameterError(f"Explainer {name!r} is not allowed by this server's settings: it serves "
                                 f"{', '.join(settings.explainer_names)}. Ask for one of those, or add it to the "
                                 "settings' explainers.")
    return [by_name[name] for name in dict.fromkeys(names)]


def chosen_target(settings: ServedSettings, requested: Any) -> Any:
    """The target a request asks for (the settings' own when it asks for none): class indices or an allowed name.

    Indices are checked against the model's output when it runs (foxlike's target rules: out of range is
    a TargetError naming the valid range)."""
    if requested is None:
        return settings.config.target
    if isinstance(requested, str) and requested.strip().lstrip("-").isdigit():
        requested = int(requested)  # gRPC parameters carry strings as often as ints
    if isinstance(requested, bool) or not isinstance(requested, (int, str, list)):
        raise TargetError(f"The request parameter 'target' must be a class index, one index per sample or a target "
                          f"name, got {requested!r}.")
    if isinstance(requested, str):
        lookup("targets", requested.partition(":")[0])
        if requested not in settings.request_targets:
            raise TargetError(f"Target {requested!r} is not allowed by this server's settings: ask for a class index "
                              f"or one of {', '.join(settings.request_targets) or '(no names)'}; the settings' "
                              f"{REQUEST_TARGETS} lists the names a request may choose.")
    return requested
