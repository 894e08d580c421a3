"""Curves with uncertainty for the report's figures: quantile bands over seeds, the IQM of
normalised scores with a stratified bootstrap band, and mean ranks with a bootstrap band
over problems. Pure functions of tidy frames; every resampling flows from ``seed``."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from tunebench.benchmarks.analysis.aggregate import iqm

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


def log_grid(trials: np.ndarray, points: int) -> np.ndarray:
    """At most about ``points`` trial numbers, log-spaced (first and last included)."""
    trials = np.unique(trials)
    if len(trials) <= points:
        return trials
    idx = np.unique(np.geomspace(1, len(trials), points).round().astype(int) - 1)
    return trials[idx]


def _complete_blocks(df: pd.DataFrame, value: str, trials: np.ndarray
                     ) -> dict[str, np.ndarray]:
    """strategy -> array (trials, problems, seeds) of ``value`` at ``trials``. Problems
    with a missing value are dropped, and so are problems run with another number of seeds
    than most, so every block is complete and rectangular."""
    d = df.loc[df["trial"].isin(trials), ["strategy", "problem", "seed", "trial", value]]
    d = d.sort_values(["strategy", "problem", "seed", "trial"], kind="stable")
    out = {}
    for strategy, g in d.groupby("strategy", sort=True):
        bad = g[value].isna().groupby(g["problem"]).any()
        shape = g.groupby("problem").agg(seeds=("seed", "nunique"), rows=("trial", "size"))
        modal = shape["seeds"].mode().iloc[0]
        ok = shape.index[(shape["seeds"] == modal) & (shape["rows"] == modal * len(trials))
                         & ~bad.reindex(shape.index).to_numpy()]
        g = g[g["problem"].isin(ok)]
        if g.empty:
            continue
        arr = g[value].to_numpy(float).reshape(len(ok), modal, len(trials))
        out[strategy] = np.moveaxis(arr, 2, 0)
    return out


def iqm_band(scored: pd.DataFrame, value: str = "score_val", n_boot: int = 200,
             seed: int = 0, level: float = 0.95, points: int = 30) -> pd.DataFrame:
    """Per (strategy, trial): IQM of ``value`` over all (problem, seed) runs and its
    percentile interval from a stratified bootstrap (seeds resampled within problems, one
    resampling shared by every trial). Computed at about ``points`` log-spaced trials
    (:func:`log_grid`; the figures use a log axis). Problems with a missing value at one
    of those trials are left out."""
    rows = []
    a = (1 - level) / 2
    trials = log_grid(scored["trial"].to_numpy(), points)
    for strategy, arr in _complete_blocks(scored, value, trials).items():
        t, p, s = arr.shape
        centre = iqm(arr.reshape(t, p * s), axis=1)
        # one stream per strategy: adding a strategy never moves another's band
        rng = np.random.default_rng([seed, zlib.crc32(strategy.encode("utf-8"))])
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


def time_curves(traj: pd.DataFrame, points: int = 60) -> pd.DataFrame:
    """Per (problem, strategy): the median over seeds of the best validation loss so far
    (``inc_val``) on a log-spaced grid of ``points`` cumulative wall times (``elapsed``)
    shared by the problem's cells, from ``max(min elapsed, 1e-4)`` to the largest; grid
    points where some seed has no incumbent yet are left out.

    The values of the per-cell pandas loop it replaces (``summary.time_curves``): cells
    are sliced from one sort of the frame and searched with numpy, so a paper-scale run's
    25,000 cells take a second instead of minutes."""
    cols = ["problem", "strategy", "time", "center", "low", "high"]
    grouped = traj.groupby(["problem", "strategy", "seed"], sort=True)
    gid = grouped.ngroup().to_numpy()
    keys = grouped.size().index.to_frame(index=False)
    order = np.argsort(gid, kind="stable")  # rows by cell, in frame order within one
    order = order[gid[order] >= 0]
    cell = np.arange(len(keys))
    starts = np.searchsorted(gid[order], cell)
    ends = np.searchsorted(gid[order], cell, side="right")
    elapsed = traj["elapsed"].to_numpy(float)[order]
    inc = traj["inc_val"].to_numpy(float)[order]
    problem, strategy = keys["problem"].tolist(), keys["strategy"].tolist()
    out: dict[str, list] = {c: [] for c in cols}
    for p_first, p_end in _runs(problem):
        e = elapsed[starts[p_first]:ends[p_end - 1]]
        e = e[~np.isnan(e)]
        lo = max(e.min(), 1e-4) if len(e) else np.nan
        hi = e.max() if len(e) else np.nan
        grid = np.geomspace(lo, hi, points) if hi > lo else np.array([hi])
        for s_first, s_end in _runs(strategy[p_first:p_end]):
            arr = np.array([_step(elapsed[starts[c]:ends[c]], inc[starts[c]:ends[c]], grid)
                            for c in range(p_first + s_first, p_first + s_end)])
            with np.errstate(all="ignore"):
                ok = ~np.isnan(arr).any(axis=0)
            if ok.any():
                med = np.median(arr[:, ok], axis=0)
                n = int(ok.sum())
                out["problem"] += [problem[p_first]] * n
                out["strategy"] += [strategy[p_first + s_first]] * n
                for c, v in (("time", grid[ok]), ("center", med), ("low", med), ("high", med)):
                    out[c].append(v)
    if not out["problem"]:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame({c: (np.concatenate(v) if c not in ("problem", "strategy") else v)
                         for c, v in out.items()})


def _runs(labels: list) -> list[tuple[int, int]]:
    """(first, end) of each run of equal consecutive labels."""
    if not labels:
        return []
    cut = [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]]
    return list(zip([0, *cut], [*cut, len(labels)], strict=True))


def _step(elapsed: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The value at the last time <= each grid point (NaN before the first)."""
    i = np.searchsorted(elapsed, grid, side="right") - 1
    return np.where(i >= 0, values[np.clip(i, 0, None)], np.nan)
