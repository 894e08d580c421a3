"""The report's headline sections: the summary verdict (best IQM score, Friedman test,
probability of improvement, failures) and the comparison against random search."""

from __future__ import annotations

from tunebench.benchmarks.analysis.summary import ALPHA, Summary
from tunebench.benchmarks.report.control import format_interval, render_control
from tunebench.benchmarks.report.defaults import render_default_moves
from tunebench.benchmarks.report.page import Page


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
