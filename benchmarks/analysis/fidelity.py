"""Multi-fidelity analysis: convergence against cost and full-fidelity evaluation counts.

Cost is counted in full-evaluation equivalents (a trial at fidelity ``f`` costs about
``f``; a full-fidelity trial costs 1), so full- and multi-fidelity strategies share one x
axis. Incumbents come from :func:`benchmarks.analysis.trajectory.incumbents`, where only
full-fidelity trials are candidates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tunebench.benchmarks.analysis.trajectory import CELL, FULL_FIDELITY


def is_multi_fidelity(trials: pd.DataFrame) -> bool:
    """Whether any trial was evaluated below full fidelity."""
    return "fidelity" in trials.columns and bool((trials["fidelity"] < FULL_FIDELITY).any())


def cost_grid(traj: pd.DataFrame, step: float = 0.25) -> np.ndarray:
    """Cost points from ``step`` to the largest budget whole-evaluation count, every ``step``."""
    top = float(np.floor(traj["cost_spent"].max())) if len(traj) else 0.0
    return np.arange(step, top + step / 2, step) if top > 0 else np.array([])


def cost_curves(traj: pd.DataFrame, value: str = "inc_test",
                grid: np.ndarray | None = None) -> pd.DataFrame:
    """Per (problem, strategy, cost): the median over seeds of ``value`` once that much
    cost was spent (the incumbent after the last trial with ``cost_spent <= cost``).

    Costs where some seed has no incumbent yet are left out. Columns: ``problem``,
    ``strategy``, ``cost``, ``center``, ``low``, ``high`` (the inter-quartile range),
    ``n_seeds``.
    """
    grid = cost_grid(traj) if grid is None else np.asarray(grid, dtype=float)
    cols = ["problem", "strategy", "cost", "center", "low", "high", "n_seeds"]
    rows = []
    for (problem, strategy), g in traj.groupby(["problem", "strategy"], sort=True):
        vals = []
        for _, cell in g.sort_values(CELL + ["trial"]).groupby("seed", sort=True):
            c, v = cell["cost_spent"].to_numpy(), cell[value].to_numpy(dtype=float)
            i = np.searchsorted(c, grid + 1e-9, side="right") - 1
            vals.append(np.where(i >= 0, v[np.clip(i, 0, None)], np.nan))
        arr = np.array(vals)
        ok = ~np.isnan(arr).any(axis=0)
        if not ok.any():
            continue
        q = np.quantile(arr[:, ok], [0.25, 0.5, 0.75], axis=0)
        rows.append(pd.DataFrame({"problem": problem, "strategy": strategy, "cost": grid[ok],
                                  "center": q[1], "low": q[0], "high": q[2],
                                  "n_seeds": arr.shape[0]}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def fidelity_table(trials: pd.DataFrame) -> pd.DataFrame:
    """Per (problem, strategy): trials, full-fidelity evaluations, cost and wall time per
    cell (medians over seeds; ``min_full_evals`` is the fewest in any cell)."""
    df = trials.copy()
    if "fidelity" not in df.columns:
        df["fidelity"], df["cost"] = FULL_FIDELITY, 1.0
    df["full"] = df["fidelity"] >= FULL_FIDELITY
    df["wall"] = df["fit_seconds"] + df["ask_seconds"] + df["tell_seconds"]
    cells = df.groupby(CELL, sort=True).agg(trials=("trial", "size"), full=("full", "sum"),
                                            cost=("cost", "sum"), wall=("wall", "sum"),
                                            low=("fidelity", "min"))
    g = cells.groupby(["problem", "strategy"], sort=True)
    return pd.DataFrame({
        "cells": g.size(),
        "multi_fidelity": g["low"].min() < FULL_FIDELITY,
        "median_trials": g["trials"].median(),
        "median_full_evals": g["full"].median(),
        "min_full_evals": g["full"].min(),
        "median_cost": g["cost"].median(),
        "median_wall_s": g["wall"].median(),
    }).reset_index()


def fidelity_summary(trials: pd.DataFrame, traj: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The report's multi-fidelity numbers: ``cost_curves`` (test loss of the full-fidelity
    incumbent against cost) and ``evaluations`` (per-cell counts); empty when every trial
    ran at full fidelity."""
    if not is_multi_fidelity(trials):
        return {}
    return {"cost_curves": cost_curves(traj, "inc_test"), "evaluations": fidelity_table(trials)}
