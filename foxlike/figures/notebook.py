"""Explanations as HTML for Jupyter (``_repr_html_``): the figure inline as a PNG, the checks beneath it.

Every name and message is escaped: explainer names and error messages come from plugins and data.
"""
from __future__ import annotations

import base64
import html

from .drawing import draw, encode
from .explanations import panels_of

STYLE = ("font-family:sans-serif;font-size:90%;border:1px solid #ccc;border-radius:6px;padding:0.5em;"
         "margin:0.4em 0;")


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _checks(explanation) -> str:
    rows = "".join(f'<tr><td style="color:{"#1a7f37" if c.passed else "#c62828"}">{"ok" if c.passed else "FAILED"}'
                   f'</td><td>{_e(c.label)}</td><td>{_e(c.message)}</td></tr>' for c in explanation.checks)
    return f'<table class="foxlike-checks">{rows}</table>'


def explanation_html(explanation) -> str:
    status = "passed" if explanation.passed else "failed"
    head = (f'<b>{_e(explanation.explainer)}</b> <span class="foxlike-{status}">{status}</span> '
            f'<small>({explanation.seconds:.3g} s, target {_e(explanation.target_source)}, '
            f'output {_e(explanation.output)})</small>')
    if explanation.error is not None or explanation.attributions is None:
        body = f'<p style="color:#c62828">{_e(explanation.error)}</p>'
    else:
        data, mime = encode(draw(panels_of(explanation)))
        body = (f'<img alt="{_e(explanation.explainer)} views" style="max-width:100%" '
                f'src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}">')
    return f'<div class="foxlike-explanation" style="{STYLE}">{head}{body}{_checks(explanation)}</div>'


def explanations_html(explanations: dict) -> str:
    return "".join(explanation_html(e) for e in explanations.values())
