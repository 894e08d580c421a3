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

import pandas as pd

from benchmarks.analysis.summary import ALPHA, PROTOCOL, Inputs, Summary, load, summarise
from benchmarks.baseline import BASELINE
from benchmarks.report import figures
from benchmarks.report.citations import bibtex
from benchmarks.report.page import Page
from benchmarks.report.tables import Table

log = logging.getLogger(__name__)

__all__ = ["ALPHA", "PROTOCOL", "Inputs", "Page", "Summary", "build_report", "load",
           "render", "summarise"]


def build_report(run_dirs: str | Path | list[str | Path], out: str | Path | None = None) -> Path:
    """Write the report; returns the path of ``index.html``."""
    if not isinstance(run_dirs, list):
        run_dirs = [run_dirs]
    summary = summarise(load(run_dirs))
    return render(summary, Path(out) if out else Path(run_dirs[0]) / "report")


def render(s: Summary, out: Path) -> Path:
    """Write the report of a summary into ``out``; returns the path of ``index.html``."""
    page = Page(out)
    for section in SECTIONS:
        section(page, s)
    index = page.write(f"tunebench report: {s.manifest['suite']['name']}")
    log.info("report written to %s", index)
    return index


def _colours(s: Summary) -> dict[str, object]:
    return figures.palette(s.strategies)


def _per_pdf(s: Summary) -> bool:
    # A PDF of a many-panel figure costs seconds to render and is no use in a paper: PDFs
    # of the per-problem figures are written for runs of up to 9 problems.
    return len(s.problems) <= 9


def header(page: Page, s: Summary) -> None:
    m = s.manifest
    page.heading(f"tunebench report: suite {m['suite']['name']}", 1)
    runs = ", ".join(x["run_id"] for x in s.manifests)
    seeds = sorted(s.trials["seed"].unique().tolist()) if not s.empty else []
    page.para(f"Run(s) {runs}: {len(s.trials)} trials, {len(s.problems)} problems, "
              f"{len(s.strategies)} strategies, seeds {seeds}, budget {s.budget} "
              f"evaluations, {m['suite']['folds']}-fold CV, test fraction "
              f"{m['suite']['test_fraction']}.")


def verdict(page: Page, s: Summary) -> None:
    page.heading("Summary verdict", 2, "summary", nav="Summary")
    lines = []
    if s.empty:
        lines.append(f"No results: every one of the {len(s.failed_cells)} cell(s) failed, so "
                     "there is nothing to compare; see 'Failures' below for the errors.")
    elif not s.aggregate_test.empty:
        top = s.aggregate_test.iloc[0]
        lines.append(f"Highest IQM normalised test score: {top['strategy']} with "
                     f"{top['iqm']:.3f} (95% CI {top['iqm_low']:.3f} to {top['iqm_high']:.3f}; "
                     "0 = random search at the same budget, 1 = best known loss).")
        agg = s.aggregate_test
        overlapping = agg[agg["iqm_high"] >= top["iqm_low"]]["strategy"].tolist()
        if len(overlapping) > 1:
            lines.append("Its interval overlaps those of " + ", ".join(overlapping[1:])
                         + ": the data do not separate these.")
    else:
        lines.append(f"No normalised scores: the run has no {BASELINE!r} strategy, which "
                     "provides the reference point 0.")
    lines += _verdict_tests(s)
    n_failed = len(s.failed_trials) and int(s.failed_trials["trials"].sum())
    if s.failed_cells or n_failed:
        lines.append(f"Failures: {len(s.failed_cells)} failed cell(s), {n_failed} "
                     "failed trial(s); see 'Failures' below.")
    for line in lines:
        page.para(line)


def _verdict_tests(s: Summary) -> list[str]:
    fr, poi, lines = s.friedman, s.probability_of_improvement, []
    if "skipped" not in fr:
        sig = "differ significantly" if fr["p_value"] < ALPHA else "do not differ significantly"
        lines.append(f"Friedman test over {fr['problems']} problems: strategies {sig} "
                     f"(chi2 = {fr['statistic']:.2f}, p = {fr['p_value']:.3g}, Kendall's "
                     f"W = {fr['kendalls_w']:.2f}); best mean rank: "
                     f"{fr['mean_ranks'].index[0]} ({fr['mean_ranks'].iloc[0]:.2f}).")
    if not poi.empty:
        best = poi.iloc[0]
        lines.append(f"Most likely to beat random search on a problem: {best['strategy']} "
                     f"(P = {best['p_improve']:.2f}, 95% CI {best['low']:.2f}-"
                     f"{best['high']:.2f}).")
    return lines


