"""One cell = (problem, [protocol,] strategy, seed): where trials are created.

:func:`run_cell` is a pure function of its arguments (up to timings), so it runs the same
in-process, in a worker process or on a Dask worker. Each trial is one ask -> evaluate ->
tell; ask, tell and fit times are recorded separately.

The trial loop itself (full and multi-fidelity, and the steps of the parallel schedules)
is :class:`benchmarks.execution.loop.TrialLoop`; each trial becomes a
:class:`benchmarks.store.schema.TrialRecord`.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

from tunebench.benchmarks.plan.cells import CELL_THREADS, Cell  # noqa: F401  (re-exported)
from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.execution.trial import (  # noqa: F401  (re-exported: the cell's public helpers)
    TrialTimeout,
    _call_within,
    checked_config,
    evaluate,
    metric_columns,
    params_json,
)
from tunebench.benchmarks.execution.loop import TrialLoop
from tunebench.benchmarks.store.schema import TrialRecord
from tunebench.problems.base import derive_seed
from tunebench.problems.catalogue import get_problem, with_suite_metric
from tunebench.problems.protocols import Protocol
from tunebench.strategies.registry import resolve

log = logging.getLogger(__name__)

@dataclass
class CellResult:
    """Records of a cell's trials, or the error that stopped the strategy."""

    cell: Cell
    records: list[TrialRecord] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def rows(self) -> list[dict[str, Any]]:
        """The records as table rows (see :meth:`TrialRecord.row`)."""
        return [r.row() for r in self.records]


def run_cell(cell: Cell, suite: Suite, salt: str = "") -> CellResult:
    """Run every trial of one cell; a raising strategy gives a failed result, not a crash.

    ``salt`` (empty in runs) is mixed into the strategy's seed only, so the objective
    (split, folds, model seed) stays the cell's: ``tunebench nullcheck --resalt`` uses it."""
    start = time.perf_counter()
    result = CellResult(cell)
    try:
        _run(cell, suite, result, salt)
    except Exception:
        result.error = traceback.format_exc(limit=20)
    result.seconds = time.perf_counter() - start
    return result


def cell_protocol(cell: Cell, suite: Suite) -> Protocol:
    """The cell's validation protocol: its own, else the suite's only one (``cv-<folds>``)."""
    return Protocol.parse(cell.protocol or suite.protocol_names[0])


def cell_train_size(cell: Cell, suite: Suite) -> int | None:
    """The cell's training rows: its own size, else the suite's only one; None: all."""
    size = cell.train_size or suite.size_names[0]
    return None if size == "all" else int(size)


def _run(cell: Cell, suite: Suite, result: CellResult, salt: str = "") -> None:
    problem = with_suite_metric(get_problem(cell.problem), suite.metric)
    protocol = cell_protocol(cell, suite)
    n_train = cell_train_size(cell, suite)
    objective = problem.bind(cell.seed, folds=suite.folds, test_fraction=suite.test_fraction,
                             protocol=protocol,
                             **({} if n_train is None else {"n_train": n_train}))
    cls = resolve(cell.strategy)
    options = dict(suite.options.get(cell.strategy, {}))
    if "default" in (cls.accepted_options() or []):
        options["default"] = dict(problem.default_config)
    budget = suite.budget
    if suite.parallel and "workers" in (cls.accepted_options() or []):  # parallel hook
        options["workers"] = cell.workers or suite.worker_counts[0]
    keys = ("strategy", problem.name) + ((salt,) if salt else ())
    strategy = cls(problem.space, derive_seed(cell.seed, *keys), budget, **options)
    timeout = suite.trial_timeout
    if timeout and threading.current_thread() is not threading.main_thread():
        log.warning("trial_timeout is not enforced in worker threads; trials of %s run "
                    "without a time limit (tunebench runs Dask cells in a subprocess)", cell.id)
    if suite.parallel and getattr(strategy, "multi_fidelity", False):
        raise RuntimeError(f"strategy {cls.name!r} is multi-fidelity: parallel suites run "
                           "full-fidelity strategies only")
    loop = TrialLoop(cell, problem, objective, strategy, cls.name, budget, suite, timeout,
                     protocol, result.records)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # fits record their own; these are the strategy's
        if suite.parallel:  # parallel workers (batch rounds or a simulated clock)
            from tunebench.benchmarks.execution.parallel import run_parallel_trials

            run_parallel_trials(loop, int(cell.workers or suite.worker_counts[0]))
        else:  # full or multi-fidelity: budget in full-evaluation equivalents
            loop.run()
    if caught:
        first = caught[0]
        log.warning("%s: the strategy raised %d warning(s), e.g. %s: %s", cell.id, len(caught),
                    first.category.__name__, str(first.message)[:200])

