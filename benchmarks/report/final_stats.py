"""Report sections at the full budget: aggregate normalised scores over problems (tables,
interval plot, profile, score and rank curves) and the final-budget significance tests."""

from __future__ import annotations

import pandas as pd

from tunebench.benchmarks.analysis.profiles import TARGETS
from tunebench.benchmarks.analysis.summary import Summary
from tunebench.benchmarks.report import figures, palette
from tunebench.benchmarks.report.page import Page
from tunebench.benchmarks.report.tables import Table
from tunebench.benchmarks.report.verdict import _excluded_note


def aggregate(page: Page, s: Summary) -> None:
    page.heading("Aggregate over problems", 2, "aggregate", nav="Aggregate")
    colours = palette.summary_styles(s)
    if s.has_scores:
        for name, a, kind in (("aggregate_test", s.aggregate_test, "test"),
                              ("aggregate_val", s.aggregate_val, "validation")):
            t = a[["strategy", "problems", "seeds", "iqm", "iqm_low", "iqm_high", "mean",
                   "mean_low", "mean_high"]]
            bold = pd.DataFrame(False, index=t.index, columns=t.columns)
            bold.loc[t["iqm"].idxmax(), "iqm"] = True
            bold.loc[t["mean"].idxmax(), "mean"] = True
            page.table(Table(name, t, f"Normalised {kind} score at the full budget (IQM and "
                             "mean over problems x seeds, 95% stratified bootstrap CI)",
                             bold=bold))
        page.figure(figures.interval_plot(s.aggregate_test, "iqm", "iqm_low", "iqm_high",
                                          colours, "IQM normalised test score (95% CI)",
                                          vline=0.0),
                    "aggregate_iqm", "IQM normalised test score per strategy with 95% CI")
    if not s.profile.empty:
        page.figure(figures.profile(s.profile, colours, TARGETS), "performance_profile",
                    "Anytime performance profile: share of (problem, seed, target) triples "
                    f"reached by the best validation {s.metric_label} so far, against "
                    "evaluations (COCO-style ECDF)")
    for kind, band in s.score_bands.items():
        if band.empty:
            continue
        page.figure(figures.family_panels(band, "trial", f"IQM normalised {kind} score",
                                          colours, hline=0.0),
                    f"score_over_budget_{kind}", f"IQM normalised {kind} score against "
                    "evaluations (95% stratified bootstrap band), one panel per family")
    if not s.rank_band.empty:
        page.figure(figures.family_panels(s.rank_band, "trial", "mean rank (1 = best)",
                                          colours, invert=True), "ranks_over_time",
                    f"Mean rank by best validation {s.metric_label} so far, averaged over "
                    "seeds and problems (95% bootstrap band over problems), one panel per "
                    "family")


def statistics(page: Page, s: Summary) -> None:
    page.heading("Final-budget statistics", 2, "statistics", nav="Statistics")
    fr, ml = s.friedman, s.metric_label
    if "skipped" in fr:
        page.para(f"Friedman test skipped: {fr['skipped']}.")
    else:
        page.para(f"Friedman test on the median final test {ml} per problem: chi2 = "
                  f"{fr['statistic']:.3f}, p = {fr['p_value']:.3g}, Kendall's W = "
                  f"{fr['kendalls_w']:.3f}, critical difference (Nemenyi, 0.05) = "
                  f"{fr['critical_difference']:.3f}." + _excluded_note(fr))
        page.figure(figures.cd_diagram(fr["mean_ranks"], fr["nemenyi"],
                                       fr["critical_difference"], palette.summary_styles(s)),
                    "critical_difference", "Critical-difference diagram: strategies joined "
                    "by a bar are not significantly different (Nemenyi, alpha 0.05)")
    if not s.wilcoxon_across.empty:
        page.table(Table("wilcoxon_across_problems", s.wilcoxon_across,
                         "Pairwise Wilcoxon signed-rank tests on per-problem median normalised "
                         "test scores (paired by problem), Holm-corrected",
                         note="median_diff and rank_biserial are a minus b; positive: a scores "
                              "higher (better)."))
    if not s.final_by_problem.empty:
        page.table(_final_table(s))
    _within_link(page, s)
    if not s.probability_of_improvement.empty:
        page.table(Table("probability_of_improvement", s.probability_of_improvement,
                         f"Probability that a strategy's final test {ml} is lower than random "
                         "search's on a problem (95% bootstrap CI)"))


def _final_table(s: Summary) -> Table:
    med = s.final_by_problem
    bold = med.eq(med.min(axis=1), axis=0).reset_index()
    bold["problem"] = False
    marks = s.final_marks.reset_index()
    marks["problem"] = ""
    return Table("final_test_loss", med.reset_index(),
                 f"Median test {s.metric_label} of the final incumbent, per problem",
                 bold=bold, marks=marks, note=s.within_note)


def _within_link(page: Page, s: Summary) -> None:
    if s.wilcoxon_within.empty:
        return
    Table("wilcoxon_within_problems", s.wilcoxon_within, "Pairwise Wilcoxon signed-rank tests "
          "within each problem (paired by seed), Holm-corrected").write(page.out / "tables")
    page.para("Within-problem pairwise tests (paired by seed): "
              "tables/wilcoxon_within_problems.csv.",
              '<p>Within-problem pairwise tests (paired by seed): '
              '<a href="tables/wilcoxon_within_problems.csv">wilcoxon_within_problems.csv</a>.</p>')