def aggregate(page: Page, s: Summary) -> None:
    page.heading("Aggregate over problems", 2, "aggregate", nav="Aggregate")
    colours = _colours(s)
    if not s.aggregate_test.empty:
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
        page.figure(figures.lines(s.score_curve, "trial", "score_val", colours,
                                  "IQM normalised validation score", hline=0.0),
                    "score_over_budget", "IQM normalised validation score against evaluations")
    if not s.ranks.empty:
        page.figure(figures.lines(s.ranks, "trial", "mean_rank", colours,
                                  "mean rank (1 = best)"), "ranks_over_time",
                    "Mean rank by best validation loss so far, averaged over seeds and problems")


def statistics(page: Page, s: Summary) -> None:
    page.heading("Final-budget statistics", 2, "statistics", nav="Statistics")
    fr = s.friedman
    if "skipped" in fr:
        page.para(f"Friedman test skipped: {fr['skipped']}.")
    else:
        page.para(f"Friedman test on the median final test loss per problem: chi2 = "
                  f"{fr['statistic']:.3f}, p = {fr['p_value']:.3g}, Kendall's W = "
                  f"{fr['kendalls_w']:.3f}, critical difference (Nemenyi, 0.05) = "
                  f"{fr['critical_difference']:.3f}.")
        page.figure(figures.cd_diagram(fr["mean_ranks"], fr["nemenyi"],
                                       fr["critical_difference"]), "critical_difference",
                    "Critical-difference diagram: strategies joined by a bar are not "
                    "significantly different (Nemenyi, alpha 0.05)")
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
                         "Probability that a strategy's final test loss is lower than random "
                         "search's on a problem (95% bootstrap CI)"))


def _final_table(s: Summary) -> Table:
    med = s.final_by_problem
    bold = med.eq(med.min(axis=1), axis=0).reset_index()
    bold["problem"] = False
    marks = s.final_marks.reset_index()
    marks["problem"] = ""
    return Table("final_test_loss", med.reset_index(),
                 "Median test loss of the final incumbent, per problem", bold=bold, marks=marks,
                 note="Bold: lowest per problem. +/-: significantly lower/higher than random "
                      "(Wilcoxon signed-rank over seeds, Holm-corrected within the problem, "
                      "alpha 0.05).")


def _within_link(page: Page, s: Summary) -> None:
    if s.wilcoxon_within.empty:
        return
    s.wilcoxon_within.to_csv(page.out / "tables" / "wilcoxon_within_problems.csv", index=False)
    page.para("Within-problem pairwise tests (paired by seed): "
              "tables/wilcoxon_within_problems.csv.",
              '<p>Within-problem pairwise tests (paired by seed): '
              '<a href="tables/wilcoxon_within_problems.csv">wilcoxon_within_problems.csv</a>.</p>')


def per_problem(page: Page, s: Summary) -> None:
    page.heading("Per problem", 2, "problems", nav="Per problem")
    if s.empty:
        return
    colours, pdf = _colours(s), _per_pdf(s)
    if not pdf:
        page.para(f"{len(s.problems)} problems: the per-problem figures are written as PNG "
                  "only (PDF up to 9 problems; report a subset of runs for PDFs).")
    page.figure(figures.convergence(s.convergence_val, s.problems, "best validation loss so far",
                                    colours),
                "convergence_val", "Best validation loss so far: median over seeds, 95% "
                "bootstrap band", pdf=pdf)
    page.figure(figures.convergence(s.convergence_test, s.problems, "test loss of incumbent",
                                    colours, logx=True),
                "convergence_test", "Test loss of the incumbent (log x): median over seeds, "
                "95% bootstrap band", pdf=pdf)
    page.figure(figures.convergence(s.convergence_time, s.problems,
                                    "best validation loss so far", colours, logx=True,
                                    x="time", xlabel="wall time (s): fit+ask+tell"),
                "convergence_time", "Best validation loss so far against cumulative wall time "
                "(median over seeds)", pdf=pdf)
    page.table(Table("references", s.references, "Reference point 1 of the normalised score "
                     "(L*) per problem; point 0 is random search at the same budget"))


