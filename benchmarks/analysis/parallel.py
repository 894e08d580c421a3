"""The "With parallel workers" numbers: loss against simulated wall time for each q.

Read from the trials of a parallel suite (columns ``workers`` and ``sim_end``; see
:mod:`benchmarks.execution.parallel`). A cell here is (problem, workers, strategy, seed).
At simulated time ``t`` a cell's incumbent is the lowest ``val_loss`` among its successful
trials that *ended* by ``t`` (in an asynchronous cell, trial order is not completion order).

* ``curves``: regret against simulated time, per (problem, workers, strategy), mean over
  seeds, on a grid of :data:`POINTS` times from 0 to the problem's last simulated end.
  Regret is each seed's incumbent minus that seed's frozen validation L* (the reference
  table; a synthetic function's known optimum), so adding a strategy moves nobody else's
  curve; a problem with neither is plotted as its raw validation loss and listed in
  ``without_lstar``.
* ``speedup``: the *target* of a problem is random search's final one-worker validation loss
  (mean over seeds). ``time`` is the mean over seeds of the first simulated time a cell's
  incumbent is at or below the target (``reached``: the share of seeds that got there; a
  seed that never does is left out of ``time``). ``speedup`` = random's one-worker time /
  this time; ``efficiency`` = the strategy's own one-worker time / (q x its time at q),
  1 for perfect scaling.
* ``scaling``: per (workers, strategy), the median over problems of ``speedup`` and
  ``efficiency`` (problems where they are defined), with how many problems that is.
* ``best``: per q, the strategy with the lowest mean rank over problems of the final
  validation loss (mean over seeds), and ``control``: per q, every strategy against random
  search at that q (:func:`benchmarks.analysis.control.against_control`, exact Wilcoxon
  over problems, Holm) on the final validation loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tunebench.benchmarks.analysis.control import against_control
from tunebench.problems.base import Status

CELL = ["problem", "workers", "strategy", "seed"]
#: Times per problem at which the regret curves are read.
POINTS = 41
#: The strategy whose one-worker final loss is the target, and the control of the tests.
CONTROL = "random"


def is_parallel(trials: pd.DataFrame) -> bool:
    """True for trials of a parallel suite (they carry simulated times)."""
    return "workers" in trials.columns and "sim_end" in trials.columns and \
        bool(trials["sim_end"].notna().any())


def default_workers_only(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials of the smallest worker count: the rest of the report keys cells by
    (problem, strategy, seed). Unchanged for a run with one worker count (or none)."""
    if "workers" not in trials.columns or trials["workers"].nunique() < 2:
        return trials
    return trials[trials["workers"] == trials["workers"].min()].reset_index(drop=True)


def timeline(trials: pd.DataFrame) -> pd.DataFrame:
    """Per trial in order of simulated end: the cell's incumbent ``inc_val`` then."""
    df = trials.sort_values(CELL + ["sim_end", "trial"], kind="stable").reset_index(drop=True)
    ok = (df["status"] == Status.OK) & np.isfinite(df["val_loss"])
    val = df["val_loss"].where(ok, np.inf)
    inc = val.groupby([df[c] for c in CELL], sort=False).cummin()
    out = df[CELL + ["trial", "sim_end"]].copy()
    out["inc_val"] = inc.replace(np.inf, np.nan).to_numpy()
    return out


def _at(times: np.ndarray, ends: np.ndarray, inc: np.ndarray) -> np.ndarray:
    """The incumbent at each of ``times`` (NaN before the first trial ended)."""
    idx = np.searchsorted(ends, times, side="right") - 1
    return np.where(idx >= 0, inc[np.clip(idx, 0, None)], np.nan)


def curves(tl: pd.DataFrame, points: int = POINTS,
           best: dict[tuple[str, int], float] | None = None) -> pd.DataFrame:
    """Mean regret over seeds on a time grid per (problem, workers, strategy): each seed's
    incumbent minus its own L* (``best`` by (problem, seed), from the frozen reference
    table or a synthetic function's known optimum). A problem without one is plotted as
    its validation loss (regret to 0), never against the run's own best, which would move
    when strategies are added."""
    best = best or {}
    rows = []
    for problem, p in tl.groupby("problem", sort=True):
        grid = np.linspace(0.0, float(p["sim_end"].max()), points)
        for (q, s, seed), c in p.groupby(["workers", "strategy", "seed"], sort=True):
            inc = _at(grid, c["sim_end"].to_numpy(float), c["inc_val"].to_numpy(float))
            lstar = best.get((problem, int(seed)), 0.0)
            rows += [(problem, int(q), s, t, v - lstar) for t, v in zip(grid, inc, strict=True)]
    out = pd.DataFrame(rows, columns=["problem", "workers", "strategy", "time", "regret"])
    return (out.groupby(["problem", "workers", "strategy", "time"], sort=True)["regret"]
            .mean().reset_index())


