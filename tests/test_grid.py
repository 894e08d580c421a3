"""Grid search: sized to the budget, covering the bounds, shuffled by the seed."""

from __future__ import annotations

import math

import pytest

from tunebench.problems.space import Categorical, Float, Int, SearchSpace
from tunebench.strategies.simple import GridSearch, grid_resolution

SPACES = [
    SearchSpace((Float("a", 0, 1), Float("b", 1e-3, 1e3, log=True))),
    SearchSpace((Float("a", 0, 1), Int("n", 1, 3), Categorical("k", ("x", "y")))),
    SearchSpace((Int("n", 1, 100, log=True),)),
    SearchSpace(tuple(Float(f"x{i}", -1, 1) for i in range(6))),
]


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("budget", [1, 7, 30, 50, 100])
def test_grid_never_exceeds_budget(space, budget):
    g = GridSearch(space, 0, budget)
    assert 1 <= len(g.points) <= budget
    assert len(g.points) == math.prod(grid_resolution(space, budget).values())
    assert len({tuple(sorted(p.items())) for p in g.points}) == len(g.points)


@pytest.mark.parametrize("space", SPACES[:3])
def test_grid_covers_bounds(space):
    g = GridSearch(space, 0, 50)
    for d in space:
        values = [p[d.name] for p in g.points]
        if isinstance(d, Categorical):
            assert set(values) == set(d.choices)
        else:
            assert min(values) == d.low and max(values) == d.high


def test_grid_resolution_examples():
    # 2 numeric dims, budget 50 -> 7 x 7 = 49 points
    assert grid_resolution(SPACES[0], 50) == {"a": 7, "b": 7}
    # categorical kept whole (2), Int capped at its 3 values, the float gets the rest: 8
    assert grid_resolution(SPACES[1], 50) == {"a": 8, "n": 3, "k": 2}


def test_grid_order_differs_between_seeds_but_not_within():
    space = SPACES[0]
    g1, g2, g1b = GridSearch(space, 1, 30), GridSearch(space, 2, 30), GridSearch(space, 1, 30)
    n = len(g1.points)
    s1 = [g1.ask() for _ in range(n)]
    s2 = [g2.ask() for _ in range(n)]
    s1b = [g1b.ask() for _ in range(n)]
    assert s1 == s1b and s1 != s2
    assert sorted(map(str, s1)) == sorted(map(str, s2))  # same grid, different order
