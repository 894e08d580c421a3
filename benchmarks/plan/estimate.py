"""Estimated wall time of a suite before it runs, from the selection pilot's measured costs.

``benchmarks/suites/selection.csv`` records seconds per evaluation (3-fold CV plus the
refit, on the machine that ran the pilot; measured in real runs where it has that).
Synthetic functions cost nothing; a real problem it does not list is counted at the median
measured cost of its model family (or of all problems), and the estimate says how many were
guessed. Strategy overheads per suggestion are :data:`OVERHEAD` (measured by the selection
pilot).

The same per-cell costs order the cells longest-first (:mod:`benchmarks.execution.runner`)
and size the reference build (:mod:`benchmarks.reference.cache`).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

import pandas as pd
from tunebench.benchmarks.plan.suite import Suite
from tunebench.problems.base import Task

#: Strategy overhead per suggestion in seconds (ask + tell). The GP's grows with the history:
#: 0.14 s is its mean over the 1,800 suggestions of the default suite at budget 30
#: (run 20261126T013025Z: 256 s of ask + tell); FACTS.md's 0.35 s is over 50 trials.
OVERHEAD = {"grid": 0.002, "random": 0.001, "defaults": 0.0, "optuna-tpe": 0.004,
            "hyperopt-tpe": 0.004, "skopt-gp": 0.14, "optuna-cmaes": 0.002,
            "optuna-ga": 0.001}


#: Measured ÷ estimated wall time of the cells in the latest clean-clone ``nox -s bench``
#: (2026-11-30, run 20261130T085025Z: 1,037.6 s of cells against 636.7 s estimated from
#: ``selection.csv``). The costs there were measured on 2026-11-26, when the same code ran
#: about twice as fast on this machine; the selection keeps them (its picks are reproduced
#: from them), and the printed wall time is scaled by this factor. Ratios (reference build ÷
#: cells, makespan ÷ total) do not depend on it.
MACHINE_FACTOR = 1.63


def measured_costs() -> pd.DataFrame:
    """The shipped selection table (empty if absent)."""
    path = resources.files("tunebench.benchmarks") / "suites" / "selection.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["problem", "model", "seconds_per_eval"])
    with path.open() as f:
        return pd.read_csv(f, comment="#")


@dataclass(frozen=True)
class CostModel:
    """Seconds per evaluation of each problem under a suite's protocol; which were guessed."""

    per_eval: dict[str, float]
    guessed: frozenset[str]
    #: Rows of each measured problem's whole training part (the pilot's split).
    train_rows: dict[str, float] = field(default_factory=dict)

    def size_factor(self, problem: str, size: str = "") -> float:
        """A training size's share of the measured cost: ``size / whole training part``,
        capped at 1, assuming fit time linear in the rows (trees grow as n log n, kernel
        SVMs faster; the sizes the suites use are far below the whole part, where this
        errs high). 1 for the whole part or a problem without a measured row count."""
        rows = self.train_rows.get(problem)
        if size in ("", "all") or not rows:
            return 1.0
        return min(1.0, int(size) / rows)

    def cell(self, problem: str, strategy: str, evals: int, size: str = "") -> float:
        """Estimated seconds of one cell: ``evals`` evaluations (at training size ``size``)
        plus the strategy's overhead per suggestion (``defaults`` evaluates one
        configuration)."""
        n = 1 if strategy == "defaults" else int(evals)
        return (self.per_eval[problem] * self.size_factor(problem, size) * n
                + OVERHEAD.get(strategy, 0.01) * n)


