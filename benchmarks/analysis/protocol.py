"""The validation protocol as an experimental axis: pure computations for the report.

A cell is (problem, protocol, strategy, seed). The incumbent machinery of
:mod:`benchmarks.analysis.trajectory` keys cells by (problem, strategy, seed), so it runs once
per protocol and the results are stacked with a ``protocol`` column.

Two ways to compare protocols with different costs:

* **equal configurations**: the incumbent after the full budget of evaluations (a ``cv-5``
  evaluation costs 6 model fits, a holdout one 2);
* **equal fits**: the incumbent after the last evaluation whose cumulative fits (the ``fits``
  column: inner fits + the test refit; 0 for a reused configuration) stay within a common
  fit budget, by default the smallest total of any cell of the run.

Paired tests compare protocols on the same (problem, strategy, seed): the outer split is
shared across protocols, so differences are common-random-number pairs. Seeds are averaged
within a problem and the exact Wilcoxon signed-rank test runs over problems (SCIENCE.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from tunebench.benchmarks.analysis.overfitting import overfitting
from tunebench.benchmarks.analysis.trajectory import incumbents
from tunebench.benchmarks.store.protocols import default_protocol_only, protocols_of
from tunebench.problems.base import Status

PCELL = ["problem", "protocol", "strategy", "seed"]
#: The trial columns :func:`trajectories` reads (the others are not copied per protocol).
_TRAJECTORY_COLUMNS = {*PCELL, "trial", "status", "val_loss", "test_loss", "fidelity",
                       "fit_seconds", "ask_seconds", "tell_seconds", "cost", "fits"}


def trajectories(trials: pd.DataFrame) -> pd.DataFrame:
    """Incumbent trajectories with overfitting statistics, per protocol, plus ``fits_cum``
    (cumulative model fits of the cell after each evaluation)."""
    parts = []
    used = [c for c in trials.columns if c in _TRAJECTORY_COLUMNS]  # not every metric column
    # one protocol's rows copied at a time (a copy of every row first was a peak of memory)
    for protocol in trials["protocol"].dropna().unique():
        g = trials.loc[(trials["protocol"] == protocol).to_numpy(), used]
        t = overfitting(incumbents(g))
        g = g.sort_values(["problem", "strategy", "seed", "trial"], kind="stable")
        t["fits_cum"] = g.groupby(["problem", "strategy", "seed"])["fits"].cumsum().to_numpy()
        t.insert(1, "protocol", protocol)
        parts.append(t)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def final_rows(traj: pd.DataFrame) -> pd.DataFrame:
    """The incumbent at the full budget (equal number of configurations), per cell."""
    return traj.groupby(PCELL, sort=True).tail(1).reset_index(drop=True)


def common_fit_budget(traj: pd.DataFrame) -> int:
    """The largest fit budget every cell reached: the smallest total fits of any cell."""
    return int(traj.groupby(PCELL)["fits_cum"].max().min())


def at_fits(traj: pd.DataFrame, budget: int) -> pd.DataFrame:
    """Per cell, the incumbent after the last evaluation with ``fits_cum <= budget``; a cell
    that could not afford one evaluation keeps a row with NaN losses."""
    cells = _Cells(traj)
    last = traj.iloc[cells.last_within(budget)[1]].set_index(PCELL)
    return last.reindex(cells.index).reset_index()


class _Cells:
    """The cells of a trajectory frame (sorted like ``groupby(PCELL, sort=True)``) and, for
    any fit budget, each cell's last row within it: one sort, then a vectorised pass per
    budget instead of a grouped filter of every row."""

    def __init__(self, traj: pd.DataFrame) -> None:
        grouped = traj.groupby(PCELL, sort=True)
        gid = grouped.ngroup().to_numpy()
        self.index = grouped.size().index
        order = np.argsort(gid, kind="stable")  # rows by cell, in frame order within one
        keep = gid[order] >= 0  # rows with a missing key belong to no cell
        self._order, self._gid = order[keep], gid[order][keep]
        self._fits = traj["fits_cum"].to_numpy()[self._order]

    def last_within(self, budget: float) -> tuple[np.ndarray, np.ndarray]:
        """(cell numbers, row positions in the frame) of the last row of each cell with
        ``fits_cum <= budget``; cells without one are absent."""
        within = self._fits <= budget
        gid, rows = self._gid[within], self._order[within]
        last = np.ones(len(gid), dtype=bool)
        last[:-1] = gid[1:] != gid[:-1]
        return gid[last], rows[last]


def rank_correlations(trials: pd.DataFrame) -> pd.DataFrame:
    """Per cell: Spearman's rho and Kendall's tau-b between validation and test loss over the
    distinct, successful configurations tried (NaN with fewer than 3 or constant losses).

    Vectorised over cells (the values of ``scipy.stats.spearmanr`` / ``kendalltau``, which a
    per-cell loop took minutes to call on a paper-sized run): cells are rows of a NaN-padded
    array; rho is the Pearson correlation of average ranks, tau-b is
    ``sum sign(dv) sign(dt) / sqrt(pairs untied in v x pairs untied in t)``."""
    ok = trials.loc[(trials["status"] == Status.OK) & ~trials["reused"]
                    & np.isfinite(trials["val_loss"]) & np.isfinite(trials["test_loss"]),
                    PCELL + ["val_loss", "test_loss"]]
    cols = PCELL + ["configs", "spearman", "kendall"]
    if ok.empty:
        return pd.DataFrame(columns=cols)
    ok = ok.sort_values(PCELL, kind="stable")
    grouped = ok.groupby(PCELL, sort=True)
    keys = grouped.size()
    pos = grouped.cumcount().to_numpy()
    row = grouped.ngroup().to_numpy()
    v = np.full((len(keys), int(pos.max()) + 1), np.nan)
    t = v.copy()
    v[row, pos], t[row, pos] = ok["val_loss"].to_numpy(), ok["test_loss"].to_numpy()
    n = keys.to_numpy()
    valid = (n >= 3) & (np.nanmax(v, 1) > np.nanmin(v, 1)) & (np.nanmax(t, 1) > np.nanmin(t, 1))
    out = keys.rename("configs").reset_index()
    out["spearman"] = np.where(valid, _spearman(v, t), np.nan)
    out["kendall"] = np.where(valid, _kendall(v, t), np.nan)
    return out[cols]


def _spearman(v: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Row-wise Spearman rho of NaN-padded rows (NaN where undefined)."""
    rv = stats.rankdata(v, axis=1, nan_policy="omit")
    rt = stats.rankdata(t, axis=1, nan_policy="omit")
    rv -= np.nanmean(rv, axis=1, keepdims=True)
    rt -= np.nanmean(rt, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.nansum(rv * rt, 1)
                / np.sqrt(np.nansum(rv ** 2, 1) * np.nansum(rt ** 2, 1)))


