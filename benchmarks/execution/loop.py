"""The trial loop of a cell: ask -> validate -> evaluate (or reuse) -> tell -> record.

One loop for full- and multi-fidelity strategies. The budget is in full-evaluation
equivalents: every evaluation is charged its *cost*, 1 for a full evaluation and, for a
multi-fidelity strategy (:class:`strategies.base.MultiFidelityStrategy`, which chooses the
fidelity of each evaluation), the fraction of the full resource it used
(:func:`problems.fidelity.objective_cost`, about ``fidelity / 1``). The loop stops as soon
as the summed cost reaches the suite's ``budget``: a full-fidelity cell runs ``budget``
trials, a multi-fidelity cell the same number of full-evaluation equivalents, overshooting
by less than one evaluation.

Within a cell, a configuration proposed again (at the same fidelity) is not refitted: its
stored evaluation is reused (``reused=True``, ``fit_seconds=0``, no fits) and still charged,
as a reused trial counts against the budget. Objectives are deterministic for a given
(problem, seed, configuration, fidelity), so this changes no loss, only wasted time.

The parallel schedules (:mod:`benchmarks.execution.parallel`) use the same steps
(:meth:`TrialLoop.settle`, :meth:`TrialLoop.tell`, :meth:`TrialLoop.record`) with
``ask_batch`` proposals and a simulated clock.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Any

from tunebench.benchmarks.execution.trial import (
    _call_within,
    checked_config,
    evaluate,
    metric_columns,
    params_json,
)
from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.store.schema import CellColumns, ParallelSlot, TrialRecord
from tunebench.problems import fidelity as fid
from tunebench.problems.base import Evaluation, Objective, Status, Task

FULL = fid.FULL


def _check_fidelity(strategy: Any, name: str, trial: int, fidelity: Any) -> float:
    """The fidelity a multi-fidelity strategy asked, checked against its ``min_fidelity``."""
    try:
        f = fid.check_fidelity(fidelity)
    except (TypeError, ValueError) as exc:
        raise RuntimeError(f"strategy {name!r} asked an invalid fidelity at trial {trial}: "
                           f"{exc}") from exc
    if f < strategy.min_fidelity - 1e-12:
        raise RuntimeError(f"strategy {name!r} asked fidelity {f} at trial {trial}, below its "
                           f"min_fidelity {strategy.min_fidelity}")
    return f


@dataclass(frozen=True)
class Settled:
    """A validated configuration and its evaluation (fresh or reused) at a fidelity."""

    config: dict[str, Any]
    key: str
    fidelity: float
    evaluation: Evaluation
    cost: float
    reused: bool


class TrialLoop:
    """One cell's trials: the strategy, the evaluation cache, the budget and the records.

    ``records`` (appended to as trials finish, so a failing strategy leaves the trials
    before it) is usually the cell result's list; ``protocol`` is the cell's validation
    protocol."""

    def __init__(self, cell: Any, problem: Any, objective: Objective, strategy: Any,
                 name: str, budget: int, suite: Suite, timeout: float | None,
                 protocol: Any, records: list[TrialRecord]) -> None:
        self.multi_fidelity = bool(getattr(strategy, "multi_fidelity", False))
        if self.multi_fidelity and not hasattr(objective, "at"):
            raise RuntimeError(f"problem {problem.name!r} has no lower fidelity: "
                               f"multi-fidelity strategy {name!r} needs a dataset x model "
                               "problem")
        self.problem, self.objective, self.strategy, self.name = problem, objective, strategy, name
        self.budget, self.suite, self.timeout, self.records = budget, suite, timeout, records
        self.columns = CellColumns(suite.name, problem.name, protocol.name, name, cell.seed,
                                   problem.metric, getattr(objective, "n_train", None))
        # Model fits per evaluation (a synthetic function is one "fit" whatever the protocol).
        self.fits = 1 if problem.task == Task.SYNTHETIC else protocol.fits_per_evaluation
        self.cache: dict[tuple[str, float], tuple[Evaluation, float]] = {}

    def default_first(self, trial: int) -> bool:
        """True when trial ``trial`` is the problem's default configuration (trial 0 of a
        suite with ``start_from_default``)."""
        return (trial == 0 and self.suite.start_from_default
                and bool(self.problem.default_config))

    def default_config(self) -> dict[str, Any]:
        return self.problem.space.canonical(self.problem.default_config)

    def ask(self, trial: int) -> tuple[dict[str, Any], float, bool]:
        """(configuration, fidelity, asked): the default first where the suite says so
        (``asked`` false: it is told with ``tell``), else the strategy's suggestion."""
        if self.default_first(trial):
            return self.default_config(), FULL, False
        what = f"{self.name!r} ask at trial {trial}"
        if self.multi_fidelity:
            config, fidelity = _call_within(self.strategy.ask_at, self.timeout, what)
            return config, fidelity, True
        return _call_within(self.strategy.ask, self.timeout, what), FULL, True

    def settle(self, trial: int, config: dict[str, Any], fidelity: float = FULL) -> Settled:
        """Validate ``config`` (and the fidelity) and evaluate it, or reuse its evaluation."""
        config = checked_config(self.problem.space, self.name, trial, config)
        if self.multi_fidelity:
            fidelity = _check_fidelity(self.strategy, self.name, trial, fidelity)
        key = params_json(config)
        reused = (key, fidelity) in self.cache
        if not reused and self.multi_fidelity:
            evaluation = evaluate(self.objective.at(fidelity), config,  # type: ignore[attr-defined]
                                  self.timeout)
            cost = fid.objective_cost(self.objective, config, fidelity)
            self.cache[(key, fidelity)] = (evaluation, cost)
        elif not reused:
            self.cache[(key, fidelity)] = (evaluate(self.objective, config, self.timeout), FULL)
        evaluation, cost = self.cache[(key, fidelity)]
        return Settled(config, key, fidelity, evaluation, cost, reused)

    def tell(self, trial: int, settled: Settled, asked: bool = True) -> None:
        """Tell the strategy the loss (NaN for a failed evaluation), at the fidelity for a
        multi-fidelity strategy's own suggestion."""
        ev = settled.evaluation
        loss = ev.val_loss if ev.status == Status.OK else math.nan
        if self.multi_fidelity and asked:
            tell = functools.partial(self.strategy.tell_at, settled.config, settled.fidelity,
                                     loss)
        else:
            tell = functools.partial(self.strategy.tell, settled.config, loss)
        _call_within(tell, self.timeout, f"{self.name!r} tell at trial {trial}")

    def record(self, trial: int, settled: Settled, seconds: tuple[float, float, float],
               started_at: float, parallel: ParallelSlot | None = None) -> TrialRecord:
        """Append and return trial ``trial``'s record; ``seconds`` = (ask, tell, trial)."""
        ev, reused = settled.evaluation, settled.reused
        record = TrialRecord(
            self.columns, trial, settled.key, ev.val_loss, ev.test_loss,
            tuple(ev.fold_losses), ev.status, ev.error,
            fit_seconds=0.0 if reused else ev.fit_seconds, ask_seconds=seconds[0],
            tell_seconds=seconds[1], trial_seconds=seconds[2], reused=reused,
            n_warnings=ev.n_warnings, fits=0 if reused else self.fits, started_at=started_at,
            # multi-fidelity trials have never recorded a standard error (null)
            test_loss_se=None if self.multi_fidelity else ev.test_loss_se,
            fidelity=settled.fidelity, cost=settled.cost if self.multi_fidelity else FULL,
            metrics=metric_columns(ev), parallel=parallel)
        self.records.append(record)
        return record

    def run(self) -> None:
        """The sequential schedule: one trial at a time until the budget is spent."""
        spent, trial = 0.0, 0
        while spent < self.budget:
            started_at = time.time()
            t0 = time.perf_counter()
            config, fidelity, asked = self.ask(trial)
            t1 = time.perf_counter()
            settled = self.settle(trial, config, fidelity)
            t2 = time.perf_counter()
            self.tell(trial, settled, asked)
            t3 = time.perf_counter()
            self.record(trial, settled, (t1 - t0, t3 - t2, t3 - t0), started_at)
            spent += settled.cost
            trial += 1
