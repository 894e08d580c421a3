"""Report sections per problem: regret and wall-time convergence panels (with the
reference, fidelity, parallel and conditional sections they lead into) and validation
overfitting."""

from __future__ import annotations

import pandas as pd

from tunebench.benchmarks.analysis.summary import Summary
from tunebench.benchmarks.report import figures, palette
from tunebench.benchmarks.report.conditional import render_conditional
from tunebench.benchmarks.report.fidelity import render_fidelity
from tunebench.benchmarks.report.metric_section import render_metric_agreement
from tunebench.benchmarks.report.page import Page
from tunebench.benchmarks.report.parallel import render_parallel
from tunebench.benchmarks.report.references import render_references
from tunebench.benchmarks.report.tables import Table


def _per_pdf(s: Summary) -> bool:
    # A PDF of a many-panel figure costs seconds to render and is no use in a paper: PDFs
    # of the per-problem figures are written for runs of up to 9 problems.
    return len(s.problems) <= 9


#: Per-problem figures show at most this many panels (see :func:`panel_problems`).
MAX_PANELS = 24


def panel_problems(s: Summary, problems: list[str]) -> list[str]:
    """The problems a per-problem figure shows: all of them up to :data:`MAX_PANELS`, else
    the ``MAX_PANELS`` on which the strategies differ most, i.e. the largest spread (max -
    min over strategies) of the median final incumbent test loss relative to its median
    over strategies (ties by name); shown in name order. Every problem stays in the tables."""
    if len(problems) <= MAX_PANELS or s.final_by_problem.empty:
        return list(problems)
    med = s.final_by_problem.reindex(problems)
    spread = (med.max(axis=1) - med.min(axis=1)) / (med.median(axis=1).abs() + 1e-12)
    ranked = spread.fillna(-1.0).reset_index(name="spread").sort_values(
        ["spread", "problem"], ascending=[False, True], kind="stable")
    return sorted(ranked["problem"].head(MAX_PANELS))


def per_problem(page: Page, s: Summary) -> None:
    page.heading("Per problem", 2, "problems", nav="Per problem")
    colours, pdf, ml = palette.summary_styles(s), _per_pdf(s), s.metric_label
    if not pdf:
        page.para(f"{len(s.problems)} problems: the per-problem figures are written as PNG "
                  "only (PDF up to 9 problems; report a subset of runs for PDFs).")
    if len(s.problems) > MAX_PANELS:
        page.para(f"The per-problem figures show {MAX_PANELS} of the {len(s.problems)} "
                  "problems: those on which the strategies' median final test losses differ "
                  "most relative to their median (tables/final_test_loss.csv has all).")
    missing = sorted(set(s.problems) - set(s.regret.get("val", pd.DataFrame(
        columns=["problem"]))["problem"]))
    if missing:
        page.para("No best-known loss, so no regret panel, for: " + ", ".join(missing) + ".")
    for kind, label in (("val", "validation"), ("test", "test")):
        if kind in s.regret:
            probs = panel_problems(s, sorted(s.regret[kind]["problem"].unique()))
            page.figure(figures.convergence(s.regret[kind], probs,
                                            f"{label} regret ({ml} - L*)", colours,
                                            logx=True, logy=True),
                        f"convergence_{kind}", f"{label.capitalize()} regret of the incumbent "
                        "against evaluations (log-log): median over seeds, interquartile band "
                        "for random search and the two best strategies per problem", pdf=pdf)
    page.figure(figures.convergence(s.convergence_time, panel_problems(s, s.problems),
                                    f"best validation {ml} so far", colours, logx=True,
                                    x="time", xlabel="wall time (s): fit+ask+tell"),
                "convergence_time", f"Best validation {ml} so far against cumulative wall "
                "time (median over seeds)", pdf=pdf)
    render_references(page, s)
    render_fidelity(page, s.fidelity, s.problems, colours)
    render_parallel(page, s.parallel, s.problems, colours)
    render_conditional(page, s.conditional_modes)


def overfitting(page: Page, s: Summary) -> None:
    page.heading("Validation overfitting", 2, "overfitting", nav="Overfitting")
    page.table(Table("overfitting", s.overfitting, "Overfitting at the full budget "
                     "per strategy (over all cells)",
                     note="share_rel_ot_above_1 is over cells where relative overtuning is "
                          "defined; share_no_progress: cells whose incumbent test loss never "
                          "improved by 1e-3."))
    left_out = sorted(set(s.problems) - set(s.gap_problems))
    if left_out:
        page.para("Left out of the gap figure (test loss equals validation loss, e.g. "
                  "noise-free synthetic functions): " + ", ".join(left_out) + ".")
    if not s.gap.empty:
        page.figure(figures.convergence(s.gap, panel_problems(s, s.gap_problems),
                                        f"test - validation {s.metric_label}", palette.summary_styles(s),
                                        logx=True),
                    "gap_over_budget", "Generalisation gap of the incumbent against "
                    "evaluations: median over seeds, interquartile band for the highlighted "
                    "strategies", pdf=_per_pdf(s))
    page.table(Table("rank_reversals", s.rank_reversals, "Do strategies rank differently by "
                     f"validation and by test {s.metric_label}? (median final incumbent per "
                     "strategy)"))
    render_metric_agreement(page, s.metric_ranks, s.metric_agreement, s.metric_label)
