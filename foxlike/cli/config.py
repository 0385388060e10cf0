"""The settings of one ``foxlike explain`` run, from a TOML file and the command line: one schema.

A config file is data: it is parsed with :mod:`tomllib` (``tomli`` on Python
3.10) and never evaluated. Explainers, targets and outputs are named by
their registered names; an unknown key or name is an error that lists the
valid ones, and a value of the wrong type or range is an error that says what
it must be (:data:`SCHEMA`), whether it came from a file, a flag or a
server's settings.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from ..errors import ConfigError, ParameterError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass
class RunConfig:
    """Everything ``foxlike explain`` needs; the TOML keys are these field names."""

    model: str = ""
    inputs: list[str] = field(default_factory=list)
    explainers: dict[str, dict[str, Any]] = field(default_factory=dict)
    target: Any = "argmax"
    output: str = "logits"
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    out: str = "foxlike-report"
    weights: str = ""
    unsafe_load: bool = False
    tokenizer: str = ""
    image_size: list[int] = field(default_factory=list)
    channels: int = 3
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    batch_size: int = 16
    quiet: bool = False
    fresh: bool = False
    skip_unreadable: bool = False
    #: a CSV file of reference rows for the explainers that take a ``background`` (tabular inputs)
    background: str = ""

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(value)


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _target(value) -> bool:
    return (isinstance(value, str) or (_is_int(value) and value >= 0)
            or (isinstance(value, list) and value and all(_is_int(v) and v >= 0 for v in value)))


def _image_size(value) -> bool:
    return isinstance(value, list) and (not value or (len(value) == 2 and all(_is_int(v) and v > 0 for v in value)))


#: The one schema of a run's settings: for each key, what it must hold (said in errors) and the check.
#: TOML files, command-line flags and the serving settings all go through it (:func:`from_mapping`).
SCHEMA: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "model": ("a string: a TorchScript file or 'module:factory'", lambda v: isinstance(v, str)),
    "inputs": ("a list of file or folder names", _strings),
    "target": ("a class index (an int >= 0), one index per input, or a registered target name such as "
               "'argmax'", _target),
    "output": ("a registered output name such as 'logits' or 'softmax'", lambda v: isinstance(v, str)),
    "out": ("a folder name", lambda v: isinstance(v, str) and bool(v)),
    "weights": ("a state_dict file name", lambda v: isinstance(v, str)),
    "unsafe_load": ("true or false", lambda v: isinstance(v, bool)),
    "tokenizer": ("'module:callable'", lambda v: isinstance(v, str)),
    "image_size": ("[height, width] in pixels, both positive ints (or one int for a square)", _image_size),
    "channels": ("1 (grayscale) or 3 (RGB)", lambda v: _is_int(v) and v in (1, 3)),
    "mean": ("a list of numbers, one per channel", lambda v: isinstance(v, list) and all(map(_is_number, v))),
    "std": ("a list of non-zero numbers, one per channel",
            lambda v: isinstance(v, list) and all(_is_number(x) and x != 0 for x in v)),
    "labels": ("a list of class names", _strings),
    "batch_size": ("a positive int", lambda v: _is_int(v) and v >= 1),
    "quiet": ("true or false", lambda v: isinstance(v, bool)),
    "fresh": ("true or false", lambda v: isinstance(v, bool)),
    "skip_unreadable": ("true or false", lambda v: isinstance(v, bool)),
    "background": ("a CSV file name", lambda v: isinstance(v, str)),
}


def check_settings(data: dict[str, Any], source: str) -> None:
    """Every value of ``data`` as :data:`SCHEMA` says, and mean and std one per channel."""
    for key, value in data.items():
        if key in SCHEMA and not SCHEMA[key][1](value):
            raise ConfigError(f"{key} in {source} must be {SCHEMA[key][0]}, got {value!r}.")
    channels = data.get("channels", RunConfig.channels)
    for key in ("mean", "std"):
        if data.get(key) and len(data[key]) != channels:
            raise ConfigError(f"{key} in {source} has {len(data[key])} values for {channels} channel(s): give one "
                              f"per channel (or set channels).")


#: The keys that name plugin parts, each a list of names or a table of name -> parameters; an example.
NAMED_TABLES = {"explainers": '"cv.integrated_gradients"', "metrics": "deletion"}


def _named_table(key: str, value: Any) -> dict[str, dict[str, Any]]:
    """``explainers`` or ``metrics``: a list of names or a table of name -> parameters."""
    if isinstance(value, list):
        value = {name: {} for name in value}
    if not isinstance(value, dict) or not all(isinstance(p, dict) for p in value.values()):
        raise ConfigError(f"{key!r} must be a list of names or a table such as [{key}.{NAMED_TABLES[key]}] "
                          "with its parameters.")
    return {str(name): dict(params) for name, params in value.items()}


#: The one setting only a flag (``--unsafe-load``) can give: a config file may come from someone
#: else, and must not be able to make foxlike unpickle (run code from) a model file.
COMMAND_LINE_ONLY = "unsafe_load"


#: The keys that apply to a model server (foxlike.serve): what to load and how to explain each request. The
#: others are about files and reports, which a server has none of.
SERVER_KEYS = ["model", "weights", "tokenizer", "explainers", "target", "output", "metrics", "labels"]


def refuse_unsafe_load(data: dict[str, Any], source: str, fix: str) -> None:
    """A settings file (a config, a server's model settings) naming :data:`COMMAND_LINE_ONLY` is refused."""
    if COMMAND_LINE_ONLY in data:
        raise ConfigError(f"{COMMAND_LINE_ONLY!r} in {source} is refused: a settings file cannot ask for an unsafe "
                          f"load. {fix}")


def file_keys() -> list[str]:
    """The keys a config file may hold."""
    return [key for key in RunConfig.keys() if key != COMMAND_LINE_ONLY]


def from_mapping(data: dict[str, Any], source: str = "config", known: list[str] | None = None) -> RunConfig:
    """A :class:`RunConfig` from parsed TOML; unknown keys are an error listing the ``known`` ones."""
    known = known or RunConfig.keys()
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"Unknown key(s) in {source}: {', '.join(unknown)}. Valid keys: {', '.join(known)}.")
    data = dict(data)
    for key in NAMED_TABLES:
        if key in data:
            data[key] = _named_table(key, data[key])
    if _is_int(data.get("image_size")):
        data["image_size"] = [data["image_size"]] * 2
    if isinstance(data.get("inputs"), str):
        data["inputs"] = [data["inputs"]]
    for key in ("mean", "std"):  # a single number for every channel
        if _is_number(data.get(key)):
            data[key] = [data[key]] * data.get("channels", RunConfig.channels)
    check_settings(data, source)
    return RunConfig(**data)


