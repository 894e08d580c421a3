"""Strategies that need no tuning library: random search, grid search and the default.

Grid search is sized to the budget and shuffled by the seed; see :class:`GridSearch`.
All three are ``flattened`` for conditional spaces (:mod:`strategies.flatten`): random
search samples the flattened box and drops inactive values, grid search enumerates only
valid combinations (:mod:`strategies.conditional_grid`), and the default configuration
holds its active parameters.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from tunebench.problems.space import Categorical, Config, SearchSpace
from tunebench.strategies.base import Strategy
from tunebench.strategies.citations import cite
from tunebench.strategies.conditional_grid import conditional_resolution, valid_points


class RandomSearch(Strategy):
    """Uniform random search (on each dimension's scale) with a numpy ``Generator``."""

    name = "random"
    family = "random-like"
    citation = cite("bergstra2012random")
    parallel = "native"  # independent proposals: nothing to wait for
    library = "numpy"

    def __init__(self, space: SearchSpace, seed: int, budget: int) -> None:
        super().__init__(space, seed, budget)
        self.rng = np.random.default_rng(self.seed)

    def ask(self) -> Config:
        return self.space.sample(self.rng)

    def tell(self, config: Config, loss: float) -> None:
        pass


def grid_resolution(space: SearchSpace, budget: int) -> dict[str, int]:
    """Points per dimension such that the full grid has at most ``budget`` points.

    Categoricals keep all their choices when the budget allows (else as many as fit,
    evenly spread over the choices);
    numeric dimensions share what remains equally: ``k = floor(remaining ** (1/d))``,
    at least 1, then dimensions are raised one at a time (in space order) while the grid
    still fits. Integer dimensions never get more points than they have values.
    """
    res = {d.name: 1 for d in space}
    cats = [d for d in space if isinstance(d, Categorical)]
    nums = [d for d in space if not isinstance(d, Categorical)]
    for d in cats:
        others = math.prod(res.values()) // res[d.name]
        res[d.name] = max(1, min(len(d.choices), budget // others))
    remaining = budget // math.prod(res.values())
    if nums and remaining >= 1:
        k = max(1, int(math.floor(remaining ** (1.0 / len(nums)) + 1e-9)))
        for d in nums:
            res[d.name] = int(min(k, d.cardinality))
        grown = True
        while grown:
            grown = False
            for d in nums:
                trial = dict(res, **{d.name: res[d.name] + 1})
                if trial[d.name] <= d.cardinality and math.prod(trial.values()) <= budget:
                    res = trial
                    grown = True
    return res


class GridSearch(Strategy):
    """Grid search sized to the budget, evaluated in an order shuffled by the seed.

    The grid has at most ``budget`` points (see :func:`grid_resolution`); each numeric
    dimension's points include both bounds (evenly spaced on its own scale). The points
    are shuffled with the seed because an unshuffled grid's convergence curve is an
    artefact of enumeration order. If asked for more than the grid holds, it starts over
    in a fresh shuffled order (the harness's evaluation cache makes repeats free).
    """

    name = "grid"
    family = "baseline"
    citation = cite("bergstra2012random")
    parallel = "native"  # independent proposals: nothing to wait for
    library = "numpy"

    def __init__(self, space: SearchSpace, seed: int, budget: int) -> None:
        super().__init__(space, seed, budget)
        self.rng = np.random.default_rng(self.seed)
        self.resolution = grid_resolution(space, budget)
        if space.is_conditional:
            self.resolution = conditional_resolution(space, budget, self.resolution)
            self.points: list[Config] = list(valid_points(space, self.resolution))
        else:
            axes = [d.grid(self.resolution[d.name]) for d in space]
            self.points = [dict(zip(space.names, combo, strict=True)) for combo in
                           itertools.product(*axes)]
        self._order: list[int] = []

    def ask(self) -> Config:
        if not self._order:
            self._order = list(self.rng.permutation(len(self.points)))
        return dict(self.points[self._order.pop(0)])

    def tell(self, config: Config, loss: float) -> None:
        pass


class DefaultConfiguration(Strategy):
    """The "no tuning" baseline: always proposes the problem's default configuration.

    Its curve is flat after the first evaluation; the harness's evaluation cache makes
    the repeats free. The default comes from the problem (scikit-learn's defaults, moved
    into the space only where they lie outside it). Problems without a library default
    (synthetic functions) are left out by the harness (``needs_default``); used directly
    without a default, e.g. by the conformance checker, it proposes the centre of the
    space on each dimension's scale.
    """

    name = "defaults"
    family = "baseline"
    parallel = "native"  # independent proposals: nothing to wait for
    library = "scikit-learn"
    deterministic = True
    needs_default = True

    def __init__(self, space: SearchSpace, seed: int, budget: int,
                 default: dict[str, Any] | None = None) -> None:
        super().__init__(space, seed, budget)
        if default:
            space.validate(default)
            self.default = space.canonical(default)
        else:
            self.default = space.from_unit([0.5] * len(space))

    def ask(self) -> Config:
        return dict(self.default)

    def tell(self, config: Config, loss: float) -> None:
        pass
