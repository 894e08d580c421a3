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

from tunebench.benchmarks.analysis.profiles import TARGETS
from tunebench.benchmarks.analysis.summary import ALPHA, PROTOCOL, Inputs, Summary, load, summarise
from tunebench.benchmarks.report import figures, palette
from tunebench.benchmarks.report.archived import render_archived
from tunebench.benchmarks.report.checklist import render_bayes, render_checklist
from tunebench.benchmarks.report.citations import bibtex, combined
from tunebench.benchmarks.report.control import format_interval, render_control
from tunebench.benchmarks.report.defaults import render_default_moves
from tunebench.benchmarks.report.failed_run import render_failed_run
from tunebench.benchmarks.report.conditional import render_conditional
from tunebench.benchmarks.report.fidelity import render_fidelity
from tunebench.benchmarks.report.parallel import render_parallel
from tunebench.benchmarks.report.metric_section import render_metric_agreement
from tunebench.benchmarks.report.page import Page
from tunebench.benchmarks.report.protocol import protocol_section
from tunebench.benchmarks.report.scaling import scaling_section
from tunebench.benchmarks.report.references import render_references
from tunebench.benchmarks.report.tables import Table

log = logging.getLogger(__name__)

__all__ = ["ALPHA", "PROTOCOL", "Inputs", "Page", "Summary", "build_report", "load",
           "render", "summarise"]


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
    index = page.write(f"tunebench report: {s.manifest['suite']['name']}")
    log.info("report written to %s", index)
    return index


def _colours(s: Summary) -> dict[str, palette.Style]:
    return palette.styles(s.strategies, palette.families_from_manifests(s.manifests))


def _protocol(s: Summary) -> str:
    present = sorted(set(s.trials["protocol"].dropna())) if "protocol" in s.trials else []
    return ", ".join(present) or f"cv-{s.manifest['suite']['folds']}"


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
              f"evaluations, validation protocol {_protocol(s)}, test fraction "
              f"{m['suite']['test_fraction']}. Primary metric (what strategies minimise): "
              f"{s.metric_label}.")


def verdict(page: Page, s: Summary) -> None:
    page.heading("Summary verdict", 2, "summary", nav="Summary")
    lines = []
    if s.has_scores:
        agg = s.aggregate_test
        top = agg.iloc[0]
        lines.append(f"Highest IQM normalised test score: {top['strategy']} with "
                     f"{top['iqm']:.3f} (95% CI {format_interval(top['iqm_low'], top['iqm_high'])}"
                     "; 0 = random search at the same budget, 1 = best known loss).")
        tied = agg[agg["iqm"] == top["iqm"]]["strategy"].tolist()[1:]
        if tied:
            lines.append(f"Tied on IQM with {', '.join(tied)}; ties are listed by name.")
        overlapping = agg[agg["iqm_high"] >= top["iqm_low"]]["strategy"].tolist()
        if len(overlapping) > 1:
            lines.append("Its interval overlaps those of " + ", ".join(overlapping[1:])
                         + ": the data do not separate these.")
    else:
        lines.append(f"No normalised scores: {s.reference_note}")
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
                     f"{fr['mean_ranks'].index[0]} ({fr['mean_ranks'].iloc[0]:.2f})."
                     + _excluded_note(fr))
    if not poi.empty:
        best = poi.iloc[0]
        tie = poi[poi["p_improve"] == best["p_improve"]]["strategy"].tolist()[1:]
        lines.append(f"Most likely to beat random search on a problem: {best['strategy']} "
                     f"(P = {best['p_improve']:.2f}, 95% CI "
                     f"{format_interval(best['low'], best['high'], '.2f', '-')})"
                     + (f"; tied with {', '.join(tie)}, listed by name." if tie else "."))
    return lines


def _excluded_note(fr: dict) -> str:
    """The Friedman test's strategies left out because the suite does not run them on every
    problem (e.g. ``defaults`` on synthetic functions)."""
    if not fr.get("excluded"):
        return ""
    return (f" Left out of it: {', '.join(fr['excluded'])} (not run on every problem, by "
            "design), so it covers every problem.")


def control(page: Page, s: Summary) -> None:
    """The headline: each strategy against random search, with the run's power."""
    if s.has_scores:
        render_control(page, s.control, s.power_statement)
    else:
        page.heading("Against random search (primary analysis)", 2, "control", nav="Control")
        page.para("Not computed: it compares normalised scores (losses of different problems "
                  f"are on different scales), and this run has none: {s.reference_note}")
    render_default_moves(page, s.strategies, s.default_moves, s.fixed_notes)


