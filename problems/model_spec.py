"""What a model family is (:class:`ModelSpec`: builder, search space, scikit-learn's
defaults and the source of its ranges) and how its library defaults become a configuration
of its space (:func:`library_default`). The families themselves are in
:mod:`problems.models`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sklearn.base import BaseEstimator
from tunebench.problems.base import Task
from tunebench.problems.metrics import METRICS, Prediction, metrics_for, supports
from tunebench.problems.space import Categorical, Int, SearchSpace

Builder = Callable[[str, Mapping[str, Any], int], BaseEstimator]


@dataclass(frozen=True)
class Symbolic:
    """A default scikit-learn states in words (``"sqrt"``, ``"scale"``, ``None``) or in units
    the space does not use; ``resolve(task, n_features)`` gives the equivalent value on the
    space's dimension (before any move into the space)."""

    text: str
    resolve: Callable[[str, int], float]


@dataclass(frozen=True)
class ModelSpec:
    """A model family: builder, search space, defaults and the source of its ranges.

    ``defaults`` holds scikit-learn's defaults of the tuned hyperparameters as the library
    states them: plain values, or :class:`Symbolic` ones resolved per dataset.
    """

    name: str
    tasks: tuple[str, ...]
    space: SearchSpace
    defaults: Mapping[str, Any]
    build: Builder
    source: str
    cost: float = 1.0  # relative cost of one fit; problems above a threshold are flagged slow
    #: What its classifier scores rows with: class probabilities (``predict_proba``) or
    #: decision values (``decision_function``). Decides which metrics it supports.
    scores: Prediction = Prediction.PROBABILITIES

    def supported_metrics(self, task: str) -> tuple[str, ...]:
        """The catalogue metrics this family can be scored by on ``task``."""
        if task not in self.tasks:
            return ()
        scores = self.scores if task == Task.CLASSIFICATION else None
        return tuple(n for n in metrics_for(task) if supports(METRICS[n], scores))

    def default_metric(self, task: str) -> str:
        """The primary metric when a suite names none: ``log-loss`` for classification
        where supported, else ``1-auc`` (a continuous score from decision values);
        ``rmse`` for regression."""
        supported = self.supported_metrics(task)
        for name in ("log-loss", "1-auc", "rmse"):
            if name in supported:
                return name
        return supported[0]


def _into_space(dim: Any, value: Any) -> Any:
    """The nearest point of ``dim`` to ``value`` (numbers clamped to the bounds)."""
    if isinstance(dim, Categorical):
        if value not in dim.choices:
            raise ValueError(f"default {value!r} of {dim.name!r} is not one of {dim.choices}")
        return value
    v = min(max(float(value), dim.low), dim.high)
    return int(round(v)) if isinstance(dim, Int) else v


def library_default(spec: ModelSpec, task: str, n_features: int
                    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """scikit-learn's default configuration of ``spec`` for a dataset with ``n_features``
    columns, and the moves made to bring it into the search space.

    Each move is ``{"parameter", "library", "equivalent", "used"}``: the default as the
    library states it, its value on the space's dimension, and the value used. Values
    inside the space are used unchanged and listed only when symbolic (resolved).
    """
    config: dict[str, Any] = {}
    moves: list[dict[str, Any]] = []
    for dim in spec.space:
        cond = spec.space.condition_of(dim.name)
        if cond is not None and not (cond.parent in config and cond.holds(config[cond.parent])):
            continue  # inactive for the default's parent values
        stated = spec.defaults[dim.name]
        value = stated.resolve(task, n_features) if isinstance(stated, Symbolic) else stated
        used = _into_space(dim, value)
        if isinstance(dim, Int) and used == value:
            used = int(value)
        config[dim.name] = used
        if isinstance(stated, Symbolic) or used != value:
            moves.append({"parameter": dim.name,
                          "library": stated.text if isinstance(stated, Symbolic) else stated,
                          "equivalent": value, "used": used})
    return config, moves
