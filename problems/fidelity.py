"""Lower-fidelity evaluations of tabular problems: cheaper fits of the same model.

A *fidelity* is a number ``f`` in ``(0, 1]``; ``f = 1`` is the ordinary (full) evaluation
and is exactly the objective :meth:`problems.base.Problem.bind` returns. Each model family
says which resource ``f`` scales (:data:`FIDELITY_KIND`), as in HPOBench:

* ``n_estimators`` (random forest, extra trees): ``max(1, round(f * n))`` trees. A forest
  with a fixed ``random_state`` grows its trees from the same seed sequence whatever its
  size, so the smaller forest is the first trees of the full one (what warm-starting
  would give).
* ``max_iter`` (histogram gradient boosting: boosting iterations; MLP: epochs, where the
  configuration's own ``max_iter`` is the full value): ``max(1, round(f * max_iter))``.
  Boosting has no early stopping here, so the smaller model is the first iterations of the
  full one.
* ``subsample`` (every other family: SVM, kNN, trees, linear models): the model is fitted on
  ``max(1, ceil(f * n))`` rows of each training part, the first rows of one seeded
  permutation (so smaller subsamples are nested in larger ones) plus the first row of each
  class (so no class goes missing). Scoring is unchanged: always on the full fold.

The *cost* of an evaluation is the fraction of the full resource it used (trees,
iterations, epochs or rows after rounding), so a cell's cost is counted in full-evaluation
equivalents (CARP-S's ``fidelity / max_fidelity``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from tunebench.problems.base import derive_seed

#: The highest fidelity: the ordinary evaluation.
FULL = 1.0

#: Model family -> the resource a fidelity scales; families not listed use ``subsample``.
FIDELITY_KIND: dict[str, str] = {
    "rf": "n_estimators",
    "et": "n_estimators",
    "extra-trees": "n_estimators",
    "hgb": "max_iter",
    "mlp": "max_iter",
}


def kind(model_name: str) -> str:
    """The resource a fidelity scales for a model family (``subsample`` by default)."""
    return FIDELITY_KIND.get(model_name, "subsample")


def check_fidelity(fidelity: float) -> float:
    """``fidelity`` as a float, or ValueError if it is not in ``(0, 1]``."""
    f = float(fidelity)
    if not (0.0 < f <= FULL):
        raise ValueError(f"fidelity must be in (0, 1], got {fidelity!r}")
    return f


def _scaled(full: int, fidelity: float) -> int:
    return max(1, min(full, int(round(fidelity * full))))


def reduce_estimator(est: BaseEstimator, model_name: str, fidelity: float) -> BaseEstimator:
    """``est`` with its fidelity resource scaled by ``fidelity`` (unchanged for subsample)."""
    k = kind(model_name)
    if fidelity >= FULL or k == "subsample":
        return est
    full = int(est.get_params()[k])
    return est.set_params(**{k: _scaled(full, fidelity)})


def subsample_rows(y: np.ndarray, fidelity: float, seed: int) -> np.ndarray:
    """Sorted row indices of a nested, seeded subsample with every class of ``y`` kept.

    For regression targets (floats) no class is kept; the subsample is the prefix alone.
    """
    n = len(y)
    perm = np.random.default_rng(derive_seed(seed, "subsample", str(n))).permutation(n)
    keep = perm[: max(1, math.ceil(fidelity * n))]
    if not np.issubdtype(np.asarray(y).dtype, np.floating):
        _, first = np.unique(np.asarray(y)[perm], return_index=True)
        keep = np.union1d(keep, perm[first])
    return np.sort(keep)


def reduce_fit(est: BaseEstimator, model_name: str, X: np.ndarray, y: np.ndarray,
               fidelity: float, seed: int) -> tuple[BaseEstimator, np.ndarray, np.ndarray]:
    """The estimator and training arrays of one fit at ``fidelity`` (the hook tabular uses)."""
    if fidelity >= FULL:
        return est, X, y
    if kind(model_name) == "subsample":
        rows = subsample_rows(y, fidelity, seed)
        return est, X[rows], y[rows]
    return reduce_estimator(est, model_name, fidelity), X, y


def cost(model_name: str, estimator_params: Mapping[str, Any], fidelity: float,
         n_rows: int) -> float:
    """Full-evaluation equivalents of one evaluation: resource used / full resource.

    ``estimator_params`` are the full-fidelity estimator's ``get_params()``; ``n_rows`` the
    size of the largest training part (for ``subsample``; classes kept add at most a few
    rows and are not charged).
    """
    fidelity = check_fidelity(fidelity)
    if fidelity >= FULL:
        return FULL
    k = kind(model_name)
    if k == "subsample":
        return min(FULL, max(1, math.ceil(fidelity * n_rows)) / n_rows)
    full = int(estimator_params[k])
    return _scaled(full, fidelity) / full


def at(objective: Any, fidelity: float) -> Any:
    """A bound tabular objective evaluated at ``fidelity`` (``1.0``: the objective itself).

    Works on any objective with a ``fidelity`` attribute that its fits honour (see
    :class:`problems.tabular._TabularObjective`); it is copied, never modified.
    """
    fidelity = check_fidelity(fidelity)
    if fidelity >= FULL:
        return objective
    if not hasattr(objective, "fidelity"):
        raise TypeError(f"{type(objective).__name__} has no lower fidelity; multi-fidelity "
                        "strategies need a tabular (dataset x model) problem")
    low = copy.copy(objective)
    low.fidelity = fidelity
    return low


def objective_cost(objective: Any, config: Mapping[str, Any], fidelity: float) -> float:
    """:func:`cost` of evaluating ``config`` with a bound tabular objective at ``fidelity``."""
    if check_fidelity(fidelity) >= FULL:
        return FULL
    est = objective.model.build(objective.task, config, objective.model_seed)
    n_rows = max(len(objective.full.y_fit), *(len(s.y_fit) for s in objective.splits))
    return cost(objective.model.name, est.get_params(), fidelity, n_rows)
