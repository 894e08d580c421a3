"""Write the report of one or more runs: ``index.html``, ``report.md``, tables and figures.

Every number comes from :func:`benchmarks.analysis.summary.summarise`; this module only
renders a :class:`~benchmarks.analysis.summary.Summary`, one small function per section,
in the order of :data:`SECTIONS`. Nothing is re-run. Several runs can be reported together
when they share the protocol (budget, folds, test fraction) and, for each shared problem,
the seeds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from tunebench.benchmarks.analysis.summary import ALPHA, PROTOCOL, Inputs, Summary, load, summarise
from tunebench.benchmarks.report.archived import render_archived
from tunebench.benchmarks.report.checklist import render_bayes, render_checklist
from tunebench.benchmarks.report.citations import bibtex, combined
from tunebench.benchmarks.report.failed_run import render_failed_run
from tunebench.benchmarks.report.final_stats import aggregate, statistics
from tunebench.benchmarks.report.methods import METHOD_NOTES, methods
from tunebench.benchmarks.report import palette
from tunebench.benchmarks.report.page import Page
from tunebench.benchmarks.report.per_problem import MAX_PANELS, overfitting, panel_problems, per_problem
from tunebench.benchmarks.report.protocol import protocol_section
from tunebench.benchmarks.report.scaling import scaling_section
from tunebench.benchmarks.report.tables import Table
from tunebench.benchmarks.report.verdict import control, verdict

log = logging.getLogger(__name__)

__all__ = ["ALPHA", "MAX_PANELS", "METHOD_NOTES", "PROTOCOL", "SECTIONS", "Inputs", "Page",
           "Summary", "build_report", "load", "panel_problems", "render", "summarise"]


def build_report(run_dirs: str | Path | list[str | Path], out: str | Path | None = None) -> Path:
    """Write the report; returns the path of ``index.html``."""
    if not isinstance(run_dirs, list):
        run_dirs = [run_dirs]
    inputs = load(run_dirs)
    summary = summarise(inputs)
    out = Path(out) if out else Path(run_dirs[0]) / "report"
    if summary.empty:
        for sub in ("figures", "tables"):
            (out / sub).mkdir(parents=True, exist_ok=True)
        return render_failed_run(Page(out), inputs, out)
    return render(summary, out)


def render(s: Summary, out: Path) -> Path:
    """Write the report of a summary into ``out``; returns the path of ``index.html``."""
    page = Page(out)
    for section in SECTIONS:
        section(page, s)
    index = page.write(f"tunebench report: {s.manifest.suite_name}")
    log.info("report written to %s", index)
    return index


def _protocol(s: Summary) -> str:
    present = sorted(s.trials["protocol"].dropna().unique()) if "protocol" in s.trials else []
    return ", ".join(present) or f"cv-{s.manifest.suite.folds}"


def header(page: Page, s: Summary) -> None:
    m = s.manifest
    page.heading(f"tunebench report: suite {m.suite_name}", 1)
    runs = ", ".join(str(x.run_id) for x in s.manifests)
    seeds = sorted(s.trials["seed"].unique().tolist()) if not s.empty else []
    page.para(f"Run(s) {runs}: {len(s.trials)} trials, {len(s.problems)} problems, "
              f"{len(s.strategies)} strategies, seeds {seeds}, budget {s.budget} "
              f"evaluations, validation protocol {_protocol(s)}, test fraction "
              f"{m.suite.test_fraction}. Primary metric (what strategies minimise): "
              f"{s.metric_label}.")


def protocols(page: Page, s: Summary) -> None:
    protocol_section(page, s.protocols)


def scaling(page: Page, s: Summary) -> None:
    scaling_section(page, s.scaling, palette.summary_styles(s) if s.scaling else None)


def timing(page: Page, s: Summary) -> None:
    page.heading("Timing", 2, "timing", nav="Timing")
    if not s.empty:
        page.table(Table("timing", s.timing, "Time spent per strategy: model fitting vs the "
                         "strategy's own ask/tell"))


def failures(page: Page, s: Summary) -> None:
    page.heading("Failures", 2, "failures", nav="Failures")
    if s.failed_cells:
        page.pre("Failed cells (strategy raised; traceback in cells/<cell>.error):\n"
                 + "\n".join(sorted(s.failed_cells)))
    if len(s.failed_trials):
        page.table(Table("failed_trials", s.failed_trials,
                         "Failed trials (counted in the budget; never incumbents)"))
    if s.failed_cells:
        page.para("Rule for failed cells: a failed cell has no trials and is never scored. "
                  "Each strategy's aggregate uses a complete problems x seeds block of its "
                  "finished cells (a problem missing one of its seeds is left out; the "
                  "'problems' and 'seeds' columns show what remains), and paired tests leave "
                  "out blocks where either strategy is missing.")
    if not s.failed_cells and not len(s.failed_trials):
        page.para("No failed cells and no failed trials.")


def provenance(page: Page, s: Summary) -> None:
    page.heading("Provenance", 2, "provenance", nav="Provenance")
    page.pre(json.dumps(s.provenance, indent=2, default=str))


def citation(page: Page, s: Summary) -> None:
    page.heading("How to cite", 2, "cite", nav="Cite")
    page.para("Cite tunebench and the libraries whose algorithms you report, at these versions:")
    bib = bibtex(combined(s.manifests))
    (page.out / "references.bib").write_text(bib, encoding="utf-8")
    page.pre(bib)


#: The report's sections in page order; each renders one part of the Summary.
SECTIONS: list[Callable[[Page, Summary], None]] = [
    header, render_archived, verdict, render_checklist, control, render_bayes, aggregate,
    statistics, per_problem, overfitting, protocols, scaling, timing, failures, provenance,
    citation, methods,
]
