"""Anytime views of a run: log regret, the COCO-style performance profile, and which
problems have a generalisation gap at all.

Regret and the profile need ``L*`` per problem as an input mapping (today
:func:`benchmarks.analysis.normalise.best_known`, later the frozen reference tables), so
this module never decides where reference values come from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from tunebench.benchmarks.analysis.trajectory import CELL

#: Default targets: the share of the gap from the start point to L* closed.
TARGETS = (0.5, 0.8, 0.9, 0.95, 0.99)


def regret(traj: pd.DataFrame, best: Mapping[str, float], columns: Sequence[str] = (
           "inc_val", "inc_test"), floor: float = 1e-8) -> pd.DataFrame:
    """Add ``regret_<column>`` = max(column - L*, ``floor``) for each column; rows of
    problems without an ``L*`` are dropped. The floor keeps a log axis finite where a
    strategy reaches (or, against a stale reference, beats) ``L*``."""
    out = traj[traj["problem"].isin(list(best))].copy()
    lstar = out["problem"].map(best).astype(float)
    for c in columns:
        out[f"regret_{c}"] = np.maximum(out[c] - lstar, floor)
    return out


def performance_profile(traj: pd.DataFrame, value: str, start: Mapping[str, float],
                        best: Mapping[str, float], targets: Sequence[float] = TARGETS
                        ) -> pd.DataFrame:
    """Share of (run, target) pairs reached after each evaluation, per strategy.

    A run is one (problem, seed) of a strategy. Its progress after ``t`` evaluations is
    ``(start_p - value_t) / (start_p - L*_p)``: 0 at the start point (e.g. the expected loss
    of one random configuration), 1 at ``L*``. Target ``tau`` is reached at the first ``t``
    where progress >= ``tau`` and stays reached (COCO's empirical runtime distribution,
    aggregated over targets). Problems without ``start`` or ``L*``, or with
    ``start <= L*``, are left out. Returns ``strategy, trial, share, runs``.
    """
    keep = [p for p in traj["problem"].unique()
            if p in start and p in best and start[p] - best[p] > 0]
    df = traj[traj["problem"].isin(keep)].sort_values(CELL + ["trial"], kind="stable")
    if df.empty:
        return pd.DataFrame(columns=["strategy", "trial", "share", "runs"])
    s0 = df["problem"].map(start).astype(float)
    span = s0 - df["problem"].map(best).astype(float)
    progress = ((s0 - df[value]) / span).fillna(-np.inf)
    progress = progress.groupby([df[c] for c in CELL], sort=False).cummax()
    hits = np.stack([(progress >= t).to_numpy() for t in targets], axis=1).mean(axis=1)
    frame = df[CELL + ["trial"]].assign(hit=hits)
    g = frame.groupby(["strategy", "trial"], sort=True)
    return pd.DataFrame({"share": g["hit"].mean(), "runs": g["hit"].size()}).reset_index()


def problems_with_gap(traj: pd.DataFrame, column: str = "gap", tol: float = 0.0) -> list[str]:
    """Problems whose ``column`` is anywhere further than ``tol`` from 0: a noise-free
    synthetic function has test loss == validation loss, so its gap panel is a flat zero
    line and is left out of the gap figure."""
    g = traj.dropna(subset=[column]).groupby("problem")[column]
    moved = g.apply(lambda s: bool((s.abs() > tol).any()))
    return sorted(moved[moved].index)
