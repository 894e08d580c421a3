"""The null check: random search scored against the reference should score 0.

Each random-search strategy's final normalised scores have expected value 0 on validation
and test when the reference sample matches the run's objectives (same problems, splits,
folds, model seeds and search spaces). An interval that excludes 0 says the reference may
not match the run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.analysis.stats import stratified_bootstrap, stream_seed

RANDOM_SEARCH = ("random", "optuna-random", "hyperopt-random")


def final_scores(fin: pd.DataFrame) -> pd.DataFrame:
    """One row per (problem, strategy, seed): final losses and normalised scores."""
    cols = {"inc_val": "final_val_loss", "inc_test": "final_test_loss"}
    df = fin[["problem", "strategy", "seed", "inc_val", "inc_test", "score_val", "score_test"]]
    return df.rename(columns=cols).sort_values(["problem", "strategy", "seed"],
                                               ignore_index=True)


def null_check(fin: pd.DataFrame, n_boot: int = 2000) -> pd.DataFrame:
    """Per random-search strategy in the run and side: mean final score, 95% stratified
    bootstrap interval (seeds resampled within problems), and whether it covers 0."""
    rows = []
    for strategy in RANDOM_SEARCH:
        g = fin[fin["strategy"] == strategy]
        for side in ("val", "test"):
            wide = g.pivot(index="problem", columns="seed", values=f"score_{side}").dropna()
            if wide.empty:
                continue
            m, lo, hi = stratified_bootstrap(wide.to_numpy(), "mean", n_boot,
                                             stream_seed("null", strategy, side))
            rows.append({"strategy": strategy, "side": side, "problems": wide.shape[0],
                         "seeds": wide.shape[1], "mean": m, "low": lo, "high": hi,
                         "covers_zero": bool(lo <= 0 <= hi)})
    return pd.DataFrame(rows, columns=["strategy", "side", "problems", "seeds", "mean", "low",
                                       "high", "covers_zero"])


def above_one(fin: pd.DataFrame) -> dict[str, int]:
    """How many final scores exceed 1 (beat the reference campaign's best), per side."""
    return {side: int(np.sum(fin[f"score_{side}"].to_numpy(float) > 1))
            for side in ("val", "test")}