def cost_model(suite: Suite) -> CostModel:
    """Per-problem seconds per evaluation of the suite's problems (see module doc)."""
    from tunebench.problems.catalogue import get_problem

    table = measured_costs()
    if "measured_seconds_per_eval" in table.columns:  # costs measured in real runs first
        table = table.assign(seconds_per_eval=table["measured_seconds_per_eval"].fillna(
            table["seconds_per_eval"]))
    table = table.dropna(subset=["seconds_per_eval"])
    by_problem = dict(zip(table["problem"], table["seconds_per_eval"], strict=True))
    by_model = table.groupby("model")["seconds_per_eval"].median().to_dict()
    fallback = float(table["seconds_per_eval"].median()) if len(table) else 1.0
    scale = (suite.folds + 1) / 4  # the pilot measured 3 folds + 1 refit
    train_rows = _train_rows(table)
    per_eval, guessed = {}, set()
    for p in suite.problems:
        if p in by_problem:
            cost = by_problem[p]
        elif get_problem(p).task == Task.SYNTHETIC:
            cost = 0.0
        else:
            guessed.add(p)
            cost = by_model.get(p.split("-", 1)[0], fallback)
        per_eval[p] = float(cost) * scale
    return CostModel(per_eval, frozenset(guessed),
                     {p: n for p, n in train_rows.items() if p in per_eval})


def _train_rows(table: pd.DataFrame) -> dict[str, float]:
    """Whole training part of each problem the table lists: its test rows at the pilot's
    test fraction (the table's header, 0.25) scaled to the rest of the rows."""
    if "test_rows" not in table.columns:
        return {}
    fraction = 0.25
    rows = table.dropna(subset=["test_rows"])
    return {p: float(t) * (1 - fraction) / fraction
            for p, t in zip(rows["problem"], rows["test_rows"], strict=True)}


def cell_costs(suite: Suite, cells: Iterable[object]) -> dict[str, float]:
    """Cell id -> estimated seconds, for ``cells`` (e.g. ``runner.plan(suite)``)."""
    model = cost_model(suite)
    return {c.id: model.cell(c.problem, c.strategy, suite.budget,  # type: ignore[attr-defined]
                             getattr(c, "train_size", ""))
            for c in cells}


def estimate(suite: Suite, cores: int) -> tuple[float, int]:
    """(estimated seconds on ``cores`` workers, number of problems whose cost is guessed):
    the sum of cell costs over the workers."""
    from tunebench.benchmarks.plan.applicability import applies

    model = cost_model(suite)
    # Each training size is a cell of its own, its cost scaled by CostModel.size_factor.
    runs = len(suite.seeds) * len(suite.protocol_names)
    total = sum(model.cell(p, s, suite.budget, size) * runs for p in suite.problems
                for s in suite.strategies if applies(s, p)
                for size in (suite.size_names if suite.train_sizes else ("",)))
    return total / max(1, cores), len(model.guessed)


def makespan(costs: Iterable[float], workers: int) -> float:
    """Finish time of cells dispatched in the given order to the first free of ``workers``
    (how the local pool and Dask hand out cells)."""
    free = [0.0] * max(1, workers)
    for c in costs:
        heapq.heapreplace(free, free[0] + float(c))
    return max(free)


def longest_first(cells: list[object], costs: dict[str, float]) -> list[object]:
    """Cells ordered by estimated cost, longest first (ties keep the plan's order): with many
    workers the long cells do not start last and leave the others idle."""
    return sorted(cells, key=lambda c: -costs.get(c.id, 0.0))  # type: ignore[attr-defined]


def estimate_sentence(suite: Suite, cores: int, reference_seconds: float = 0.0) -> str:
    """One line for the CLI: the estimate (reference build included when one is needed) and
    how it was made."""
    seconds, guessed = estimate(suite, cores)
    seconds *= MACHINE_FACTOR
    note = f"; {guessed} problem costs guessed" if guessed else ""
    ref = reference_seconds * MACHINE_FACTOR / max(1, cores)
    split = (f": {seconds / 60:.1f} min of cells + {ref / 60:.1f} min to build the reference "
             "table" if reference_seconds else "")
    return (f"estimated wall time about {(seconds + ref) / 60:.1f} min on {cores} worker(s)"
            f"{split} (costs measured by the selection pilot or in earlier runs, scaled by "
            f"{MACHINE_FACTOR} to the latest measured bench{note})")
