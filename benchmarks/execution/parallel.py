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
import time
from dataclasses import dataclass
from typing import Any

from tunebench.benchmarks.execution.durations import duration
from tunebench.benchmarks.execution.loop import Settled, TrialLoop, _call_within
from tunebench.benchmarks.store.schema import PARALLEL_COLUMNS, ParallelSlot  # noqa: F401


@dataclass
class _Pending:
    """A proposed, evaluated configuration whose loss is not yet told."""

    trial: int
    settled: Settled
    ask_seconds: float
    started_at: float
    round: int
    worker: int
    sim_start: float
    sim_end: float = 0.0


class _Loop:
    """Both schedules' steps on the cell's :class:`TrialLoop`, with ``q`` workers and the
    simulated cost model."""

    def __init__(self, trials: TrialLoop, q: int) -> None:
        self.trials, self.q = trials, q
        self.budget = trials.budget
        self.asked = 0  # trials proposed so far

    def propose(self, n: int, round_: int, workers: list[int],
                start: float) -> list[_Pending]:
        """``n`` new trials on ``workers`` starting at simulated ``start``: the default
        configuration first where the suite says so, then one ``ask_batch``."""
        t = self.trials
        started_at = time.time()
        configs: list[tuple[dict[str, Any], bool]] = []
        if t.default_first(self.asked):
            configs.append((t.default_config(), False))
        t0 = time.perf_counter()
        k = n - len(configs)
        if k:
            asked = _call_within(functools.partial(t.strategy.ask_batch, k), t.timeout,
                                 f"{t.name!r} ask_batch({k}) at trial {self.asked}")
            if not isinstance(asked, list) or len(asked) != k:
                raise RuntimeError(f"strategy {t.name!r} ask_batch({k}) at trial "
                                   f"{self.asked} returned {type(asked).__name__} of "
                                   f"{len(asked) if hasattr(asked, '__len__') else '?'} "
                                   f"configurations, expected a list of {k}")
            configs += [(c, True) for c in asked]
        ask_each = (time.perf_counter() - t0) / max(1, k)
        out = []
        for (config, was_asked), worker in zip(configs, workers, strict=True):
            settled = t.settle(self.asked, config)
            cost = 0.0 if settled.reused else duration(t.problem, t.fits, settled.config)
            out.append(_Pending(self.asked, settled, ask_each if was_asked else 0.0,
                                started_at, round_, worker, start, start + cost))
            self.asked += 1
        return out

    def tell(self, p: _Pending) -> None:
        """Tell the strategy ``p``'s loss and record the trial."""
        t0 = time.perf_counter()
        self.trials.tell(p.trial, p.settled)
        tell_seconds = time.perf_counter() - t0
        fit = 0.0 if p.settled.reused else p.settled.evaluation.fit_seconds
        slot = ParallelSlot(self.q, p.round, p.worker, p.sim_start, p.sim_end)
        self.trials.record(p.trial, p.settled,
                           (p.ask_seconds, tell_seconds, p.ask_seconds + fit + tell_seconds),
                           p.started_at, slot)


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
    loop.trials.records.sort(key=lambda r: r.trial)


def run_parallel_trials(trials: TrialLoop, q: int) -> None:
    """Run a full-fidelity cell with ``q`` workers in the suite's ``parallel`` mode,
    appending one record per evaluation to ``trials.records`` (in trial order)."""
    if trials.multi_fidelity:
        raise RuntimeError(f"strategy {trials.name!r} is multi-fidelity: parallel suites run "
                           "full-fidelity strategies only")
    loop = _Loop(trials, q)
    if trials.suite.parallel == "async":
        _async(loop)
    else:
        _batch(loop)