def load_config(path: str | Path) -> RunConfig:
    """Read a TOML config file; relative paths in it stay relative to the working directory."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"Config file {str(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {str(path)!r} is not valid TOML: {exc}.") from None
    source = f"config file {str(path)!r}"
    refuse_unsafe_load(data, source, "Pass --unsafe-load on the command line if you trust the model file.")
    return from_mapping(data, source, file_keys())


def resolve_names(config: RunConfig) -> tuple[list, list]:
    """The config's explainers and metrics as specs, resolved once for the whole run (every batch reuses
    them); an unknown name, output or named target, or a parameter not taken, fails here."""
    from ..explaining import resolve_explainers, resolve_metrics
    from ..plugins import lookup

    if not config.explainers:
        raise ParameterError("Name at least one explainer (--explainer NAME, or 'explainers' in the config); "
                             "`foxlike explainers` lists them.")
    explainers, metrics = resolve_explainers(config.explainers), resolve_metrics(config.metrics)
    lookup("outputs", config.output)
    if isinstance(config.target, str):
        lookup("targets", config.target)
    return explainers, metrics


def to_toml(config: RunConfig) -> str:
    """Write ``config`` back as TOML that :func:`load_config` reads to an equal config.

    The command-line-only setting (:data:`COMMAND_LINE_ONLY`) is left out: it is not a file's to give.
    """
    lines, tables = [], []
    for key in file_keys():
        value = getattr(config, key)
        if key in NAMED_TABLES:
            for name, params in value.items():
                tables.append(f'\n[{key}.{_toml_value(name)}]')
                tables += [f"{k} = {_toml_value(v)}" for k, v in params.items()]
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    if not config.explainers:
        lines.append("explainers = []")
    return "\n".join(lines + tables) + "\n"


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ConfigError(f"Cannot write {value!r} ({type(value).__name__}) to TOML.")
