"""Run one case (or one study) in this fresh process and print its result as a JSON line.

``python -m benchmarks.case overhead/foxlike --device cpu --sizes quick --repeat 3``
"""
from __future__ import annotations

import argparse
import json
import sys

import torch

from .cases import cases
from .measure import Unavailable, measure
from .sizes import FULL, QUICK

MARK = "BENCHMARK-RESULT "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", choices=("quick", "full"), default="quick")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = FULL if args.sizes == "full" else QUICK
    try:
        if args.name.startswith("study/"):
            from . import studies

            result = getattr(studies, args.name.split("/", 1)[1].replace("-", "_"))(sizes, args.device)
        else:
            prepared = cases(sizes)[args.name](sizes, args.device)
            result = measure(prepared, args.device, args.repeat or sizes.repeat)
    except Unavailable as why:
        result = {"unavailable": str(why)}
    print(MARK + json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
