"""Ranks of strategies over time."""

from __future__ import annotations

import pandas as pd


def ranks_over_time(traj: pd.DataFrame, value: str = "inc_val") -> pd.DataFrame:
    """Mean rank per (strategy, trial): rank strategies within each (problem, seed, trial)
    by ``value`` (1 = lowest loss, ties share the average rank), then average over seeds
    and problems (each problem weighs the same)."""
    df = traj[["problem", "seed", "trial", "strategy", value]].copy()
    df["rank"] = df.groupby(["problem", "seed", "trial"])[value].rank(method="average")
    per_problem = df.groupby(["problem", "strategy", "trial"], as_index=False)["rank"].mean()
    return (per_problem.groupby(["strategy", "trial"], as_index=False)["rank"].mean()
            .rename(columns={"rank": "mean_rank"}))
