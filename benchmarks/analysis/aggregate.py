"""Aggregates over seeds and problems: medians, IQM, bootstrap confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def iqm(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Interquartile mean: the mean of the middle 50% (``scipy.stats.trim_mean(x, 0.25)``)."""
    return stats.trim_mean(x, 0.25, axis=axis)


STATISTICS = {"median": lambda a, axis: np.median(a, axis=axis), "iqm": iqm,
              "mean": lambda a, axis: np.mean(a, axis=axis)}


def bootstrap_band(values: np.ndarray, statistic: str = "median", n_boot: int = 1000,
                   level: float = 0.95, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point estimate and percentile-bootstrap interval of a statistic over rows, per column.

    ``values`` is (seeds, steps); rows are resampled with replacement ``n_boot`` times
    (one index matrix shared by all columns, so it is vectorised). NaN-free input expected.
    """
    fn = STATISTICS[statistic]
    values = np.asarray(values, dtype=float)
    point = fn(values, 0)
    n = values.shape[0]
    if n < 2:
        return point, point.copy(), point.copy()
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    boots = fn(values[idx], 1)  # (n_boot, steps)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(boots, [alpha, 1 - alpha], axis=0)
    return point, lo, hi


def curves(traj: pd.DataFrame, value: str, statistic: str = "median",
           n_boot: int = 1000) -> pd.DataFrame:
    """Per (problem, strategy, trial): the statistic of ``value`` over seeds and its 95% band."""
    rows = []
    for (problem, strategy), g in traj.groupby(["problem", "strategy"], sort=True):
        wide = g.pivot(index="seed", columns="trial", values=value)
        wide = wide.dropna(axis=1, how="any")
        if wide.empty:
            continue
        point, lo, hi = bootstrap_band(wide.to_numpy(), statistic, n_boot)
        rows.append(pd.DataFrame({"problem": problem, "strategy": strategy,
                                  "trial": wide.columns.to_numpy(), "center": point,
                                  "low": lo, "high": hi, "n_seeds": wide.shape[0]}))
    if not rows:
        return pd.DataFrame(columns=["problem", "strategy", "trial", "center", "low", "high",
                                     "n_seeds"])
    return pd.concat(rows, ignore_index=True)
