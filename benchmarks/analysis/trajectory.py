"""Incumbent trajectories: what a strategy would return after each evaluation.

At evaluation ``t`` the incumbent is the configuration with the lowest ``val_loss`` among
trials ``0..t`` (the first one on ties); failed trials never become incumbents. Before the
first successful trial there is no incumbent (NaN).

Multi-fidelity cells: only trials evaluated at full fidelity (``fidelity == 1``) are
incumbent candidates, so a low-fidelity loss never becomes the incumbent and scores keep
their meaning; ``best_test_seen`` is likewise over full-fidelity trials. ``cost_spent`` is
the cumulative cost in full-evaluation equivalents (``trial + 1`` for full-fidelity cells),
the common x axis of full- and multi-fidelity strategies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tunebench.problems.base import Status

CELL = ["problem", "strategy", "seed"]
#: The fidelity of an ordinary (full) evaluation.
FULL_FIDELITY = 1.0


def incumbents(trials: pd.DataFrame) -> pd.DataFrame:
    """Per trial: the incumbent's trial index, val_loss and test_loss, plus running optima.

    Returns the cell keys and ``trial`` with added columns:

    * ``inc_trial``, ``inc_val``, ``inc_test``: the incumbent after this evaluation;
    * ``best_test_seen``: the lowest ``test_loss`` among all configurations tried so far
      (which the strategy could not see);
    * ``elapsed``: cumulative wall time (fit + ask + tell) in seconds;
    * ``cost_spent``: cumulative cost in full-evaluation equivalents.
    Vectorised: cumulative operations per cell, no Python loop over trials.
    """
    used = [c for c in (*CELL, "trial", "status", "val_loss", "test_loss", "fidelity",
                        "fit_seconds", "ask_seconds", "tell_seconds", "cost") if c in trials]
    # only the columns used are sorted: a sorted copy of every column (tens of them, most
    # unused here) cost gigabytes on a paper-scale run
    df = trials[used].sort_values(CELL + ["trial"], kind="stable").reset_index(drop=True)
    ok = (df["status"] == Status.OK) & np.isfinite(df["val_loss"]) & np.isfinite(df["test_loss"])
    if "fidelity" in df.columns:
        ok &= df["fidelity"] >= FULL_FIDELITY
    val = df["val_loss"].where(ok, np.inf)
    test = df["test_loss"].where(ok, np.inf)
    # one cell number per row (NaN where a key is missing, as groupby drops those): grouping
    # by it is one integer pass, not a factorisation of three string columns per operation
    cell = df.groupby(CELL, sort=False).ngroup()
    g = val.groupby(cell, sort=False)
    prev_min = g.cummin().groupby(cell, sort=False).shift(1)
    prev_min = prev_min.fillna(np.inf)
    new_best = ok & (val < prev_min)
    row = pd.Series(np.where(new_best, np.arange(len(df)), np.nan))
    inc_row = row.groupby(cell, sort=False).ffill()
    has = inc_row.notna().to_numpy()
    idx = inc_row.fillna(0).astype(np.int64).to_numpy()
    out = df[CELL + ["trial"]].copy()
    out["inc_trial"] = np.where(has, df["trial"].to_numpy()[idx], np.nan)
    out["inc_val"] = np.where(has, df["val_loss"].to_numpy()[idx], np.nan)
    out["inc_test"] = np.where(has, df["test_loss"].to_numpy()[idx], np.nan)
    best_test = test.groupby(cell, sort=False).cummin()
    out["best_test_seen"] = best_test.replace(np.inf, np.nan).to_numpy()
    wall = df["fit_seconds"] + df["ask_seconds"] + df["tell_seconds"]
    out["elapsed"] = wall.groupby(cell, sort=False).cumsum().to_numpy()
    cost = df["cost"] if "cost" in df.columns else pd.Series(1.0, index=df.index)
    out["cost_spent"] = cost.groupby(cell, sort=False).cumsum().to_numpy()
    return out


def final(traj: pd.DataFrame) -> pd.DataFrame:
    """The last row of each cell (the incumbent at the full budget)."""
    return traj.groupby(CELL, sort=True).tail(1).reset_index(drop=True)
