"""A run with no successful trial still gets a report: failures by cause, no statistics
(issue 16, part 5)."""

from __future__ import annotations

import pandas as pd

from tunebench.benchmarks.report.failed_run import cause, failure_groups
from tests.conftest import write_suite


def test_all_cells_failed_run_reports_failures_by_cause(tmp_path, run_cli):
    suite = write_suite(tmp_path, budget=3, seeds=2, strategies=("tests.plugins_hang:FailingAsk",),
                        problems=("branin",))
    out = tmp_path / "allfail"
    assert run_cli("run", suite, "--out", out, "--jobs", "1") == 1
    page = (out / "report" / "index.html").read_text()
    assert "No trial succeeded: 2 failed cell(s)" in page
    assert "RuntimeError: failing-ask broke at its second ask" in page
    assert "Statistics" not in page
    md = (out / "report" / "report.md").read_text()
    assert "| 2 |" in md.replace("  ", " ")  # the one cause stopped both cells


def test_all_trials_timed_out_run_reports(tmp_path, run_cli):
    suite = write_suite(tmp_path, budget=2, seeds=1, strategies=("defaults",),
                        problems=("mlp-digits",), extra="trial_timeout = 0.05\n")
    out = tmp_path / "alltimeout"
    assert run_cli("run", suite, "--out", out, "--jobs", "1") == 0
    page = (out / "report" / "index.html").read_text()
    assert "0 failed cell(s) and 2 failed trial(s) out of 2" in page
    assert "timeout: stopped after the trial_timeout of 0.05 s" in page


def test_failure_groups_count_cells_and_trials_per_cause():
    trials = pd.DataFrame({"status": ["ok", "error", "error", "timeout"],
                           "error": [None, "ValueError: x", "ValueError: x", "slow"],
                           "problem": ["p"] * 4, "strategy": ["s"] * 4, "seed": [1, 1, 2, 2]})
    cells = {"c1": "Traceback...\n  File x\nRuntimeError: boom\n", "c2": "RuntimeError: boom"}
    g = failure_groups(cells, trials).set_index("cause")
    assert g.loc["RuntimeError: boom", "cells"] == 2
    assert g.loc["error: ValueError: x", "trials"] == 2
    assert g.loc["timeout: slow", "trials"] == 1
    assert cause("") == "(no message)"
