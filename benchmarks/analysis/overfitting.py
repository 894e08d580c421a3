"""Validation-overfitting statistics: how far the chosen configuration's validation score
sits from its held-out test score, and how much tuning longer hurt the test loss.

Losses are minimised and ``t`` indexes evaluations. Per cell and ``t``:

* ``gap_t = test(inc_t) - val(inc_t)``;
* overtuning (Schneider, Bischl & Feurer 2025): ``OT_t = test(inc_t) - min_{s<=t} test(inc_s)``;
* relative overtuning ``relOT_t = OT_t / (test(inc_1) - min_{s<=t} test(inc_s))``, undefined
  ("no progress") when the denominator is below :data:`NO_PROGRESS`;
* trajectory test regret ``test(inc_t) - min_{i<=t} test(config_i)``: the gap to the best
  test loss among all configurations tried so far, which the strategy could not see.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tunebench.benchmarks.analysis.trajectory import CELL

NO_PROGRESS = 1e-3


def overfitting(traj: pd.DataFrame) -> pd.DataFrame:
    """Add ``gap``, ``ot``, ``rel_ot`` and ``test_regret`` to an incumbent trajectory."""
    out = traj.copy()
    keys = out.groupby(CELL, sort=False).ngroup()  # one integer key (see incumbents)
    out["gap"] = out["inc_test"] - out["inc_val"]
    best_inc_test = out["inc_test"].groupby(keys, sort=False).cummin()
    out["ot"] = out["inc_test"] - best_inc_test
    first = out["inc_test"].groupby(keys, sort=False).transform("first")  # first non-NaN
    denom = first - best_inc_test
    out["rel_ot"] = np.where(denom >= NO_PROGRESS, out["ot"] / denom.where(denom > 0, 1.0),
                             np.nan)
    out["test_regret"] = out["inc_test"] - out["best_test_seen"]
    return out


def overfitting_table(final_rows: pd.DataFrame) -> pd.DataFrame:
    """Per strategy at the final budget: share of cells with OT>0, with relOT>1 (of the
    cells where it is defined), the share with no progress, median gap and test regret."""
    g = final_rows.groupby("strategy", sort=True)
    return pd.DataFrame({
        "cells": g.size(),
        "share_ot_positive": g["ot"].apply(lambda s: float((s > 0).mean())),
        "share_rel_ot_above_1": g["rel_ot"].apply(
            lambda s: float((s.dropna() > 1).mean()) if s.notna().any() else np.nan),
        "share_no_progress": g["rel_ot"].apply(lambda s: float(s.isna().mean())),
        "median_gap": g["gap"].median(),
        "median_test_regret": g["test_regret"].median(),
    }).reset_index()


def rank_reversals(final_rows: pd.DataFrame) -> pd.DataFrame:
    """Per problem: do strategies rank differently by validation and by test loss?

    Strategies are ordered by their median (over seeds) final incumbent ``val`` and
    ``test`` loss. ``discordant_share`` is the share of strategy pairs ordered differently
    (Kendall's discordance; tied pairs count as neither), ``winner_changes`` whether the
    best strategy differs.
    """
    rows = []
    for problem, g in final_rows.groupby("problem", sort=True):
        med = g.groupby("strategy")[["inc_val", "inc_test"]].median()
        dv = _upper_differences(med["inc_val"].to_numpy())
        dt = _upper_differences(med["inc_test"].to_numpy())
        counted = ~((dv == 0) | (dt == 0))  # a NaN difference counts, as in a pair loop
        pairs = int(counted.sum())
        disc = int((counted & ((dv > 0) != (dt > 0))).sum())
        rows.append({"problem": problem, "pairs": pairs,
                     "discordant_share": disc / pairs if pairs else np.nan,
                     "best_by_val": med["inc_val"].idxmin(),
                     "best_by_test": med["inc_test"].idxmin(),
                     "winner_changes": med["inc_val"].idxmin() != med["inc_test"].idxmin()})
    return pd.DataFrame(rows)


def _upper_differences(x: np.ndarray) -> np.ndarray:
    """``x[i] - x[j]`` for every pair ``i < j``."""
    i, j = np.triu_indices(len(x), k=1)
    return x[i] - x[j]
