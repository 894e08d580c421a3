"""Native against flattened handling of conditional search spaces.

Strategies declare how they meet a conditional space (``conditional = "native" |
"flattened"``, :mod:`tunebench.strategies.flatten`). This groups the final incumbents by
that mode, separately on the run's conditional and flat problems: the mean rank of the
final test loss among all strategies of the same (problem, seed) (1 = best), and the mean
normalised test score when the run has one. A mode that ranks better on conditional
problems than on flat ones is evidence that modelling the conditions helps.
"""

from __future__ import annotations

import pandas as pd

from tunebench.strategies.flatten import mode_of
from tunebench.strategies.registry import StrategyNotFound, resolve

COLUMNS = ["space", "mode", "strategies", "cells", "mean_rank", "mean_score_test"]


def strategy_mode(name: str) -> str:
    """The declared mode of a strategy name (``"flattened"`` when it cannot be resolved)."""
    try:
        return mode_of(resolve(name))
    except StrategyNotFound:
        return "flattened"


def is_conditional(problem: str) -> bool:
    """Whether the catalogue problem ``problem`` has a conditional space."""
    from tunebench.problems.catalogue import get_problem

    try:
        return get_problem(problem).space.is_conditional
    except (KeyError, ValueError, ImportError):
        return False


def by_mode(final: pd.DataFrame) -> pd.DataFrame:
    """One row per (space kind, mode); empty when the run has no conditional problem."""
    if final.empty or "inc_test" not in final:
        return pd.DataFrame(columns=COLUMNS)
    cond = {p: is_conditional(p) for p in final["problem"].unique()}
    if not any(cond.values()):
        return pd.DataFrame(columns=COLUMNS)
    df = final.assign(
        space=final["problem"].map(lambda p: "conditional" if cond[p] else "flat"),
        mode=final["strategy"].map(strategy_mode),
        rank=final.groupby(["problem", "seed"])["inc_test"].rank(method="average"))
    score = "score_test" if "score_test" in df else None
    rows = []
    for (space, mode), g in df.groupby(["space", "mode"], sort=True):
        rows.append({"space": space, "mode": mode, "strategies": g["strategy"].nunique(),
                     "cells": len(g), "mean_rank": float(g["rank"].mean()),
                     "mean_score_test": float(g[score].mean()) if score else float("nan")})
    return pd.DataFrame(rows, columns=COLUMNS)
