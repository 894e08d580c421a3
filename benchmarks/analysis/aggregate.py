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


def _sorted_median(a: np.ndarray) -> np.ndarray:
    """Median along the last axis by sorting (faster than partition for short rows)."""
    a = np.sort(a, axis=-1)
    n = a.shape[-1]
    return 0.5 * (a[..., (n - 1) // 2] + a[..., n // 2])


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
    if n < 2 or n_boot <= 0:
        return point, point.copy(), point.copy()
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    resampled = np.ascontiguousarray(values.T)[:, idx]  # (steps, n_boot, seeds), seeds last
    boots = (_sorted_median(resampled) if statistic == "median" else fn(resampled, 2)).T
    alpha = (1 - level) / 2
    lo, hi = np.quantile(boots, [alpha, 1 - alpha], axis=0)
    return point, lo, hi


def curves(traj: pd.DataFrame, value: str, statistic: str = "median",
           n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Per (problem, strategy, trial): the statistic of ``value`` over seeds and its 95% band.

    Trials where any seed has no value (no incumbent yet) are left out; ``n_boot=0`` gives
    the centre line only (``low == high == center``). With equal budgets
    every (problem, strategy) is a complete seeds x trials block, so all groups are one
    array, bootstrapped in chunks with one shared resampling matrix (the same matrix the
    per-group path uses, so both give the same numbers).
    """
    cols = ["problem", "strategy", "trial", "center", "low", "high", "n_seeds"]
    df = traj[["problem", "strategy", "seed", "trial", value]].sort_values(
        ["problem", "strategy", "seed", "trial"], kind="stable")
    if df.empty:
        return pd.DataFrame(columns=cols)
    shape = df.groupby(["problem", "strategy"], sort=True).agg(
        seeds=("seed", "nunique"), rows=("trial", "size"), tmin=("trial", "min"),
        tmax=("trial", "max"))
    S, T = int(shape["seeds"].iloc[0]), int(shape["tmax"].iloc[0]) + 1
    regular = ((shape["seeds"] == S).all() and (shape["rows"] == S * T).all()
               and (shape["tmin"] == 0).all() and (shape["tmax"] == T - 1).all()
               and statistic == "median")
    if not regular:
        return _curves_by_group(df, value, statistic, n_boot, seed, cols)
    G = len(shape)
    arr = df[value].to_numpy(dtype=float).reshape(G, S, T)
    valid = ~np.isnan(arr).any(axis=1)  # (G, T)
    center = np.median(arr, axis=1)
    low, high = center.copy(), center.copy()
    if S >= 2 and n_boot > 0:
        idx = np.random.default_rng(seed).integers(0, S, size=(n_boot, S))
        chunk = max(1, int(2e7 // (T * n_boot * S)))
        for g0 in range(0, G, chunk):
            block = np.ascontiguousarray(arr[g0:g0 + chunk].transpose(0, 2, 1))  # (g, T, S)
            boots = _sorted_median(block[:, :, idx])  # (g, T, n_boot)
            low[g0:g0 + chunk], high[g0:g0 + chunk] = np.quantile(boots, [0.025, 0.975],
                                                                   axis=2)
    keys = shape.index.to_frame(index=False)
    out = pd.DataFrame({"problem": np.repeat(keys["problem"].to_numpy(), T),
                        "strategy": np.repeat(keys["strategy"].to_numpy(), T),
                        "trial": np.tile(np.arange(T), G), "center": center.ravel(),
                        "low": low.ravel(), "high": high.ravel(), "n_seeds": S})
    return out[valid.ravel()].reset_index(drop=True)


def _curves_by_group(df: pd.DataFrame, value: str, statistic: str, n_boot: int, seed: int,
                     cols: list[str]) -> pd.DataFrame:
    rows = []
    for (problem, strategy), g in df.groupby(["problem", "strategy"], sort=True):
        wide = g.pivot(index="seed", columns="trial", values=value)
        wide = wide.dropna(axis=1, how="any")
        if wide.empty:
            continue
        point, lo, hi = bootstrap_band(wide.to_numpy(), statistic, n_boot, seed=seed)
        rows.append(pd.DataFrame({"problem": problem, "strategy": strategy,
                                  "trial": wide.columns.to_numpy(), "center": point,
                                  "low": lo, "high": hi, "n_seeds": wide.shape[0]}))
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.concat(rows, ignore_index=True)
