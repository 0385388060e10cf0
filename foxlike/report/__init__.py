"""The report of one ``foxlike explain`` run: pictures, a self-contained HTML page, raw data.

``write_report(folder, run)`` writes, and only inside ``folder``:

- ``index.html``: every input with its prediction, target, one panel per
  explainer, the validation checks and the time taken (images embedded);
- ``attributions.npz``: the raw attributions (format in :mod:`.data`);
- ``summary.json``: everything the page shows, as data (:func:`read_summary`).
"""
from __future__ import annotations

from pathlib import Path

from .data import ATTRIBUTIONS_FILE, SUMMARY_FILE, read_attributions, read_summary, write_attributions, write_summary
from .html import REPORT_FILE, write_html


def write_report(folder: str | Path, run) -> Path:
    """Write the report of ``run`` (a :class:`foxlike.runner.run_result.RunResult`) into ``folder``; returns index.html."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_attributions(folder / ATTRIBUTIONS_FILE, run)
    write_summary(folder / SUMMARY_FILE, run)
    return write_html(folder / REPORT_FILE, run)


__all__ = ["ATTRIBUTIONS_FILE", "REPORT_FILE", "SUMMARY_FILE", "read_attributions", "read_summary", "write_report"]
