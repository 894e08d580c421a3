"""Significance at the full budget: aggregates of normalised scores, the Friedman and
Wilcoxon tests, probability of improvement, and the per-problem table's +/- marks."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.benchmarks.analysis.stats import (
    aggregate_scores,
    friedman,
    probability_of_improvement,
    wilcoxon_holm,
)
from tunebench.benchmarks.plan.applicability import skipped_pairs
from tunebench.benchmarks.reference.baseline import BASELINE
from tunebench.strategies.registry import StrategyNotFound

#: Significance level of every test the report marks.
ALPHA = 0.05


def inapplicable(strategies: list[str], problems: list[str]) -> set[str]:
    """Strategies the suite does not run on some of ``problems`` by design
    (:mod:`benchmarks.applicability`); a plug-in this installation cannot load counts as
    applicable everywhere (the report works from stored results alone)."""
    out = set()
    for s in strategies:
        try:
            if skipped_pairs((s,), tuple(problems)):
                out.add(s)
        except (StrategyNotFound, KeyError):
            continue
    return out


def significance_tests(fin: pd.DataFrame, has_scores: bool) -> dict[str, Any]:
    """Aggregates and significance tests at the full budget."""
    partial = inapplicable(sorted(fin["strategy"].unique()), sorted(fin["problem"].unique()))
    # across problems: per-problem median normalised test score, paired by problem
    per_problem = fin.groupby(["problem", "strategy"], as_index=False)["score_test"].median()
    within = []
    for problem, g in fin.groupby("problem"):
        w = wilcoxon_holm(g, "inc_test", ["seed"])
        w.insert(0, "problem", problem)
        within.append(w)
    none = pd.DataFrame()
    has_baseline = BASELINE in set(fin["strategy"])
    return {
        "aggregate_test": aggregate_scores(fin, "score_test") if has_scores else none,
        "aggregate_val": aggregate_scores(fin, "score_val") if has_scores else none,
        "friedman": friedman(fin, "inc_test", partial),
        "wilcoxon_across": (wilcoxon_holm(per_problem, "score_test", ["problem"])
                            if has_scores else none),
        "wilcoxon_within": pd.concat(within, ignore_index=True) if within else none,
        "probability_of_improvement": (probability_of_improvement(fin, "inc_test", BASELINE)
                                       if has_baseline else none),
    }


def final_by_problem(fin: pd.DataFrame, within: pd.DataFrame
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Median final incumbent test loss (problem x strategy) and its marks: ``+``/``-``
    significantly better/worse than the baseline (within-problem Wilcoxon, Holm)."""
    med = fin.groupby(["problem", "strategy"])["inc_test"].median().unstack("strategy")
    marks = pd.DataFrame("", index=med.index, columns=med.columns)
    if within.empty:
        return med, marks
    # filtered first: iterating every row of the within-problem tests (8,820 on a paper
    # run) cost seconds
    sig = within[(within["p_holm"] < ALPHA)
                 & ((within["a"] == BASELINE) | (within["b"] == BASELINE))]
    for r in sig.itertuples(index=False):
        other = r.b if r.a == BASELINE else r.a
        better = (r.median_diff < 0) == (r.a == other)
        marks.at[r.problem, other] = "+" if better else "-"
    return med, marks
