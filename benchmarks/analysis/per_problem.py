"""The per-problem table of final results: median final incumbent test loss per problem and
strategy, marked where a strategy differs significantly from the baseline."""

from __future__ import annotations

import pandas as pd

from tunebench.benchmarks.reference.baseline import BASELINE


def final_by_problem(fin: pd.DataFrame, within: pd.DataFrame, alpha: float = 0.05,
                     baseline: str = BASELINE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Median final incumbent test loss (problem x strategy) and its marks: ``+``/``-``
    significantly better/worse than ``baseline`` (within-problem Wilcoxon, Holm, at
    ``alpha``). The values of ``summary.final_by_problem``; the within-problem tests
    (thousands of rows at paper scale) are filtered before the loop, not iterated."""
    med = fin.groupby(["problem", "strategy"])["inc_test"].median().unstack("strategy")
    marks = pd.DataFrame("", index=med.index, columns=med.columns)
    if within.empty:
        return med, marks
    sig = within[(within["p_holm"] < alpha)
                 & ((within["a"] == baseline) | (within["b"] == baseline))]
    for r in sig.itertuples(index=False):
        other = r.b if r.a == baseline else r.a
        better = (r.median_diff < 0) == (r.a == other)
        marks.at[r.problem, other] = "+" if better else "-"
    return med, marks
