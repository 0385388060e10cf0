"""``foxlike explain``: settings from a TOML file and flags, a safely loaded model, a report folder."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import ConfigError
from .config import RunConfig, from_mapping, load_config, resolve_names, tomllib
from .exit_codes import EXIT_CHECKS_FAILED, EXIT_OK

#: The report folder's subfolder for each batch's results as they are written (resuming reads them).
BATCHES = "batches"

_FLAG_KEYS = ("model", "inputs", "target", "output", "out", "weights", "unsafe_load", "tokenizer", "image_size",
              "channels", "mean", "std", "batch_size", "quiet", "fresh", "skip_unreadable", "background")


def _parse_value(text: str):
    """A flag value read as a TOML value (``20``, ``0.5``, ``true``, ``[1, 2]``); otherwise the string."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def _table_for(name: str, merged: dict) -> dict:
    """The explainers or metrics table that ``--param NAME:...`` belongs to; a name that is neither asked
    for is an error that says how to ask for it (a parameter for something that does not run would be
    ignored without a word)."""
    from ..plugins import registry

    for key in ("metrics", "explainers"):
        if name in merged[key]:
            return merged[key]
    known = registry()
    if name in known.metrics:
        raise ConfigError(f"--param {name}:... sets a parameter of the metric {name!r}, which is not asked for: add "
                          f"-M {name} (or put it in the config's 'metrics').")
    if name in known.explainers:
        chosen = ", ".join(merged["explainers"]) or "none"
        raise ConfigError(f"--param {name}:... sets a parameter of the explainer {name!r}, which is not among the "
                          f"explainers to run ({chosen}): add -e {name}.")
    raise ConfigError(f"--param {name}:... names no explainer or metric that runs, nor any installed one: "
                      "`foxlike explainers` lists the explainers, and -M takes the metrics.")


def settings(args) -> RunConfig:
    """The config file's settings with every flag the user gave on top."""
    config = load_config(args.config) if args.config else RunConfig()
    given = {key: getattr(args, key) for key in _FLAG_KEYS if getattr(args, key, None) not in (None, [])}
    if getattr(args, "model_option", None):  # `--model M a.png b.png`: the first positional is an input
        given["inputs"] = [given.pop("model")] + given.get("inputs", []) if "model" in given else given.get("inputs", [])
        given["model"] = args.model_option
    if "target" in given:
        given["target"] = _parse_value(given["target"])
    merged = {**{k: getattr(config, k) for k in RunConfig.keys()}, **given}
    if args.explainers:
        merged["explainers"] = {name: dict(config.explainers.get(name, {})) for name in args.explainers}
    if args.metrics:
        merged["metrics"] = {name: dict(config.metrics.get(name, {})) for name in args.metrics}
    for item in args.param:
        name, sep, assignment = item.partition(":")
        key, eq, value = assignment.partition("=")
        if not (sep and eq and key):
            raise ConfigError(f"--param {item!r} must look like NAME:KEY=VALUE, e.g. "
                              "cv.integrated_gradients:n_steps=20 or deletion:steps=10.")
        _table_for(name, merged)[name][key] = _parse_value(value)
    config = from_mapping(merged, "the command line")
    if not config.model or not config.inputs:
        raise ConfigError("Name a model and inputs: foxlike explain MODEL INPUTS... (or 'model' and 'inputs' "
                          "in --config).")
    return config


def run_explain(args) -> int:
    from ..report import write_report
    from ..runner.explain_inputs import explain_inputs
    from ..runner.files import subfolder
    from .inputs import read_inputs
    from .loading import load_model, load_tokenizer
    from .tables import give_background, read_table

    config = settings(args)
    explainers, metrics = resolve_names(config)
    model = load_model(config.model, config.weights, config.unsafe_load)
    feature_names = list(getattr(model, "feature_names", None) or [])
    inputs = read_inputs(config.inputs, tokenizer=load_tokenizer(config.tokenizer, model),
                         feature_names=feature_names, image_size=config.image_size, channels=config.channels,
                         mean=config.mean, std=config.std, skip_unreadable=config.skip_unreadable)
    if config.background:
        give_background(explainers, read_table(Path(config.background), feature_names or inputs.feature_names))
    labels = config.labels or list(getattr(model, "labels", []) or [])
    Path(config.out).mkdir(parents=True, exist_ok=True)  # before the long part: a bad --out fails at once
    run = explain_inputs(model, inputs, explainers, target=config.target, output=config.output,
                         batch_size=config.batch_size, quiet=config.quiet, title=f"foxlike: {config.model}",
                         model_name=config.model, labels=labels, metrics=metrics,
                         out_dir=subfolder(Path(config.out), BATCHES), fresh=config.fresh)
    report = write_report(config.out, run)
    if run.resumed:
        print(f"Resumed: {run.resumed} batch(es) were already explained in {Path(config.out) / BATCHES}.",
              file=sys.stderr)
    if run.discarded:
        print(f"Started afresh: the batches in {Path(config.out) / BATCHES} came from another run (it differed "
              f"in: {', '.join(run.discarded)}) and were deleted.", file=sys.stderr)
    for skipped in run.skipped:
        print(f"Skipped (unreadable): {skipped}", file=sys.stderr)
    if not config.quiet:
        for sample in run.samples:
            failed = [n for n, e in sample.explanations.items() if not e.passed]
            print(f"{sample.name}: predicted {run.label(sample.prediction)}"
                  + (f"  FAILED: {', '.join(failed)}" if failed else ""))
        comparison = run.comparison()
        if comparison is not None:
            print(f"\nMean over the {len(run.samples)} inputs, rank in brackets:\n{comparison}\n")
    print(f"Report: {report.resolve()}", file=sys.stdout if not config.quiet else sys.stderr)
    return EXIT_OK if run.passed else EXIT_CHECKS_FAILED
