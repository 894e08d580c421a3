"""Estimated wall time of a suite before it runs, from the selection pilot's measured costs.

``benchmarks/suites/selection.csv`` records seconds per evaluation (3-fold CV plus the
refit, on the machine that ran the pilot; measured in real runs where it has that). Synthetic functions cost nothing; a real
problem it does not list is counted at the median measured cost of its model family (or
of all problems), and the estimate says how many were guessed. Strategy overheads per suggestion are :data:`benchmarks.select.OVERHEAD`.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from tunebench.benchmarks.devtools.select import OVERHEAD
from tunebench.benchmarks.plan.suite import Suite


def measured_costs() -> pd.DataFrame:
    """The shipped selection table (empty if absent)."""
    path = resources.files("tunebench.benchmarks") / "suites" / "selection.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["problem", "model", "seconds_per_eval"])
    with path.open() as f:
        return pd.read_csv(f, comment="#")


def estimate(suite: Suite, cores: int) -> tuple[float, int]:
    """(estimated seconds on ``cores`` workers, number of problems whose cost is guessed)."""
    table = measured_costs()
    if "measured_seconds_per_eval" in table.columns:  # costs measured in real runs first
        table = table.assign(seconds_per_eval=table["measured_seconds_per_eval"].fillna(
            table["seconds_per_eval"]))
    table = table.dropna(subset=["seconds_per_eval"])
    by_problem = dict(zip(table["problem"], table["seconds_per_eval"], strict=True))
    by_model = table.groupby("model")["seconds_per_eval"].median().to_dict()
    fallback = float(table["seconds_per_eval"].median()) if len(table) else 1.0
    scale = (suite.folds + 1) / 4  # the pilot measured 3 folds + 1 refit
    total, guessed = 0.0, 0
    from tunebench.benchmarks.plan.applicability import applies
    from tunebench.problems.catalogue import get_problem

    for p in suite.problems:
        if p in by_problem:
            cost = by_problem[p]
        elif get_problem(p).task == "synthetic":
            cost = 0.0
        else:
            guessed += 1
            cost = by_model.get(p.split("-", 1)[0], fallback)
        for s in suite.strategies:
            if not applies(s, p):
                continue
            evals = 1 if s == "defaults" else suite.budget
            total += (cost * scale * evals + OVERHEAD.get(s, 0.01) * suite.budget) * len(
                suite.seeds)
    return total / max(1, cores), guessed


def estimate_sentence(suite: Suite, cores: int) -> str:
    """One line for the CLI: the estimate and how it was made."""
    seconds, guessed = estimate(suite, cores)
    note = f"; {guessed} problem costs guessed" if guessed else ""
    return (f"estimated wall time about {seconds / 60:.0f} min on {cores} worker(s) "
            f"(costs measured by the selection pilot or in earlier runs{note})")
