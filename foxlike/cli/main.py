"""The ``foxlike`` command. Each subcommand imports what it needs when it runs,
so ``foxlike --help`` does not import torch, Captum or any plugin."""
from __future__ import annotations

import argparse
import sys

from .exit_codes import EXIT_CRASHED, EXIT_ERROR, EXIT_INTERRUPTED
from .serve import add_serve_parser

#: The modalities ``foxlike explainers --modality`` offers (foxlike.modalities.MODALITIES, named here so that
#: ``foxlike --help`` imports nothing of the core).
MODALITIES = ("cv", "nlp", "tabular")


def _plugins(args) -> int:
    """List every plugin; a conflict between two is reported in the listing (exit 1), not instead of it."""
    from ..errors import PluginConflictError
    from ..plugins import discovered, plugins

    try:
        listed, conflict = plugins(), None
    except PluginConflictError as exc:
        listed, conflict = discovered(), exc
    for plugin in listed:
        line = f"{plugin.name:<20} {plugin.distribution} {plugin.version}".rstrip()
        if plugin.licence:
            line += f" ({plugin.licence})"
        if plugin.status != "loaded":
            line += f"  [{plugin.status}{': ' + plugin.error if plugin.error else ''}]"
        print(line)
        for kind, names in sorted(plugin.contributes.items()):
            print(f"    {kind}: {', '.join(names)}")
    if conflict is not None:
        print(f"\nConflict: {conflict}")
        return 1
    return 0


def _explainers(args) -> int:
    from ..plugins import registry

    table = registry().explainers
    if args.modality:
        table = {name: entry for name, entry in table.items() if entry.obj.modality == args.modality}
    width = max((len(n) for n in table), default=0)
    for name in sorted(table):
        cls = table[name].obj
        print(f"{name:<{width}}  {cls.description()}")
        if args.verbose:
            params = ", ".join(f"{k}={v!r}" for k, v in cls.parameters().items())
            print(f"{'':<{width}}  parameters: {params or '(none)'}  [plugin {table[name].plugin}]")
    if not table:
        if args.modality:
            print(f"No explainers of modality {args.modality!r}; the modalities are: {', '.join(MODALITIES)}.")
        else:
            print("No explainers: are the plugins installed and enabled (FOXLIKE_PLUGINS, FOXLIKE_DISABLE_PLUGINS)?")
        return 1
    return 0


def _demo(args) -> int:
    from ..demo import run_demo
    from .exit_codes import EXIT_CHECKS_FAILED, EXIT_OK

    return EXIT_OK if run_demo(args) else EXIT_CHECKS_FAILED


def _explain(args) -> int:
    from .explain import run_explain

    return run_explain(args)


def _add_explain_parser(commands) -> None:
    explain = commands.add_parser(
        "explain", help="explain a model's predictions on images or sentences; writes a report folder",
        description="Settings come from --config (TOML) and then from the flags, which win. "
                    "Exit codes: 0 all passed, 1 report written but an explainer or a check failed, "
                    "2 usage, foxlike or file error, 3 crashed (traceback printed), 130 interrupted.")
    explain.add_argument("model", nargs="?", help="a TorchScript file, or 'module:factory' (with --weights); "
                                                  "with --model, the first input")
    explain.add_argument("inputs", nargs="*", help="image files, folders of images, one .txt file (a sentence a line) or one .csv table")
    explain.add_argument("--model", "-m", dest="model_option", metavar="MODEL",
                         help="the model, named as an option; then every positional argument is an input")
    explain.add_argument("--config", help="a TOML file with the same settings (docs/cli.md)")
    explain.add_argument("--explainer", "-e", action="append", dest="explainers", metavar="NAME",
                         help="a registered explainer name; repeat for several (`foxlike explainers`)")
    explain.add_argument("--metric", "-M", action="append", dest="metrics", metavar="NAME",
                         help="a registered metric (deletion, insertion, ...) scored for every explanation; "
                              "the report ranks the explainers by it")
    explain.add_argument("--param", "-p", action="append", default=[], metavar="NAME:KEY=VALUE",
                         help="an explainer's or metric's parameter, the value read as TOML "
                              "(cv.integrated_gradients:n_steps=20, deletion:steps=10)")
    explain.add_argument("--target", help="a class index or a registered target name (default argmax)")
    explain.add_argument("--output", help="what is attributed: a registered output name (default logits)")
    explain.add_argument("--out", help="the report folder (default foxlike-report)")
    explain.add_argument("--weights", "--state-dict", dest="weights", help="a state_dict file for a 'module:factory' model (loaded weights_only)")
    explain.add_argument("--unsafe-load", action="store_true", default=None,
                         help="allow unpickling a whole model file: runs code from the file, only for files you trust")
    explain.add_argument("--tokenizer", help="'module:callable' turning sentences into (input_ids, tokens)")
    explain.add_argument("--image-size", type=int, nargs=2, metavar=("H", "W"), help="resize images to H x W")
    explain.add_argument("--channels", type=int, choices=(1, 3), help="1 for grayscale models, 3 for RGB (default)")
    explain.add_argument("--mean", type=float, nargs="+", help="per-channel mean subtracted after scaling to [0, 1]")
    explain.add_argument("--std", type=float, nargs="+", help="per-channel standard deviation divided by")
    explain.add_argument("--background", metavar="CSV",
                         help="reference rows for the tabular explainers that take a background (a .csv table)")
    explain.add_argument("--batch-size", type=int, help="inputs per batch (default 16)")
    explain.add_argument("--quiet", "-q", action="store_true", default=None, help="no progress bar, no summary lines")
    explain.add_argument("--skip-unreadable", action="store_true", default=None,
                         help="leave out image files that cannot be read (listed in the report) instead of stopping")
    explain.add_argument("--fresh", action="store_true", default=None,
                         help="explain everything again instead of resuming from the batches already in --out")
    explain.set_defaults(run=_explain)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="foxlike", description="Explain PyTorch models' predictions.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("plugins", help="list plugins: distribution, version, what each contributes") \
        .set_defaults(run=_plugins)
    explainers = commands.add_parser("explainers", help="list the explainers with a line each")
    explainers.add_argument("-v", "--verbose", action="store_true", help="also list each explainer's parameters")
    explainers.add_argument("--modality", "-m", help=f"only those for one kind of input: {', '.join(MODALITIES)}")
    explainers.set_defaults(run=_explainers)
    _add_explain_parser(commands)
    add_serve_parser(commands)
    demo = commands.add_parser("demo", help="explain a real model on real data, no download needed")
    demo.add_argument("--out", default="foxlike-demo", help="the folder to write the report to")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from ..version import __version__

        print(f"foxlike {__version__}")
        return 0
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    from ..errors import FoxlikeError, ModelError

    try:
        return args.run(args)
    except FoxlikeError as exc:
        if isinstance(exc, ModelError) and exc.__cause__ is not None:  # the model's own traceback first
            import traceback

            traceback.print_exception(exc.__cause__, file=sys.stderr)
        print(f"foxlike: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # a folder that is a file, a full disk, no permission: the system said why
        print(f"foxlike: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("foxlike: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - reported with its traceback, under its own exit code
        import traceback

        traceback.print_exc()
        print("foxlike: crashed (a bug in foxlike, a plugin or the model; the traceback above says where)",
              file=sys.stderr)
        return EXIT_CRASHED


if __name__ == "__main__":
    sys.exit(main())
