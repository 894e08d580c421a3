"""Synthetic functions with known optima: zero data cost and exact regret.

``test_loss`` is the noiseless function value. With ``noise > 0``, ``val_loss`` adds
Gaussian noise of that standard deviation, drawn from a seed derived from
``(seed, problem, configuration)``: the same configuration gets the same noisy value in
every strategy (common random numbers), and a strategy that chases lucky noise shows up
as validation overfitting.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tunebench.problems.base import Evaluation, Objective, Problem, derive_seed
from tunebench.problems.space import Config, Float, SearchSpace


def branin(x: np.ndarray) -> float:
    x1, x2 = x[0], x[1]
    a, b, c = 1.0, 5.1 / (4 * np.pi**2), 5 / np.pi
    r, s, t = 6.0, 10.0, 1 / (8 * np.pi)
    return float(a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * np.cos(x1) + s)


_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547],
                         [381, 5743, 8828]])
_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann3(x: np.ndarray) -> float:
    return float(-np.sum(_H_ALPHA * np.exp(-np.sum(_H3_A * (x - _H3_P) ** 2, axis=1))))


def hartmann6(x: np.ndarray) -> float:
    return float(-np.sum(_H_ALPHA * np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1))))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def ackley(x: np.ndarray) -> float:
    d = len(x)
    return float(-20 * np.exp(-0.2 * np.sqrt(np.sum(x**2) / d))
                 - np.exp(np.sum(np.cos(2 * np.pi * x)) / d) + 20 + np.e)


def levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    term1 = np.sin(np.pi * w[0]) ** 2
    term3 = (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2)
    mid = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
    return float(term1 + mid + term3)


def branin_in_10d(x: np.ndarray) -> float:
    """Branin on the first two of ten dimensions; the other eight do nothing.

    Low effective dimensionality, the case Bergstra & Bengio (2012) use to show random
    search beating grid search: a grid spends its points on irrelevant dimensions.
    """
    return branin(x[:2])


def _box(prefix: str, bounds: list[tuple[float, float]]) -> SearchSpace:
    return SearchSpace(tuple(Float(f"{prefix}{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)))


@dataclass(frozen=True)
class SyntheticProblem(Problem):
    """A closed-form function on a box; ``optimum`` is its known minimum."""

    function: Callable[[np.ndarray], float] | None = None
    noise: float = 0.0

    def bind(self, seed: int, *, folds: int = 5, test_fraction: float = 0.25,
             protocol: Any = None) -> Objective:
        # A synthetic function has no data to split: every protocol gives the same objective.
        fn, names, noise, name = self.function, self.space.names, self.noise, self.name
        assert fn is not None

        def objective(config: Config) -> Evaluation:
            start = time.perf_counter()
            x = np.array([config[n] for n in names], dtype=float)
            value = fn(x)
            val = value
            if noise > 0:
                key = json.dumps(config, sort_keys=True)
                val = value + noise * np.random.default_rng(derive_seed(seed, name, key)).normal()
            return Evaluation(float(val), float(value), (float(val),),
                              time.perf_counter() - start)

        return objective


_BRANIN = [(-5.0, 10.0), (0.0, 15.0)]

SYNTHETIC: dict[str, SyntheticProblem] = {
    p.name: p
    for p in [
        SyntheticProblem("branin", _box("x", _BRANIN), "value", "synthetic",
                         {"x0": 2.5, "x1": 7.5}, 0.397887357729739, function=branin,
                         description="Branin-Hoo, 2-d, three global minima."),
        SyntheticProblem("hartmann3", _box("x", [(0.0, 1.0)] * 3), "value", "synthetic",
                         {f"x{i}": 0.5 for i in range(3)}, -3.86278214782076,
                         function=hartmann3, description="Hartmann, 3-d, four local minima."),
        SyntheticProblem("hartmann6", _box("x", [(0.0, 1.0)] * 6), "value", "synthetic",
                         {f"x{i}": 0.5 for i in range(6)}, -3.32236801141551,
                         function=hartmann6, description="Hartmann, 6-d, six local minima."),
        SyntheticProblem("rosenbrock4", _box("x", [(-5.0, 10.0)] * 4), "value", "synthetic",
                         {f"x{i}": 2.5 for i in range(4)}, 0.0, function=rosenbrock,
                         description="Rosenbrock, 4-d, a long curved valley."),
        SyntheticProblem("ackley5", _box("x", [(-32.768, 32.768)] * 5), "value", "synthetic",
                         {f"x{i}": 16.0 for i in range(5)}, 0.0, function=ackley,
                         description="Ackley, 5-d, many local minima around one global one."),
        SyntheticProblem("levy4", _box("x", [(-10.0, 10.0)] * 4), "value", "synthetic",
                         {f"x{i}": 0.0 for i in range(4)}, 0.0, function=levy,
                         description="Levy, 4-d, rugged."),
        SyntheticProblem("branin-10d", _box("x", _BRANIN + [(0.0, 1.0)] * 8), "value",
                         "synthetic", {"x0": 2.5, "x1": 7.5, **{f"x{i}": 0.5 for i in range(2, 10)}},
                         0.397887357729739, function=branin_in_10d,
                         description="Branin on 2 of 10 dimensions (Bergstra & Bengio 2012)."),
        SyntheticProblem("noisy-hartmann6", _box("x", [(0.0, 1.0)] * 6), "value", "synthetic",
                         {f"x{i}": 0.5 for i in range(6)}, -3.32236801141551,
                         function=hartmann6, noise=0.1,
                         description="Hartmann-6 with N(0, 0.1^2) noise on val_loss only."),
    ]
}
