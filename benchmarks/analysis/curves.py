"""Curves over evaluations and wall time: regret against L*, the generalisation gap, best
loss over time, and the per-problem L* and start points the regret and profile use."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from tunebench.benchmarks.analysis.bands import quantile_curves, time_curves  # noqa: F401
from tunebench.benchmarks.analysis.normalise import best_known
from tunebench.benchmarks.analysis.profiles import problems_with_gap, regret
from tunebench.benchmarks.store.manifest_types import Manifest, ProblemInfo

log = logging.getLogger(__name__)


def best_and_start(manifests: list[Manifest], problems: list[str], lstar: pd.DataFrame,
                   r0_first: pd.DataFrame, column: str = "lstar_val"
                   ) -> tuple[dict[str, float], dict[str, float]]:
    """Per problem: L* (validation; mean over seeds of the frozen per-seed values, else a
    synthetic function's known optimum) and the profile's start point (R0 at t = 1, the
    expected loss of one random configuration, mean over seeds)."""
    best: dict[str, float] = {}
    if not lstar.empty:
        best = lstar.groupby("problem")[column].mean().to_dict()
    known, _ = best_known_map(manifests, [p for p in problems if p not in best])
    best.update(known)
    start = (r0_first.groupby("problem")["r0_val"].mean().to_dict()
             if not r0_first.empty else {})
    return best, start


def regret_curves(traj: pd.DataFrame, lstar: pd.DataFrame, best_val: dict[str, float],
                  best_test: dict[str, float]) -> dict[str, pd.DataFrame]:
    """Median and IQR over seeds of the incumbent's validation regret (against validation
    L*) and test regret (against test L*), each seed against its own frozen L*; problems
    without a table row (synthetic functions) use their known optimum."""
    out = {}
    for kind, best in (("val", best_val), ("test", best_test)):
        col = f"inc_{kind}"
        reg = regret(traj, best, columns=(col,))
        if not lstar.empty and not reg.empty:
            per_seed = reg.merge(lstar[["problem", "seed", f"lstar_{kind}"]],
                                 on=["problem", "seed"], how="left")[f"lstar_{kind}"]
            known = reg["problem"].map(best).astype(float).to_numpy()
            lower = np.where(per_seed.isna().to_numpy(), known, per_seed.to_numpy())
            reg[f"regret_{col}"] = np.maximum(reg[col].to_numpy() - lower, 1e-8)
        if not reg.empty:
            out[kind] = quantile_curves(reg, f"regret_{col}")
    return out


def gap_curves(traj: pd.DataFrame) -> dict[str, Any]:
    """Gap median/IQR for the problems with a generalisation gap (not noise-free ones)."""
    keep = problems_with_gap(traj)
    gap = (quantile_curves(traj[traj["problem"].isin(keep)], "gap") if keep
           else pd.DataFrame())
    return {"gap": gap, "gap_problems": keep}


def best_known_map(manifests: list[Manifest], problems: list[str]
                   ) -> tuple[dict[str, float], dict[str, str]]:
    """L* per problem and its source, from the manifests' problem info and suite references."""
    values, sources = {}, {}
    reference: dict[str, float] = {}
    info: dict[str, ProblemInfo] = {}
    for m in manifests:
        reference.update(m.suite.reference if m.suite is not None else {})
        info.update(m.problems)
    for p in problems:
        meta = info.get(p, ProblemInfo())
        try:
            values[p], sources[p] = best_known(p, meta.metric or "", meta.optimum, reference)
        except ValueError as exc:
            log.warning("%s", exc)
    return values, sources
