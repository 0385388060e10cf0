"""The ``foxlike`` command. Each subcommand imports what it needs when it runs,
so ``foxlike --help`` does not import torch, Captum or any plugin."""
from __future__ import annotations

import argparse
import sys


def _plugins(args) -> int:
    from . import plugins

    for plugin in plugins.plugins():
        line = f"{plugin.name:<20} {plugin.distribution} {plugin.version}".rstrip()
        if plugin.status != "loaded":
            line += f"  [{plugin.status}{': ' + plugin.error if plugin.error else ''}]"
        print(line)
        for kind, names in sorted(plugin.contributes.items()):
            print(f"    {kind}: {', '.join(names)}")
    return 0


def _explainers(args) -> int:
    from . import plugins

    table = plugins.registry().explainers
    width = max((len(n) for n in table), default=0)
    for name in sorted(table):
        cls = table[name].obj
        print(f"{name:<{width}}  {cls.description()}")
        if args.verbose:
            params = ", ".join(f"{k}={v!r}" for k, v in cls.parameters().items())
            print(f"{'':<{width}}  parameters: {params or '(none)'}  [plugin {table[name].plugin}]")
    if not table:
        print("No explainers: are the plugins installed and enabled (FOXLIKE_PLUGINS, FOXLIKE_DISABLE_PLUGINS)?")
        return 1
    return 0


def _demo(args) -> int:
    from .demo import run_demo

    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="foxlike", description="Explain PyTorch models' predictions.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("plugins", help="list plugins: distribution, version, what each contributes") \
        .set_defaults(run=_plugins)
    explainers = commands.add_parser("explainers", help="list the explainers with a line each")
    explainers.add_argument("-v", "--verbose", action="store_true", help="also list each explainer's parameters")
    explainers.set_defaults(run=_explainers)
    demo = commands.add_parser("demo", help="explain a real model on real data, no download needed")
    demo.add_argument("--output-dir", default="foxlike-demo", help="where to write the report")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"foxlike {__version__}")
        return 0
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    from .errors import FoxlikeError

    try:
        return args.run(args)
    except FoxlikeError as exc:
        print(f"foxlike: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