def _kendall(v: np.ndarray, t: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Row-wise Kendall tau-b of NaN-padded rows, in chunks of rows (bounded memory).

    Pair signs are int8 comparisons (NaN pairs compare neither way: 0) and their sums are
    integers, so the values are those of float sign arrays at an eighth of the memory
    traffic (paper-scale runs: 50,000 cells of 100 x 100 pairs)."""
    out = np.empty(len(v))
    for i in range(0, len(v), chunk):
        sa, sb = _pair_signs(v[i:i + chunk]), _pair_signs(t[i:i + chunk])
        concordant = (sa * sb).sum((1, 2), dtype=np.int64).astype(float)
        untied = (np.count_nonzero(sa, axis=(1, 2)).astype(float)
                  * np.count_nonzero(sb, axis=(1, 2)).astype(float))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[i:i + chunk] = concordant / np.sqrt(untied)
    return out


def _pair_signs(a: np.ndarray) -> np.ndarray:
    """sign(a[:, j] - a[:, k]) for every pair (j, k) of each row, as int8 (0 for NaN)."""
    x, y = a[:, :, None], a[:, None, :]
    return (x > y).view(np.int8) - (x < y).view(np.int8)


def protocol_table(final: pd.DataFrame, at_budget: pd.DataFrame,
                   corr: pd.DataFrame) -> pd.DataFrame:
    """Per protocol and strategy: mean final test loss at equal configurations and at equal
    fits, overtuning share (OT > 0), median relative overtuning (where defined), median test
    regret, mean fits per cell and the mean validation-test rank correlations."""
    keys = ["protocol", "strategy"]
    g = final.groupby(keys, sort=False)
    out = pd.DataFrame({
        "cells": g.size(),
        "test_loss": g["inc_test"].mean(),
        "test_loss_equal_fits": at_budget.groupby(keys, sort=False)["inc_test"].mean(),
        "share_ot_positive": g["ot"].apply(lambda s: float((s > 0).mean())),
        "median_rel_ot": g["rel_ot"].median(),
        "median_test_regret": g["test_regret"].median(),
        "fits_per_cell": g["fits_cum"].mean(),
        "spearman": corr.groupby(keys, sort=False)["spearman"].mean(),
        "kendall": corr.groupby(keys, sort=False)["kendall"].mean(),
    })
    return out.reset_index()


def paired_test(rows: pd.DataFrame, a: str, b: str, value: str = "inc_test") -> pd.DataFrame:
    """Protocol ``a`` against ``b`` per strategy, on the (problem, seed) pairs both have.

    ``mean_diff`` is the mean of ``a - b`` (negative: ``a`` lower); ``wins``/``losses``
    count pairs where ``a`` is lower/higher. Problems have different loss scales (accuracy,
    RMSE), so each problem's mean difference is divided by its mean absolute loss over all
    ``rows`` of that problem (left as is when that is 0): ``mean_rel_diff`` averages these
    relative differences, and ``p_value`` is the exact two-sided Wilcoxon signed-rank test
    over problems on them (zeros dropped and counted in ``zero_problems``; 1.0 when no
    non-zero difference remains)."""
    scale = rows.groupby("problem")[value].apply(lambda s: float(s.abs().mean()))
    scale = scale.where(scale > 0, 1.0)
    out = []
    for strategy, g in rows.groupby("strategy", sort=True):
        wide = g.pivot_table(index=["problem", "seed"], columns="protocol", values=value)
        if a not in wide or b not in wide:
            continue
        d = _zero_noise((wide[a] - wide[b]).dropna())
        per_problem = _zero_noise(d.groupby(level="problem").mean())
        rel = per_problem / scale.reindex(per_problem.index)
        nz = rel[rel != 0].to_numpy()
        p = (float(stats.wilcoxon(nz, method="exact").pvalue) if len(nz) else 1.0)
        out.append({"protocol": a, "against": b, "strategy": strategy, "pairs": len(d),
                    "problems": len(per_problem), "zero_problems": len(per_problem) - len(nz),
                    "mean_diff": float(d.mean()), "mean_rel_diff": float(rel.mean()),
                    "wins": int((d < 0).sum()), "losses": int((d > 0).sum()), "p_value": p})
    return pd.DataFrame(out, columns=["protocol", "against", "strategy", "pairs", "problems",
                                      "zero_problems", "mean_diff", "mean_rel_diff", "wins",
                                      "losses", "p_value"])


def _zero_noise(d: pd.Series, atol: float = 1e-12) -> pd.Series:
    """Differences that are zero up to floating-point noise (e.g. the mean of +x and -x)
    set to exactly zero, so the signed-rank test drops them instead of ranking them."""
    return d.where(d.abs() > atol, 0.0)


def comparisons(protocols: list[str]) -> list[tuple[str, str]]:
    """Which pairs to test: each protocol against the first (the default), and each
    reshuffled protocol against its fixed counterpart when the run has it."""
    pairs = [(p, protocols[0]) for p in protocols[1:]]
    for p in protocols:
        fixed = p.removeprefix("reshuffled-")
        if fixed != p and fixed in protocols and (p, fixed) not in pairs:
            pairs.append((p, fixed))
    return pairs


def cost_curves(traj: pd.DataFrame, points: int = 40) -> pd.DataFrame:
    """Mean test regret of the incumbent against cumulative fits, per protocol and strategy.

    The regret is relative to the lowest test loss of any configuration of the same
    (problem, seed) in the run (all protocols), so problems share one scale. Evaluated on a
    common grid of fit counts (the incumbent after the last evaluation within each)."""
    best = traj.groupby(["problem", "seed"])["best_test_seen"].transform("min")
    # only the columns used: a copy of the whole trajectory frame was the report's peak
    t = traj[PCELL + ["fits_cum"]].assign(regret=traj["inc_test"] - best)
    grid = np.unique(np.linspace(1, t["fits_cum"].max(), points).round().astype(int))
    # a curve stops at the smallest total any of its cells spent
    spent = t.groupby(PCELL)["fits_cum"].max().groupby(["protocol", "strategy"]).min()
    cells = _Cells(t)
    keys = cells.index.to_frame(index=False)[["protocol", "strategy"]]
    # curves numbered in order of first appearance, as a groupby(sort=False) lists them
    code = keys.groupby(["protocol", "strategy"], sort=False).ngroup().to_numpy()
    names = list(keys.drop_duplicates().itertuples(index=False, name=None))
    regret = t["regret"].to_numpy()
    rows = []
    for f in grid:
        ids, pos = cells.last_within(int(f))
        at = np.full(len(keys), np.nan)
        at[ids] = regret[pos]
        # the same grouped mean as over at_fits' frame (cells sorted), so the same sums
        m = pd.Series(at).groupby(code, sort=True).mean()
        rows += [{"protocol": p, "strategy": s, "fits": int(f), "regret": v}
                 for (p, s), v in zip(names, m.to_numpy(), strict=True)
                 if f <= spent[(p, s)]]
    return pd.DataFrame(rows, columns=["protocol", "strategy", "fits", "regret"])




def reshuffling_verdicts(tests: pd.DataFrame) -> list[str]:
    """One sentence per (reshuffled protocol, its fixed counterpart, strategy): is the
    reshuffled protocol's final test loss no worse (mean relative difference over problems
    <= 0), the direction Nagler et al. (2024) report, or worse?"""
    out = []
    rs = tests[tests["protocol"].str.startswith("reshuffled-")
               & (tests["protocol"].str.removeprefix("reshuffled-") == tests["against"])]
    for r in rs.itertuples():
        verdict = ("no worse than the fixed split on test: the direction Nagler et al. (2024) "
                   "report" if r.mean_rel_diff <= 0 else "worse than the fixed split on test: "
                   "this run does NOT reproduce the direction Nagler et al. (2024) report")
        out.append(f"{r.strategy}: {r.protocol} vs {r.against}: mean relative test-loss "
                   f"difference {100 * r.mean_rel_diff:+.2f}% over {r.problems} problems "
                   f"({r.zero_problems} with zero difference; exact Wilcoxon p = "
                   f"{r.p_value:.3g}); raw mean difference {r.mean_diff:+.4g} over {r.pairs} "
                   f"(problem, seed) pairs, {r.wins} lower, {r.losses} higher: {verdict}.")
    return out


__all__ = ["PCELL", "at_fits", "common_fit_budget", "comparisons", "cost_curves",
           "default_protocol_only", "final_rows", "paired_test", "protocol_table",
           "protocols_of", "rank_correlations", "reshuffling_verdicts", "trajectories"]


def compare_protocols(trials: pd.DataFrame, suite: dict) -> dict:
    """Every number of the report's "Protocol" section; empty when the run has fewer than
    two protocols. Keys: ``protocols`` (default first), ``fit_budget``, ``table`` (per
    protocol and strategy), ``paired`` (tests at equal configurations and at equal fits),
    ``verdicts`` (sentences on reshuffling) and ``cost_curves``."""
    protocols = protocols_of(trials, suite)
    if len(protocols) < 2:
        return {}
    traj = trajectories(trials)
    fin = final_rows(traj)
    budget = common_fit_budget(traj)
    at_budget = at_fits(traj, budget)
    table = protocol_table(fin, at_budget, rank_correlations(trials))
    table["protocol"] = pd.Categorical(table["protocol"], protocols, ordered=True)
    table = table.sort_values(["protocol", "strategy"]).astype({"protocol": str})
    pairs = comparisons(protocols)
    equal = pd.concat([paired_test(fin, a, b) for a, b in pairs], ignore_index=True)
    fits = pd.concat([paired_test(at_budget, a, b) for a, b in pairs], ignore_index=True)
    paired = pd.concat([equal.assign(at="equal configurations"),
                        fits.assign(at="equal fits")], ignore_index=True)
    return {"protocols": protocols, "fit_budget": budget, "table": table.reset_index(drop=True),
            "paired": paired, "verdicts": reshuffling_verdicts(equal),
            "cost_curves": cost_curves(traj)}