def lstar_by_seed(trials: pd.DataFrame, lstar: pd.DataFrame | None,
                  known: dict[str, float] | None = None) -> dict[tuple[str, int], float]:
    """(problem, seed) -> validation L*: the reference table's per-seed value, else the
    problem's known optimum (synthetic functions); pairs with neither are left out."""
    out = {(str(p), int(s)): float(v) for p, s, v in zip(
        lstar["problem"], lstar["seed"], lstar["lstar_val"], strict=True)} \
        if lstar is not None and not lstar.empty else {}
    for p, s in trials[["problem", "seed"]].drop_duplicates().itertuples(index=False):
        if (p, int(s)) not in out and known and p in known:
            out[(p, int(s))] = float(known[p])
    return out


def _final(tl: pd.DataFrame) -> pd.DataFrame:
    """The final incumbent of each cell (all its trials ended)."""
    return tl.groupby(CELL, sort=True)["inc_val"].last().reset_index()


def speedup(tl: pd.DataFrame) -> pd.DataFrame:
    """Time to reach random search's final one-worker loss; speed-up and efficiency."""
    cols = ["problem", "workers", "strategy", "reached", "time", "speedup", "efficiency"]
    fin = _final(tl)
    ref = fin[(fin["strategy"] == CONTROL) & (fin["workers"] == fin["workers"].min())]
    if ref.empty or fin["workers"].min() != 1:
        return pd.DataFrame(columns=cols)
    target = ref.groupby("problem")["inc_val"].mean()
    hit = tl[tl["inc_val"] <= tl["problem"].map(target).astype(float) + 1e-12]
    first = hit.groupby(CELL, sort=True)["sim_end"].min()
    cells = fin.set_index(CELL).index
    first = first.reindex(cells)
    per = (first.groupby(level=["problem", "workers", "strategy"])
           .agg(reached=lambda x: float(x.notna().mean()), time="mean").reset_index())
    one = per[per["workers"] == 1].set_index(["problem", "strategy"])["time"]
    rand = one.xs(CONTROL, level="strategy") if CONTROL in one.index.get_level_values(1) \
        else pd.Series(dtype=float)
    per["speedup"] = per["problem"].map(rand).astype(float) / per["time"]
    own = [one.get((p, s), np.nan) for p, s in zip(per["problem"], per["strategy"], strict=True)]
    per["efficiency"] = np.asarray(own, float) / (per["workers"] * per["time"])
    return per[cols]


def scaling(table: pd.DataFrame) -> pd.DataFrame:
    """Median over problems of speed-up and efficiency per (workers, strategy)."""
    cols = ["workers", "strategy", "problems", "speedup", "efficiency"]
    if table.empty:
        return pd.DataFrame(columns=cols)
    g = table.groupby(["workers", "strategy"], sort=True)
    out = g.agg(problems=("speedup", "count"), speedup=("speedup", "median"),
                efficiency=("efficiency", "median")).reset_index()
    return out[cols]


def best_per_q(fin: pd.DataFrame) -> pd.DataFrame:
    """Per q: the strategy with the lowest mean rank over problems of the final loss."""
    rows = []
    for q, f in fin.groupby("workers", sort=True):
        means = f.groupby(["problem", "strategy"])["inc_val"].mean().unstack("strategy")
        ranks = means.rank(axis=1, method="average").mean().sort_values(kind="stable")
        rows.append({"workers": int(q), "best": ranks.index[0],
                     "mean_rank": float(ranks.iloc[0]), "problems": len(means)})
    return pd.DataFrame(rows, columns=["workers", "best", "mean_rank", "problems"])


def control_per_q(fin: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Every strategy against random search at the same q (final validation loss)."""
    parts = [against_control(f, "inc_val", CONTROL, alpha, lower_is_better=True)
             .assign(workers=int(q)) for q, f in fin.groupby("workers", sort=True)]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def parallel_summary(trials: pd.DataFrame, mode: str | None = None,
                     alpha: float = 0.05, lstar: pd.DataFrame | None = None,
                     known: dict[str, float] | None = None) -> dict[str, Any]:
    """Every number of the "With parallel workers" section ({} for a sequential run).
    ``lstar`` (the reference table's per-seed L*) and ``known`` (known optima) set the
    regret's zero; ``without_lstar`` lists the problems plotted as raw validation loss."""
    if not is_parallel(trials):
        return {}
    tl = timeline(trials)
    fin = _final(tl)
    table = speedup(tl)
    best = lstar_by_seed(trials, lstar, known)
    missing = sorted({p for p, s in trials[["problem", "seed"]].drop_duplicates()
                      .itertuples(index=False) if (p, int(s)) not in best})
    return {"mode": mode or "", "workers": sorted(int(q) for q in trials["workers"].unique()),
            "curves": curves(tl, best=best), "without_lstar": missing, "speedup": table,
            "scaling": scaling(table), "best": best_per_q(fin),
            "control": control_per_q(fin, alpha)}
