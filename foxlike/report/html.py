"""``index.html``: one self-contained page per run, images embedded as base64 (PNG, JPEG for photos).

Every string that came from data (file names, sentences, labels, parameters,
error messages) goes through :func:`html.escape`. The page's only script
marks, once the page has loaded, how many of its images decoded
(``data-images-loaded`` on ``<body>``), which the headless-browser test reads.
"""
from __future__ import annotations

import base64
import html
from pathlib import Path

from ..figures import RowPainter
from ..runner.files import replace_text
from ..toolkit import token_colours
from .tables import feature_bars, summaries
from .data import as_array

REPORT_FILE = "index.html"

STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
.sample { border: 1px solid #ccc; border-radius: 6px; padding: 0.8em; margin: 1em 0; }
.panel { margin: 0.6em 0; padding: 0.4em; background: #fafafa; }
.panel img, .side-by-side img { max-width: 100%; }
table.comparison { border-collapse: collapse; margin: 0.5em 0; }
table.comparison th, table.comparison td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
.pass { color: #1a7f37; } .fail { color: #c62828; font-weight: bold; }
.token { padding: 1px 3px; border-radius: 3px; }
table.checks td { padding: 0 0.6em 0 0; font-size: 90%; }
"""

SCRIPT = """
window.addEventListener("load", function () {
  var all = Array.prototype.slice.call(document.images);
  var ok = all.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  document.body.setAttribute("data-images-loaded", ok.length);
  document.body.setAttribute("data-images-total", all.length);
});
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _img(picture: tuple[bytes, str], alt: str) -> str:
    data, mime = picture
    return f'<img alt="{_e(alt)}" src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}">'


def _checks(explanation) -> str:
    rows = [f'<tr><td class="{"pass" if c.passed else "fail"}">{"ok" if c.passed else "FAILED"}</td>'
            f'<td>{_e(c.label)}</td><td>{_e(c.message)}</td></tr>' for c in explanation.checks]
    return f'<table class="checks">{"".join(rows)}</table>'


def _metrics(run, explanation) -> str:
    if not run.metrics:
        return ""
    unscored = "not scored: the explanation failed or failed a check"
    values = " · ".join(f"{_e(m)} {float(explanation.metrics[m]):.4g}" if m in explanation.metrics
                        else f"{_e(m)} - ({_e(explanation.metric_errors.get(m, unscored))})" for m in run.metrics)
    return f'<p class="metrics">metrics: {values}</p>'


def _per_target(explanation) -> list[tuple[int | None, object]]:
    """``(target, attributions)`` for each target of one sample's explanation (one, unless it has several).
    With several attributed inputs the first is drawn (the others are in attributions.npz)."""
    values, target = explanation.attributions, explanation.target
    values = as_array(values[0] if isinstance(values, tuple) else values)
    if getattr(target, "dim", lambda: 0)() == 1:  # several targets: one map each, empty slots left out
        return [(int(t), values[i]) for i, t in enumerate(target.tolist()) if t >= 0]
    return [(None, values)]


def _caption(run, target) -> str:
    return "" if target is None else f'<p class="target">target {_e(run.label(target))}</p>'


def _body(run, painter: RowPainter, index: int, name: str, target, values) -> str:
    caption = _caption(run, target)
    if run.inputs.modality == "cv":
        return caption + _img(painter.paint(run.inputs.pixels[index], values), f"{name} views")
    return caption + f'<p class="tokens">{token_colours.tokens_html(run.inputs.tokens[index], values)}</p>'


def _panel(run, painter: RowPainter, index: int, name: str, explanation) -> str:
    timing = f"{explanation.seconds:.3g} s for a batch of {explanation.batch_size}"
    status = '<span class="pass">passed</span>' if explanation.passed else '<span class="fail">failed</span>'
    head = f'<h4>{_e(name)} {status} <small>({_e(timing)})</small></h4>'
    if explanation.error is not None:
        return f'<div class="panel" data-explainer="{_e(name)}">{head}<p class="fail">{_e(explanation.error)}</p></div>'
    if run.inputs.modality == "tabular":  # a bar per feature (a group of columns is one)
        body = "".join(_caption(run, target) + _img(picture, f"{name} bars")
                       for target, picture in feature_bars(explanation, run.inputs.feature_names))
    else:
        body = "".join(_body(run, painter, index, name, target, values) for target, values in _per_target(explanation))
    return (f'<div class="panel" data-explainer="{_e(name)}">{head}{body}{_layer(explanation)}'
            f'{_metrics(run, explanation)}{_checks(explanation)}</div>')


def _layer(explanation) -> str:
    """The layer a layer method attributed to (the one foxlike found, unless the user named it)."""
    layer = explanation.extras.get("layer")
    if layer is None:
        return ""
    layout = explanation.extras.get("layer_layout")
    return f'<p class="layer">layer: <code>{_e(layer)}</code>{f" ({_e(layout)})" if layout else ""}</p>'


def _sample(run, painter: RowPainter, index: int, sample) -> str:
    heading = (f'<h3>{_e(sample.name)}</h3><p>prediction: <b>{_e(run.label(sample.prediction))}</b> '
               f'(score {sample.score:.3g}, {_e(run.output)}) · target: <b>{_e(run.label(sample.target))}</b> '
               f'({_e(sample.target_source)})</p>')
    panels = "".join(_panel(run, painter, index, n, e) for n, e in sample.explanations.items())
    return f'<section class="sample">{heading}{panels}</section>'


def _choosing(run) -> str:
    """The explainers ranked by each metric: which method to trust for this model and these inputs."""
    comparison = run.comparison()
    if comparison is None:
        return ""
    return ('<section class="choosing"><h2>Choosing a method</h2>'
            f"<p>Each metric's mean over the {len(run.samples)} inputs, with each explainer's rank (#1 is best; "
            "an explainer that failed or failed a check on an input is not scored on it); seconds: the time each "
            f"explainer took in all.</p>{comparison.to_html()}</section>")


def _table_summaries(run) -> str:
    if run.inputs.modality != "tabular":
        return ""
    pictures = "".join(f'<div class="panel" data-summary="{_e(name)}">{_img(picture, f"{name} summary")}</div>'
                       for name, picture in summaries(run))
    return f'<section class="summary"><h2>All samples</h2>{pictures}</section>'


def render(run) -> str:
    """The whole page as a string."""
    verdict = ('<p class="pass">Every explainer ran and every check passed.</p>' if run.passed else
               '<p class="fail">Some explainers failed or some checks did not pass: see the panels.</p>')
    metrics = f" · metrics: {_e(', '.join(run.metrics))}" if run.metrics else ""
    settings = (f"<p>model: <code>{_e(run.model)}</code> · output: {_e(run.output)} · target: {_e(run.target)} · "
                f"explainers: {_e(', '.join(run.explainers))}{metrics}</p>")
    legend = (f'<p class="legend">Colours: <span style="color:#c62828">red</span> marks what raises the explained '
              f'score (the target\'s {_e(run.output)}), <span style="color:#1f4fd8">blue</span> what lowers it; '
              "full colour at the 99th percentile of |attribution| for images (each colour bar gives the scale), at the "
              "largest for text.</p>")
    painter = RowPainter()
    body = "".join(_sample(run, painter, i, s) for i, s in enumerate(run.samples))
    if run.skipped:
        items = "".join(f"<li>{_e(line)}</li>" for line in run.skipped)
        verdict += f'<div class="skipped"><p class="fail">Left out, could not be read:</p><ul>{items}</ul></div>'
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{_e(run.title)} · foxlike</title>'
            f"<style>{STYLE}</style><script>{SCRIPT}</script></head>"
            f"<body><h1>{_e(run.title)}</h1>{settings}{verdict}{legend}{_choosing(run)}{_table_summaries(run)}{body}"
            f'<p><small>Raw data: <a href="attributions.npz">attributions.npz</a>, '
            f'<a href="summary.json">summary.json</a>.</small></p></body></html>')


def write_html(path: Path, run) -> Path:
    return replace_text(path, render(run))
