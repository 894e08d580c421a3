"""One cell = (problem, [protocol,] strategy, seed): where trials are created.

:func:`run_cell` is a pure function of its arguments (up to timings), so it runs the same
in-process, in a worker process or on a Dask worker. Each trial is one ask -> evaluate ->
tell; ask, tell and fit times are recorded separately.

Within a cell, a configuration proposed again is not refitted: its stored evaluation is
reused (``reused=True``, ``fit_seconds=0``). Objectives are deterministic for a given
(problem, seed, configuration), so this changes no loss, only wasted time.
"""

from __future__ import annotations

import functools
import logging
import math
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
from tunebench.problems.base import Evaluation, Objective, Status, derive_seed
from tunebench.problems.catalogue import get_problem, with_suite_metric
from tunebench.problems.protocols import Protocol
from tunebench.strategies.registry import resolve

log = logging.getLogger(__name__)

@dataclass
class CellResult:
    """Records of a cell's trials, or the error that stopped the strategy."""

    cell: Cell
    records: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


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
                             protocol=protocol.name,
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # fits record their own; these are the strategy's
        if suite.parallel:  # parallel workers (batch rounds or a simulated clock)
            from tunebench.benchmarks.execution.parallel import run_parallel_trials

            run_parallel_trials(cell, problem, objective, strategy, cls.name, budget, suite,
                                timeout, result, protocol)
        elif getattr(cls, "multi_fidelity", False):  # budget in full-evaluation equivalents
            from tunebench.benchmarks.execution.cell_mf import run_mf_trials

            run_mf_trials(cell, problem, objective, strategy, cls.name, budget, suite, timeout,
                          result, protocol)
        else:
            _trials(cell, problem, objective, strategy, cls.name, budget, suite, timeout, result)
    if caught:
        first = caught[0]
        log.warning("%s: the strategy raised %d warning(s), e.g. %s: %s", cell.id, len(caught),
                    first.category.__name__, str(first.message)[:200])


def _trials(cell: Cell, problem: Any, objective: Objective, strategy: Any, name: str,
            budget: int, suite: Suite, timeout: float | None,
            result: CellResult) -> None:
    """The trial loop: ask -> validate -> evaluate (or reuse) -> tell -> record."""
    cache: dict[str, Evaluation] = {}
    protocol = cell_protocol(cell, suite)
    # Model fits per evaluation (a synthetic function is one "fit" whatever the protocol).
    fits = 1 if problem.task == "synthetic" else protocol.fits_per_evaluation
    base = {"suite": suite.name, "problem": problem.name, "protocol": protocol.name,
            "strategy": name, "seed": cell.seed, "metric": problem.metric,
            "n_train": getattr(objective, "n_train", None)}
    for trial in range(budget):
        started_at = time.time()
        t0 = time.perf_counter()
        if trial == 0 and suite.start_from_default and problem.default_config:
            config = problem.space.canonical(problem.default_config)
        else:
            config = _call_within(strategy.ask, timeout, f"{name!r} ask at trial {trial}")
        t1 = time.perf_counter()
        config = checked_config(problem.space, name, trial, config)
        key = params_json(config)
        reused = key in cache
        evaluation = cache[key] if reused else evaluate(objective, config, timeout)
        cache[key] = evaluation
        t2 = time.perf_counter()
        loss = evaluation.val_loss if evaluation.status == Status.OK else math.nan
        _call_within(functools.partial(strategy.tell, config, loss), timeout,
                     f"{name!r} tell at trial {trial}")
        t3 = time.perf_counter()
        result.records.append({
            **base, "trial": trial, "params": key,
            "val_loss": evaluation.val_loss, "test_loss": evaluation.test_loss,
            "fold_losses": list(evaluation.fold_losses), "status": str(evaluation.status),
            "error": evaluation.error,
            "fit_seconds": 0.0 if reused else evaluation.fit_seconds,
            "ask_seconds": t1 - t0, "tell_seconds": t3 - t2,
            "trial_seconds": t3 - t0, "reused": reused, "n_warnings": evaluation.n_warnings,
            "fits": 0 if reused else fits,
            "started_at": started_at, "test_loss_se": evaluation.test_loss_se,
            **metric_columns(evaluation),
        })
