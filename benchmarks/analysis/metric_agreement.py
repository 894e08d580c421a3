"""Does the verdict depend on the metric? Rankings of strategies under every metric.

Strategies minimise the primary metric; every trial also records the others
(``test:<metric>`` columns). For each cell the final incumbent is the configuration with
the lowest primary ``val_loss`` (the first one on ties; failed trials never count), as in
:mod:`benchmarks.analysis.trajectory`. For each metric, on the problems where it is
defined:

1. per problem, the median over seeds of the incumbent's test value of that metric;
2. strategies ranked within each problem (1 = lowest loss, ties share the mean rank);
3. ranks averaged over those problems: the ranking under that metric;
4. Kendall's tau-b between that mean rank and the mean rank under the primary metric
   (``test_loss``) on the same problems: 1 = the same order, -1 = reversed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from tunebench.problems.base import Status
from tunebench.problems.metrics import METRICS, column

CELL = ["problem", "strategy", "seed"]
PRIMARY = "primary"


def final_incumbents(trials: pd.DataFrame) -> pd.DataFrame:
    """The row of each cell's final incumbent (lowest primary ``val_loss``, first on ties)."""
    ok = trials[(trials["status"] == Status.OK) & np.isfinite(trials["val_loss"])]
    ok = ok.sort_values(CELL + ["trial"], kind="stable")
    idx = ok.groupby(CELL, sort=True)["val_loss"].idxmin()
    return ok.loc[idx.to_numpy()].reset_index(drop=True)


def _mean_ranks(values: pd.DataFrame) -> pd.Series:
    """values: problem x strategy; mean over problems of within-problem ranks."""
    return values.rank(axis=1, method="average").mean(axis=0)


def metric_rankings(trials: pd.DataFrame, side: str = "test") -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    """Rankings of strategies under each recorded metric and their agreement.

    Returns ``(ranks, agreement)``: ``ranks`` has one row per (metric, strategy) with
    ``mean_rank`` and ``primary_mean_rank`` (same problems); ``agreement`` one row per
    metric with ``problems``, ``kendall_tau`` and ``ranking`` (best first).
    """
    inc = final_incumbents(trials)
    rank_rows, rows = [], []
    primary = inc.groupby(["problem", "strategy"])[f"{side}_loss"].median().unstack()
    for name in METRICS:
        col = column(side, name)
        if col not in inc.columns:
            continue
        med = inc.groupby(["problem", "strategy"])[col].median().unstack()
        med = med.dropna(how="any")
        if med.empty or med.shape[1] < 2:
            continue
        mine = _mean_ranks(med)
        prim = _mean_ranks(primary.loc[med.index, med.columns])
        tau = kendalltau(prim.to_numpy(), mine.to_numpy()).statistic if len(mine) > 1 else np.nan
        order = mine.sort_values(kind="stable")
        rows.append({"metric": name, "problems": len(med), "kendall_tau": float(tau),
                     "ranking": " > ".join(order.index)})
        rank_rows += [{"metric": name, "strategy": s, "mean_rank": float(mine[s]),
                       "primary_mean_rank": float(prim[s])} for s in mine.index]
    return (pd.DataFrame(rank_rows, columns=["metric", "strategy", "mean_rank",
                                             "primary_mean_rank"]),
            pd.DataFrame(rows, columns=["metric", "problems", "kendall_tau", "ranking"]))


def primary_label(trials: pd.DataFrame) -> str:
    """The primary metric(s) of a run, for captions and axis labels: ``log-loss``, or
    ``log-loss / rmse`` when the problems of different tasks use different ones."""
    names = [str(m) for m in pd.unique(trials["metric"].dropna())]
    return " / ".join(sorted(names)) if names else "loss"
