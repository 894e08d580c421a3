"""Grid search on a conditional space: only valid combinations, sized to the budget.

The grid of a conditional space is the set of its valid configurations whose active values
lie on each dimension's grid (:meth:`Float.grid` and kin): a linear-kernel SVM point has
no ``gamma``, so it is not repeated once per ``gamma`` level as the flattened box's
product would. Sizing starts from :func:`~strategies.simple.grid_resolution` of the
flattened box (whose product bounds the valid count), then raises one dimension's number
of points at a time (parents first, then the others in space order) while the number of
valid configurations still fits the budget, so the grid uses the budget as a flat grid
does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from tunebench.problems.space import Config, SearchSpace


def count_valid(space: SearchSpace, res: dict[str, int]) -> int:
    """How many valid configurations the grid with ``res`` points per dimension has."""

    def walk(i: int, config: Config) -> int:
        if i == len(space):
            return 1
        d = space.dimensions[i]
        if d.name not in space.active_names({**config, d.name: None}):
            return walk(i + 1, config)
        if not space.children_of(d.name):
            return res[d.name] * walk(i + 1, config)
        return sum(walk(i + 1, {**config, d.name: v}) for v in d.grid(res[d.name]))

    return walk(0, {})


def valid_points(space: SearchSpace, res: dict[str, int]) -> Iterator[Config]:
    """The valid configurations of the grid, in lexicographic (space) order."""

    def walk(i: int, config: Config) -> Iterator[Config]:
        if i == len(space):
            yield dict(config)
            return
        d = space.dimensions[i]
        if d.name not in space.active_names({**config, d.name: None}):
            yield from walk(i + 1, config)
            return
        for v in d.grid(res[d.name]):
            yield from walk(i + 1, {**config, d.name: v})

    yield from walk(0, {})


def conditional_resolution(space: SearchSpace, budget: int, start: dict[str, int]
                           ) -> dict[str, int]:
    """Grow ``start`` (a flat-box resolution) while the valid count fits ``budget``."""
    res = dict(start)
    parents = {c.parent for c in space.conditions}
    order = ([d for d in space if d.name in parents]
             + [d for d in space if d.name not in parents])
    grown = True
    while grown:
        grown = False
        for d in order:
            if res[d.name] + 1 > d.cardinality:
                continue
            trial = dict(res, **{d.name: res[d.name] + 1})
            if count_valid(space, trial) <= budget:
                res, grown = trial, True
    assert count_valid(space, res) <= max(budget, math.prod(start.values()))
    return res