def overfitting(page: Page, s: Summary) -> None:
    page.heading("Validation overfitting", 2, "overfitting", nav="Overfitting")
    if s.empty:
        return
    page.table(Table("overfitting", s.overfitting, "Overfitting at the full budget "
                     "per strategy (over all cells)",
                     note="share_rel_ot_above_1 is over cells where relative overtuning is "
                          "defined; share_no_progress: cells whose incumbent test loss never "
                          "improved by 1e-3."))
    page.figure(figures.convergence(s.gap, s.problems, "test - validation loss", _colours(s)),
                "gap_over_budget", "Generalisation gap of the incumbent against evaluations "
                "(median over seeds)", pdf=_per_pdf(s))
    page.table(Table("rank_reversals", s.rank_reversals, "Do strategies rank differently by "
                     "validation and by test loss? (median final incumbent per strategy)"))


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
    if not s.failed_cells and not len(s.failed_trials):
        page.para("No failed cells and no failed trials.")


def provenance(page: Page, s: Summary) -> None:
    page.heading("Provenance", 2, "provenance", nav="Provenance")
    page.pre(json.dumps(s.provenance, indent=2, default=str))


def citation(page: Page, s: Summary) -> None:
    page.heading("How to cite", 2, "cite", nav="Cite")
    page.para("Cite tunebench and the libraries whose algorithms you report, at these versions:")
    bib = bibtex(s.manifest)
    (page.out / "references.bib").write_text(bib, encoding="utf-8")
    page.pre(bib)


def methods(page: Page, s: Summary) -> None:
    page.heading("Method notes", 2, "methods", nav="Methods")
    for note in METHOD_NOTES:
        page.para(note)


#: The report's sections in page order; each renders one part of the Summary.
SECTIONS: list[Callable[[Page, Summary], None]] = [
    header, verdict, aggregate, statistics, per_problem, overfitting, timing, failures,
    provenance, citation, methods,
]


METHOD_NOTES = [
    "Incumbent: after t evaluations, the configuration with the lowest validation (CV) loss "
    "so far, the first one on ties; failed trials never become incumbents. Its test loss is "
    "the score of that configuration refit on the whole training part, on the held-out test "
    "part, which no strategy sees.",
    "Convergence bands: 95% percentile-bootstrap intervals of the median over seeds "
    "(200 resamples per curve). With few seeds they are wide, as they should be.",
    "Normalised score: (R0 - loss) / (R0 - L*), where R0 is the expected best-so-far of random "
    "search at the same budget, computed from the random strategy's evaluations by order "
    "statistics, and L* the best known loss (known optimum, suite reference, or the metric's "
    "ideal 0). Both are fixed by random search and the suite alone, so adding a strategy "
    "never changes another's score.",
    "IQM: the mean of the middle 50% of the (problem, seed) scores, robust to outlying runs. "
    "Its 95% interval resamples seeds within each problem (stratified bootstrap, 2000 "
    "resamples).",
    "Friedman test: do the strategies' ranks over problems differ beyond chance? Kendall's W "
    "(0-1) is its effect size; the Nemenyi post-hoc test and critical-difference diagram show "
    "which pairs differ.",
    "Wilcoxon signed-rank tests compare two strategies on paired values (problems, or seeds "
    "within a problem), Holm-corrected for the number of pairs. Effect sizes: the median "
    "difference and the matched-pairs rank-biserial correlation (-1 to 1). With n pairs the "
    "smallest two-sided exact p-value is 2/2^n: with 5 seeds no within-problem test can reach "
    "0.05.",
    "Probability of improvement: the chance that a strategy's final test loss on a problem "
    "is lower than random search's, over all seed pairs (ties count half), averaged over "
    "problems, with a stratified bootstrap interval.",
    "Generalisation gap: test loss minus validation loss of the incumbent. Overtuning "
    "(Schneider, Bischl & Feurer 2025): OT_t = test(inc_t) - min over s<=t of test(inc_s), how "
    "much tuning longer made the chosen model worse on unseen data; relative overtuning divides "
    "by the test improvement so far and is undefined (no progress) below 1e-3.",
    "Trajectory test regret: the incumbent's test loss minus the best test loss among all "
    "configurations tried so far: what selecting by validation loss cost. Rank reversals: "
    "the share of strategy pairs that validation and test losses order differently.",
]
