"""The default suite's pick from a selection table: estimated suite time per problem (from
the pilot's costs, calibrated, or from costs measured in real runs) and the greedy pick
that covers the model families within the time budget (:func:`pick_default`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from tunebench.benchmarks.devtools.criteria import DEFAULT_STRATEGIES, Criteria
from tunebench.benchmarks.plan.estimate import OVERHEAD


def suite_seconds(table: pd.DataFrame, budget: int, seeds: int,
                  strategies: Iterable[str] = DEFAULT_STRATEGIES, cores: int = 2) -> float:
    """Estimated wall time of a suite over ``table``'s problems from measured costs."""
    total = 0.0
    for s in strategies:
        evals = 1 if s == "defaults" else budget
        per_problem = table["seconds_per_eval"].to_numpy() * evals + OVERHEAD.get(s, 0.01) * budget
        total += float(per_problem.sum()) * seeds
    return total / cores


MEASURED = "measured_seconds_per_eval"


def problem_seconds(table: pd.DataFrame, crit: Criteria) -> pd.Series:
    """Estimated default-suite wall time of each problem of ``table`` on ``crit.cores``:
    from its cost measured in real runs (column ``measured_seconds_per_eval``) where there
    is one, else from the pilot's cost times ``crit.calibration``."""
    out = {}
    for i in table.index:
        measured = table.at[i, MEASURED] if MEASURED in table.columns else np.nan
        row = table.loc[[i]]
        if pd.notna(measured):
            out[i] = suite_seconds(row.assign(seconds_per_eval=measured), crit.default_budget,
                                   crit.default_seeds, cores=crit.cores)
        else:
            out[i] = crit.calibration * suite_seconds(row, crit.default_budget,
                                                      crit.default_seeds, cores=crit.cores)
    return pd.Series(out, dtype=float)


def measured_costs(run_dirs: Iterable[str | Path]) -> pd.DataFrame:
    """Seconds of model fitting per evaluation (CV fits and the test refit, mean over every
    strategy's evaluated trials) of each problem in stored runs; a later run overrides an
    earlier one."""
    costs: dict[str, float] = {}
    for run in run_dirs:
        trials = pd.read_parquet(Path(run) / "trials.parquet",
                                 columns=["problem", "fit_seconds", "reused"])
        trials = trials[~trials["reused"].astype(bool)]
        costs.update(trials.groupby("problem")["fit_seconds"].mean().round(4).to_dict())
    return pd.DataFrame({"problem": list(costs), MEASURED: list(costs.values())})


def with_measured(table: pd.DataFrame, measured: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its ``measured_seconds_per_eval`` column set from ``measured``
    (problems not in ``measured`` keep theirs)."""
    table = table.copy()
    if MEASURED not in table.columns:
        table[MEASURED] = np.nan
    new = dict(zip(measured["problem"], measured[MEASURED], strict=True))
    hit = table["problem"].isin(new)
    table.loc[hit, MEASURED] = table.loc[hit, "problem"].map(new)
    return table


def pick_default(table: pd.DataFrame, crit: Criteria) -> list[str]:
    """The default suite's problems: ``crit.default_problems`` kept problems covering at least
    ``crit.default_families`` model families within ``crit.default_seconds``.

    Candidates are the kept problems whose own estimated time is at most a third of the
    budget, ordered within each family by cost per test row (cheap problems with large test
    sets first). Coverage first: the ``default_families`` families whose first candidate is
    cheapest each give that candidate. Then a round-robin over every (family, task) pair
    (by family, then task, so every family offers both tasks it has) adds each pair's next
    candidate when the total, plus the cheapest way to fill the
    remaining slots, stays within the budget, so a costly family cannot crowd out the
    problem count."""
    kept = table[table["kept"]]
    kept = kept.assign(
        cost_per_test_row=kept["seconds_per_eval"] / kept["test_rows"],
        seconds=problem_seconds(kept, crit),
    ).sort_values(["cost_per_test_row", "problem"])
    kept = kept[kept["seconds"] <= crit.default_seconds / 3]
    seconds = dict(zip(kept["problem"], kept["seconds"], strict=True))
    first = kept.groupby("model", sort=True)["problem"].first()
    coverage = sorted(first.index, key=lambda m: (seconds[first[m]], m))[:crit.default_families]
    chosen = [first[m] for m in coverage]
    kept = kept[~kept["problem"].isin(chosen)]
    queues = {k: list(g["problem"]) for k, g in kept.groupby(["task", "model"], sort=True)}

    def fits(candidate: str) -> bool:
        rest = sorted(seconds[p] for q in queues.values() for p in q if p != candidate)
        slots = max(0, crit.default_problems - len(chosen) - 1)
        total = sum(seconds[p] for p in chosen) + seconds[candidate] + sum(rest[:slots])
        return total <= crit.default_seconds

    while any(queues.values()) and len(chosen) < crit.default_problems:
        for key in sorted(queues, key=lambda k: (k[1], k[0])):
            if queues[key] and len(chosen) < crit.default_problems:
                candidate = queues[key].pop(0)
                if fits(candidate):
                    chosen.append(candidate)
    if sum(seconds[p] for p in chosen) > crit.default_seconds:
        return []
    return sorted(chosen)
