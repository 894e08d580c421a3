"""Simulated durations of evaluations: the clock of parallel (batch and asynchronous) cells.

Parallel cells are compared at equal *simulated* wall time, never at measured time: the
machine, the other cells running beside it and ``--jobs`` all change measured seconds, and
records must be identical whatever they are. Each evaluation is charged::

    duration = seconds_per_fit(problem) x fits(protocol) x resource_factor(configuration)

* ``seconds_per_fit``: the seconds per evaluation that ``benchmarks/suites/selection.csv``
  records for the problem (measured in real runs where it has that, else by the selection
  pilot), divided by the pilot's 4 fits (3 folds + 1 refit). A problem it does not list
  gets the median of its model family, else of all problems. Synthetic functions cost one
  simulated second per evaluation.
* ``fits``: the protocol's fits per evaluation (``cv-5``: 6); 1 for synthetic functions.
* ``resource_factor``: where the model's training resource is a tuned hyperparameter (the
  MLP's ``max_iter`` epochs, trees where tuned; see :data:`problems.fidelity.FIDELITY_KIND`),
  its value divided by the value random search draws on average on that dimension, so a
  configuration with twice the epochs takes twice as long and the average stays the
  measured one. Otherwise 1.

Limits: the cost of a configuration is modelled only through that one resource; other
hyperparameters also change fit time (tree depth, an SVM's ``C``, a k-NN's ``k``) and are
not modelled, so on most problems every evaluation of a problem lasts the same, and the
asynchronous schedule then differs from the batch one only in when each suggestion is made,
not in which worker is idle. Strategy overhead (the time to suggest) is not charged: the
simulated clock measures evaluation time only, as Syne Tune's simulated backend does. A
repeated configuration is not refitted (the cell's cache) and costs 0.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from tunebench.problems.base import Task
from tunebench.problems.space import Categorical, Config, SearchSpace

#: Simulated seconds per evaluation of a synthetic function.
SYNTHETIC_SECONDS = 1.0
#: Fits behind the selection pilot's seconds per evaluation (3 folds + 1 refit).
PILOT_FITS = 4


@functools.cache
def _costs() -> tuple[dict[str, float], dict[str, float], float]:
    """(by problem, by model family, overall median) seconds per evaluation."""
    from tunebench.benchmarks.plan.estimate import measured_costs

    table = measured_costs()
    if "measured_seconds_per_eval" in table.columns:
        table = table.assign(seconds_per_eval=table["measured_seconds_per_eval"].fillna(
            table["seconds_per_eval"]))
    table = table.dropna(subset=["seconds_per_eval"])
    by_problem = {str(k): float(v) for k, v in
                  zip(table["problem"], table["seconds_per_eval"], strict=True)}
    by_model = {str(k): float(v) for k, v in
                table.groupby("model")["seconds_per_eval"].median().items()}
    overall = float(table["seconds_per_eval"].median()) if len(table) else 1.0
    return by_problem, by_model, overall


def seconds_per_fit(problem: Any) -> float:
    """Simulated seconds of one model fit on ``problem`` (see the module docstring)."""
    if problem.task == Task.SYNTHETIC:
        return SYNTHETIC_SECONDS
    by_problem, by_model, overall = _costs()
    model = getattr(getattr(problem, "model", None), "name", "")
    per_eval = by_problem.get(problem.name, by_model.get(model, overall))
    return per_eval / PILOT_FITS


def _mean_draw(space: SearchSpace, name: str) -> float | None:
    """The average value uniform sampling draws on a numeric dimension (on its scale)."""
    d = next((d for d in space if d.name == name), None)
    if d is None or isinstance(d, Categorical):
        return None
    low, high = float(d.low), float(d.high)  # type: ignore[union-attr]
    if getattr(d, "log", False) and high > low:
        return (high - low) / math.log(high / low)
    return (low + high) / 2


def resource_factor(problem: Any, config: Config) -> float:
    """The configuration's training resource relative to random search's average draw."""
    from tunebench.problems.fidelity import kind

    model = getattr(getattr(problem, "model", None), "name", None)
    if model is None:
        return 1.0
    resource = kind(model)
    mean = _mean_draw(problem.space, resource) if resource in config else None
    return float(config[resource]) / mean if mean else 1.0


def duration(problem: Any, fits: int, config: Config) -> float:
    """Simulated seconds of one evaluation of ``config`` with ``fits`` model fits."""
    return seconds_per_fit(problem) * max(1, int(fits)) * resource_factor(problem, config)