def aggregate(page: Page, s: Summary) -> None:
    page.heading("Aggregate over problems", 2, "aggregate", nav="Aggregate")
    colours = _colours(s)
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
                                       fr["critical_difference"], _colours(s)),
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
    colours, pdf, ml = _colours(s), _per_pdf(s), s.metric_label
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
                                        f"test - validation {s.metric_label}", _colours(s),
                                        logx=True),
                    "gap_over_budget", "Generalisation gap of the incumbent against "
                    "evaluations: median over seeds, interquartile band for the highlighted "
                    "strategies", pdf=_per_pdf(s))
    page.table(Table("rank_reversals", s.rank_reversals, "Do strategies rank differently by "
                     f"validation and by test {s.metric_label}? (median final incumbent per "
                     "strategy)"))
    render_metric_agreement(page, s.metric_ranks, s.metric_agreement, s.metric_label)


def protocols(page: Page, s: Summary) -> None:
    protocol_section(page, s.protocols)


def scaling(page: Page, s: Summary) -> None:
    scaling_section(page, s.scaling)


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


def methods(page: Page, s: Summary) -> None:
    page.heading("Method notes", 2, "methods", nav="Methods")
    for note in METHOD_NOTES:
        page.para(note)


#: The report's sections in page order; each renders one part of the Summary.
SECTIONS: list[Callable[[Page, Summary], None]] = [
    header, render_archived, verdict, render_checklist, control, render_bayes, aggregate,
    statistics, per_problem, overfitting, protocols, scaling, timing, failures, provenance,
    citation, methods,
]


METHOD_NOTES = [
    "Incumbent: after t evaluations, the configuration with the lowest validation (CV) loss "
    "so far, the first one on ties; failed trials never become incumbents. Its test loss is "
    "the score of that configuration refit on the whole training part, on the held-out test "
    "part, which no strategy sees.",
    "Convergence: log regret (loss - L*) against evaluations on log axes, the median over "
    "seeds with its interquartile band, drawn for random search and the two best strategies "
    "of each panel so bands stay readable. Score and rank curves: 95% bootstrap bands "
    "(seeds resampled within problems; problems for ranks), one panel per strategy family.",
    "Performance profile (COCO-style): for each (problem, seed) run and target tau in "
    "0.5, 0.8, 0.9, 0.95, 0.99, the first evaluation where the best validation loss has "
    "closed tau of the gap from the expected loss of one random configuration to L*; the "
    "curve is the share of (run, target) pairs reached by each budget.",
    "Normalised score: (R0 - loss) / (R0 - L*) per problem and seed, on validation and on "
    "test. R0 is the exact expected best of t draws without replacement from an independent "
    "reference sample of random configurations evaluated on that seed's split and folds (tied "
    "validation losses share their test losses' mean); L* is the best loss of the recorded "
    "reference campaign, or a synthetic function's known optimum. Both are frozen in the "
    "reference table named in 'Reference points and null check', so no strategy in the run, "
    "random included, moves another's score. Scores above 1 are kept and counted.",
    "IQM: the mean of the middle 50% of the (problem, seed) scores, robust to outlying runs. "
    "Its 95% interval resamples seeds within each problem (stratified bootstrap, 2000 "
    "resamples).",
    "Friedman test: do the strategies' ranks over problems differ beyond chance? Kendall's W "
    "(0-1) is its effect size; the Nemenyi post-hoc test and critical-difference diagram show "
    "which pairs differ.",
    "Wilcoxon signed-rank tests compare two strategies on paired values (problems, or seeds "
    "within a problem), Holm-corrected for the number of pairs. Effect sizes: the median "
    "difference and the matched-pairs rank-biserial correlation (-1 to 1); in the table "
    "against random search both are over the same problems as the test (exact ties "
    "dropped). With n pairs the "
    "smallest two-sided exact p-value is 2/2^n: with 5 seeds no within-problem test can reach "
    "0.05.",
    "Probability of improvement: the chance that a strategy's final test loss on a problem "
    "is lower than random search's, over all seed pairs (ties count half), averaged over "
    "problems, with a stratified bootstrap interval.",
    "Generalisation gap: test loss minus validation loss of the incumbent. Overtuning "
    "(Schneider, Bischl & Feurer 2025): OT_t = test(inc_t) - min over s<=t of test(inc_s), how "
    "much tuning longer made the chosen model worse on unseen data; relative overtuning divides "
    "by the test improvement so far and is undefined (no progress) below 1e-3.",
    "Null check: a permutation test; in each cell the run's t random-search evaluations and "
    "the reference sample's N are pooled and re-split at random 2000 times (R0 recomputed "
    "from each pseudo-sample), and the run's mean score is compared with the permuted means. "
    "About 1 run in 20 is flagged at p < 0.05 by chance; `tunebench nullcheck RUN_DIR "
    "--resalt 20` tells chance (rare flags on fresh seeds) from a mismatch (persistent).",
    "Bayesian comparison: baycomp's signed-rank test (Benavoli et al. 2017) on per-problem "
    "mean normalised test scores, ROPE +/-0.05 score units; secondary to the Wilcoxon tests.",
    "Trajectory test regret: the incumbent's test loss minus the best test loss among all "
    "configurations tried so far: what selecting by validation loss cost. Rank reversals: "
    "the share of strategy pairs that validation and test losses order differently.",
]
