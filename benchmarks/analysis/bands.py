"""Curves with uncertainty for the report's figures: quantile bands over seeds, the IQM of
normalised scores with a stratified bootstrap band, and mean ranks with a bootstrap band
over problems. Pure functions of tidy frames; every resampling flows from ``seed``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.analysis.aggregate import iqm

BAND = ["center", "low", "high"]


def quantile_curves(traj: pd.DataFrame, value: str, low: float = 0.25, high: float = 0.75
                    ) -> pd.DataFrame:
    """Per (problem, strategy, trial): the median of ``value`` over seeds and its
    ``low``/``high`` quantiles (default: the interquartile range). NaN values are skipped;
    trials where no seed has a value are left out."""
    g = traj.dropna(subset=[value]).groupby(["problem", "strategy", "trial"], sort=True)[value]
    out = pd.DataFrame({"center": g.median(), "low": g.quantile(low),
                        "high": g.quantile(high), "n_seeds": g.size()})
    return out.reset_index()


def _complete_blocks(df: pd.DataFrame, value: str, index: str
                     ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """strategy -> (array (trials, problems, seeds) of ``value``, trial numbers). Problems
    with a missing value are dropped, and so are problems run with fewer or more seeds than
    most, so every block is complete and rectangular."""
    out = {}
    for strategy, g in df.groupby("strategy", sort=True):
        wide = g.pivot_table(index=[index, "seed"], columns="trial", values=value,
                             dropna=False, aggfunc="first")
        keep = wide.notna().all(axis=1).groupby(level=0).all()
        wide = wide[wide.index.get_level_values(0).isin(keep[keep].index)]
        if wide.empty:
            continue
        counts = wide.groupby(level=0).size()
        modal = counts.mode().iloc[0]
        wide = wide[wide.index.get_level_values(0).isin(counts[counts == modal].index)]
        n_idx = int((counts == modal).sum())
        arr = wide.to_numpy().reshape(n_idx, -1, wide.shape[1])  # (problems, seeds, trials)
        out[strategy] = (np.moveaxis(arr, 2, 0), wide.columns.to_numpy())
    return out


def iqm_band(scored: pd.DataFrame, value: str = "score_val", n_boot: int = 500,
             seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Per (strategy, trial): IQM of ``value`` over all (problem, seed) runs and its
    percentile interval from a stratified bootstrap (seeds resampled within problems, one
    resampling shared by every trial). Problems with a missing value are left out."""
    rows = []
    rng = np.random.default_rng(seed)
    a = (1 - level) / 2
    for strategy, (arr, trials) in _complete_blocks(scored, value, "problem").items():
        t, p, s = arr.shape
        centre = iqm(arr.reshape(t, p * s), axis=1)
        idx = rng.integers(0, s, size=(n_boot, p, s))
        boots = arr[:, np.arange(p)[None, :, None], idx].reshape(t, n_boot, p * s)
        lo, hi = np.quantile(iqm(boots, axis=2), [a, 1 - a], axis=1)
        rows.append(pd.DataFrame({"strategy": strategy, "trial": trials, "center": centre,
                                  "low": lo, "high": hi, "problems": p}))
    if not rows:
        return pd.DataFrame(columns=["strategy", "trial", *BAND, "problems"])
    return pd.concat(rows, ignore_index=True)


def rank_band(traj: pd.DataFrame, value: str = "inc_val", n_boot: int = 500, seed: int = 0,
              level: float = 0.95) -> pd.DataFrame:
    """Per (strategy, trial): mean rank (1 = lowest ``value`` within each problem, seed and
    trial; ties share the average rank; averaged over seeds, then problems) and a bootstrap
    interval resampling problems. Only problems where every strategy has a value count."""
    df = traj[["problem", "seed", "trial", "strategy", value]].copy()
    df["rank"] = df.groupby(["problem", "seed", "trial"])[value].rank(method="average")
    per = df.groupby(["problem", "strategy", "trial"])["rank"].mean().unstack("problem")
    per = per.dropna(axis=1, how="any")
    if per.empty:
        return pd.DataFrame(columns=["strategy", "trial", *BAND])
    arr = per.to_numpy()  # (strategy x trial, problems)
    idx = np.random.default_rng(seed).integers(0, arr.shape[1], size=(n_boot, arr.shape[1]))
    boots = arr[:, idx].mean(axis=2)  # (rows, n_boot)
    a = (1 - level) / 2
    lo, hi = np.quantile(boots, [a, 1 - a], axis=1)
    out = per.index.to_frame(index=False)
    out["center"], out["low"], out["high"] = arr.mean(axis=1), lo, hi
    return out
