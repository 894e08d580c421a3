"""Coverage rules the ``default`` suite must meet beyond the pilot's pick (issues 23, 24).

The pilot's pick (:func:`benchmarks.devtools.select.pick_default`) favours cheap problems,
which are small: a finding on test needs test sets big enough to see it, and a benchmark of
tuning strategies needs a conditional space. After the pick, :func:`top_up` adds, until each
rule holds:

* ``min_large`` problems with at least ``large_test_rows`` test rows;
* ``min_conditional`` problems with a conditional search space.

Candidates are the problems with a known cost per evaluation (piloted, or measured by hand
for the larger datasets, which the pilot skips as slow) whose dataset is not already in the
suite, cheapest per test row first (as the pilot orders its candidates).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.problems.catalogue import PROBLEMS


def _conditional(name: str) -> bool:
    problem = PROBLEMS.get(name)
    return bool(problem is not None and problem.space.is_conditional)


def _candidates(table: pd.DataFrame, chosen: list[str]) -> pd.DataFrame:
    used = set(table.loc[table["problem"].isin(chosen), "dataset"])
    known = table[table["seconds_per_eval"].notna() & ~table["problem"].isin(chosen)
                  & ~table["dataset"].isin(used)]
    return known.assign(per_row=known["seconds_per_eval"] / known["test_rows"]).sort_values(
        ["per_row", "problem"])


def top_up(table: pd.DataFrame, chosen: list[str], crit: Any) -> list[str]:
    """``chosen`` plus the cheapest problems that make the coverage rules hold."""
    chosen = list(chosen)
    rows = dict(zip(table["problem"], table["test_rows"], strict=True))
    rules = [(lambda p: rows.get(p, 0) >= crit.large_test_rows, crit.min_large),
             (_conditional, crit.min_conditional)]
    for meets, wanted in rules:
        while sum(meets(p) for p in chosen) < wanted:
            fit = [n for n in _candidates(table, chosen)["problem"] if meets(n)]
            if not fit:
                break  # no candidate left: the suite is as close as the table allows
            chosen.append(fit[0])
    return sorted(chosen)
