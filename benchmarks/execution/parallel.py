"""The trial loops of a parallel cell: ``q`` workers, in batch rounds or asynchronously.

A suite with ``parallel = "batch"`` or ``"async"`` runs each cell with ``q`` workers (its
``workers`` axis). The budget stays the number of evaluations. Evaluations run one after
another in this process (so records do not depend on ``--jobs`` or the machine); what is
parallel is the *information* the strategy has, and the *simulated* clock that says when
each evaluation starts and ends (:mod:`benchmarks.execution.durations`).

* **batch**: each round, the strategy proposes ``q`` configurations
  (:meth:`Strategy.ask_batch`) before any of their results; all ``q`` are evaluated, then
  told in proposal order. A round starts when the slowest evaluation of the previous round
  ends. The last round holds what is left of the budget.
* **async**: ``q`` virtual workers. At time 0 the strategy proposes ``q`` configurations;
  whenever a worker finishes (earliest simulated end first, ties by worker index), its
  result is told and that worker gets the next suggestion (``ask_batch(1)``) while the
  others are still pending.

A configuration is evaluated when it is proposed (objectives are deterministic, so only
*when its loss is told* matters) and, proposed again in the cell, reuses the stored
evaluation at simulated cost 0. With ``start_from_default``, trial 0 is the default
configuration on worker 0, told like the others. Each record carries the ordinary columns
plus ``workers`` (q), ``round`` (batch rounds; async: the number of results told before it
was proposed), ``worker`` (0..q-1), ``sim_start`` and ``sim_end`` (simulated seconds).
"""

from __future__ import annotations

import functools
import heapq
import math
import time
from dataclasses import dataclass
from typing import Any

from tunebench.benchmarks.execution.durations import duration
from tunebench.benchmarks.execution.trial import (
    _call_within,
    checked_config,
    evaluate,
    metric_columns,
    params_json,
)
from tunebench.benchmarks.plan.suite import Suite
from tunebench.problems.base import Evaluation, Objective, Status

#: Columns a parallel cell adds to every record.
PARALLEL_COLUMNS = ("workers", "round", "worker", "sim_start", "sim_end")


@dataclass
class _Pending:
    """A proposed, evaluated configuration whose loss is not yet told."""

    trial: int
    config: dict[str, Any]
    key: str
    evaluation: Evaluation
    reused: bool
    asked: bool
    ask_seconds: float
    started_at: float
    round: int
    worker: int
    sim_start: float
    sim_end: float = 0.0


