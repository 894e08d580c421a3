"""The problem contract: a search space plus an objective.

Evaluating a configuration returns an :class:`Evaluation` holding both the score the
strategy sees (``val_loss``, mean k-fold CV loss on the training part) and the score it
never sees (``test_loss``, the model refit on the whole training part and scored on the
held-out test part), as in Bayesmark's visible/generalisation split.

A problem is *bound* to a seed and a protocol (:meth:`Problem.bind`), which fixes the
train/test split, the CV folds and the model's ``random_state``. Binding is a pure
function of its arguments, so every strategy evaluated on the same (problem, seed) sees
the same data: common random numbers.
"""

from __future__ import annotations

import dataclasses
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from tunebench.problems.space import Config, SearchSpace


class Status(StrEnum):
    """Status of an evaluation, stored as its string value.

    ``ok``: finite losses; ``error``: the fit raised or gave a non-finite loss;
    ``timeout``: the harness stopped it (set by the harness, not here).
    """

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"


STATUSES = tuple(s.value for s in Status)


class Task(StrEnum):
    """What a problem predicts, stored as its string value (equal to it): a class label
    (``classification``), a number (``regression``), or nothing (``synthetic`` functions
    with a known optimum)."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"
    SYNTHETIC = "synthetic"


def derive_seed(seed: int, *keys: str) -> int:
    """A 32-bit seed derived from ``seed`` and string keys, stable across runs and platforms.

    Uses :class:`numpy.random.SeedSequence`, so derived streams are independent.
    """
    entropy = [int(seed)] + [zlib.crc32(k.encode()) for k in keys]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation of one configuration produced.

    ``val_loss``/``test_loss`` (and ``fold_losses``) are the primary metric's values, the
    only ones a strategy sees. ``metrics`` maps every metric the trial recorded (the
    primary included) to its ``(validation, test)`` values, all from the same fits.
    """

    val_loss: float
    test_loss: float
    fold_losses: tuple[float, ...] = ()
    fit_seconds: float = 0.0
    status: Status = Status.OK
    error: str | None = None
    n_warnings: int = 0
    metrics: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: Standard error of ``test_loss`` over the test rows (:mod:`problems.test_se`); NaN
    #: where the metric is not a mean over rows or the problem has no test rows.
    test_loss_se: float = float("nan")

    @classmethod
    def failure(cls, error: str, fit_seconds: float = 0.0, n_warnings: int = 0,
                status: Status = Status.ERROR) -> Evaluation:
        nan = float("nan")
        return cls(nan, nan, (), fit_seconds, Status(status), error, n_warnings)


#: A bound objective: configuration -> evaluation.
Objective = Callable[[Config], Evaluation]


@dataclass(frozen=True)
class Problem(ABC):
    """A tuning problem: a search space, an objective, a metric and (maybe) a known optimum.

    Subclasses implement :meth:`bind`. ``default_config`` is the configuration a
    practitioner gets without tuning (the library's defaults, clipped into the space);
    the ``defaults`` strategy evaluates it. ``optimum`` is the best achievable loss when
    it is known (synthetic functions), else ``None``.
    """

    name: str
    space: SearchSpace
    metric: str
    task: str  # "classification", "regression" or "synthetic"
    default_config: Mapping[str, Any] = field(default_factory=dict)
    optimum: float | None = None
    slow: bool = False
    description: str = ""

    @property
    def recorded_metrics(self) -> tuple[str, ...]:
        """The catalogue metrics every trial of this problem records (none for synthetic
        functions, whose single metric is their value)."""
        return ()

    def supported_metrics(self) -> tuple[str, ...]:
        """The metrics that may be this problem's primary metric."""
        return self.recorded_metrics or (self.metric,)

    def with_metric(self, metric: str) -> Problem:
        """The same problem with ``metric`` as its primary metric (ValueError if it
        cannot be computed for this problem)."""
        if metric == self.metric:
            return self
        if metric not in self.supported_metrics():
            raise ValueError(f"metric {metric!r} does not apply to problem {self.name!r} "
                             f"(it supports {list(self.supported_metrics())})")
        return dataclasses.replace(self, metric=metric)

    @abstractmethod
    def bind(self, seed: int, *, folds: int = 5, test_fraction: float = 0.25,
             protocol: Any = None) -> Objective:
        """The objective for one seed and protocol; pure in its arguments. ``protocol`` is the
        validation protocol (a :class:`~tunebench.problems.protocols.Protocol` or its name;
        typed ``Any`` here because that module imports this one); ``None`` means
        ``cv-<folds>``."""
