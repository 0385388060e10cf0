"""Nothing is written outside the report folder, whatever stands in it already."""
from __future__ import annotations

import os
import stat
from argparse import Namespace

import pytest

from foxlike import InputError
from foxlike.report import ATTRIBUTIONS_FILE, REPORT_FILE, SUMMARY_FILE, read_summary, write_report
from foxlike.runner.files import replace_text


def test_links_in_the_report_folder_are_replaced_never_followed(digits_run, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    report = tmp_path / "report"
    report.mkdir()
    for name in (REPORT_FILE, SUMMARY_FILE, ATTRIBUTIONS_FILE):
        (outside / name).write_text(f"precious {name}")
        (report / name).symlink_to(outside / name)

    write_report(report, digits_run)

    assert {p.name: p.read_text() for p in outside.iterdir()} == {
        name: f"precious {name}" for name in (REPORT_FILE, SUMMARY_FILE, ATTRIBUTIONS_FILE)}
    assert sorted(p.name for p in report.iterdir()) == sorted([REPORT_FILE, SUMMARY_FILE, ATTRIBUTIONS_FILE])
    assert not any(p.is_symlink() for p in report.iterdir())
    assert len(read_summary(report / SUMMARY_FILE)["samples"]) == len(digits_run.samples)
    # readable by others, like a file written with open() under the usual umask
    assert stat.S_IMODE(os.stat(report / REPORT_FILE).st_mode) == 0o644


def test_a_failed_write_leaves_neither_half_a_file_nor_a_temporary_one(tmp_path):
    (tmp_path / "index.html").write_text("the previous report")

    class Unwritable(str):
        def encode(self, *args):
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-write

    with pytest.raises(KeyboardInterrupt):
        replace_text(tmp_path / "index.html", Unwritable("<html>"))

    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]
    assert (tmp_path / "index.html").read_text() == "the previous report"


def test_demo_refuses_a_section_folder_that_is_a_link(tmp_path):
    from foxlike.demo import run_demo

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "digits").symlink_to(elsewhere, target_is_directory=True)

    with pytest.raises(InputError, match="is not a folder"):
        run_demo(Namespace(out=str(tmp_path / "demo"), quiet=True))

    assert list(elsewhere.iterdir()) == []