class _Loop:
    """State shared by both schedules: the strategy, cache, records and the cost model."""

    def __init__(self, cell: Any, problem: Any, objective: Objective, strategy: Any, name: str,
                 budget: int, suite: Suite, timeout: float | None, result: Any,
                 protocol: Any) -> None:
        self.problem, self.objective, self.strategy, self.name = problem, objective, strategy, name
        self.budget, self.suite, self.timeout, self.result = budget, suite, timeout, result
        self.q = int(cell.workers or suite.worker_counts[0])
        self.fits = 1 if problem.task == "synthetic" else protocol.fits_per_evaluation
        self.cache: dict[str, Evaluation] = {}
        self.asked = 0  # trials proposed so far
        self.base = {"suite": suite.name, "problem": problem.name, "protocol": protocol.name,
                     "strategy": name, "seed": cell.seed, "metric": problem.metric,
                     "n_train": getattr(objective, "n_train", None)}

    def propose(self, n: int, round_: int, workers: list[int],
                start: float) -> list[_Pending]:
        """``n`` new trials on ``workers`` starting at simulated ``start``: the default
        configuration first where the suite says so, then one ``ask_batch``."""
        started_at = time.time()
        configs: list[tuple[dict[str, Any], bool]] = []
        if self.asked == 0 and self.suite.start_from_default and self.problem.default_config:
            configs.append((self.problem.space.canonical(self.problem.default_config), False))
        t0 = time.perf_counter()
        k = n - len(configs)
        if k:
            asked = _call_within(functools.partial(self.strategy.ask_batch, k), self.timeout,
                                 f"{self.name!r} ask_batch({k}) at trial {self.asked}")
            if not isinstance(asked, list) or len(asked) != k:
                raise RuntimeError(f"strategy {self.name!r} ask_batch({k}) at trial "
                                   f"{self.asked} returned {type(asked).__name__} of "
                                   f"{len(asked) if hasattr(asked, '__len__') else '?'} "
                                   f"configurations, expected a list of {k}")
            configs += [(c, True) for c in asked]
        ask_each = (time.perf_counter() - t0) / max(1, k)
        out = []
        for (config, was_asked), worker in zip(configs, workers, strict=True):
            trial = self.asked
            config = checked_config(self.problem.space, self.name, trial, config)
            key = params_json(config)
            reused = key in self.cache
            evaluation = self.cache[key] if reused else evaluate(self.objective, config,
                                                                 self.timeout)
            self.cache[key] = evaluation
            cost = 0.0 if reused else duration(self.problem, self.fits, config)
            out.append(_Pending(trial, config, key, evaluation, reused, was_asked,
                                ask_each if was_asked else 0.0, started_at, round_, worker,
                                start, start + cost))
            self.asked += 1
        return out

    def tell(self, p: _Pending) -> None:
        """Tell the strategy ``p``'s loss and record the trial."""
        ev = p.evaluation
        loss = ev.val_loss if ev.status == Status.OK else math.nan
        t0 = time.perf_counter()
        _call_within(functools.partial(self.strategy.tell, p.config, loss), self.timeout,
                     f"{self.name!r} tell at trial {p.trial}")
        tell_seconds = time.perf_counter() - t0
        fit = 0.0 if p.reused else ev.fit_seconds
        self.result.records.append({
            **self.base, "trial": p.trial, "params": p.key,
            "val_loss": ev.val_loss, "test_loss": ev.test_loss,
            "fold_losses": list(ev.fold_losses), "status": str(ev.status), "error": ev.error,
            "fit_seconds": fit, "ask_seconds": p.ask_seconds, "tell_seconds": tell_seconds,
            "trial_seconds": p.ask_seconds + fit + tell_seconds, "reused": p.reused,
            "n_warnings": ev.n_warnings, "fits": 0 if p.reused else self.fits,
            "started_at": p.started_at, "test_loss_se": ev.test_loss_se, **metric_columns(ev),
            "workers": self.q, "round": p.round, "worker": p.worker,
            "sim_start": p.sim_start, "sim_end": p.sim_end,
        })


def _batch(loop: _Loop) -> None:
    """Rounds of ``q`` proposals made before any of their results are told."""
    clock, round_ = 0.0, 0
    while loop.asked < loop.budget:
        n = min(loop.q, loop.budget - loop.asked)
        batch = loop.propose(n, round_, list(range(n)), clock)
        for p in batch:
            loop.tell(p)
        clock = max(p.sim_end for p in batch)
        round_ += 1


def _async(loop: _Loop) -> None:
    """``q`` workers; each one that finishes is told, then given the next suggestion."""
    n = min(loop.q, loop.budget)
    running = [(p.sim_end, p.worker, p) for p in loop.propose(n, 0, list(range(n)), 0.0)]
    heapq.heapify(running)
    told = 0
    while running:
        end, worker, p = heapq.heappop(running)
        loop.tell(p)
        told += 1
        if loop.asked < loop.budget:
            (nxt,) = loop.propose(1, told, [worker], end)
            heapq.heappush(running, (nxt.sim_end, nxt.worker, nxt))
    loop.result.records.sort(key=lambda r: r["trial"])


def run_parallel_trials(cell: Any, problem: Any, objective: Objective, strategy: Any,
                        name: str, budget: int, suite: Suite, timeout: float | None,
                        result: Any, protocol: Any) -> None:
    """Run a full-fidelity cell with ``q`` workers in the suite's ``parallel`` mode,
    appending one record per evaluation to ``result.records`` (in trial order)."""
    if getattr(strategy, "multi_fidelity", False):
        raise RuntimeError(f"strategy {name!r} is multi-fidelity: parallel suites run "
                           "full-fidelity strategies only")
    loop = _Loop(cell, problem, objective, strategy, name, budget, suite, timeout, result,
                 protocol)
    if suite.parallel == "async":
        _async(loop)
    else:
        _batch(loop)
