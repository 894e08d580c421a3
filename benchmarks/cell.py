"""One cell = (problem, strategy, seed): where trials are created.

:func:`run_cell` is a pure function of its arguments (up to timings), so it runs the same
in-process, in a worker process or on a Dask worker. Each trial is one ask -> evaluate ->
tell; ask, tell and fit times are recorded separately.

Within a cell, a configuration proposed again is not refitted: its stored evaluation is
reused (``reused=True``, ``fit_seconds=0``). Objectives are deterministic for a given
(problem, seed, configuration), so this changes no loss, only wasted time.
"""

from __future__ import annotations

import json
import math
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from problems.base import Evaluation, derive_seed
from problems.catalogue import get_problem
from strategies.registry import resolve


@dataclass(frozen=True)
class Cell:
    """What to run: indices into nothing, just names, so it pickles cheaply."""

    problem: str
    strategy: str  # as written in the suite (built-in name or module:Class)
    seed: int

    @property
    def id(self) -> str:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.strategy)
        return f"{self.problem}__{safe}__{self.seed}"


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


def params_json(config: dict[str, Any]) -> str:
    """The canonical text of a configuration: sorted keys, plain JSON."""
    return json.dumps(config, sort_keys=True, allow_nan=False)


def run_cell(cell: Cell, suite: dict[str, Any]) -> CellResult:
    """Run every trial of one cell; a raising strategy gives a failed result, not a crash."""
    start = time.perf_counter()
    result = CellResult(cell)
    try:
        _run(cell, suite, result)
    except Exception:
        result.error = traceback.format_exc(limit=20)
    result.seconds = time.perf_counter() - start
    return result


def _run(cell: Cell, suite: dict[str, Any], result: CellResult) -> None:
    problem = get_problem(cell.problem)
    objective = problem.bind(cell.seed, folds=suite["folds"], test_fraction=suite["test_fraction"])
    cls = resolve(cell.strategy)
    options = dict(suite.get("options", {}).get(cell.strategy, {}))
    if "default" in (cls.accepted_options() or []):
        options["default"] = dict(problem.default_config)
    budget = int(suite["budget"])
    strategy = cls(problem.space, derive_seed(cell.seed, "strategy", problem.name), budget,
                   **options)
    cache: dict[str, Evaluation] = {}
    base = {"suite": suite["name"], "problem": problem.name, "strategy": cls.name,
            "seed": cell.seed, "metric": problem.metric}
    for trial in range(budget):
        started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        t0 = time.perf_counter()
        if trial == 0 and suite.get("start_from_default") and problem.default_config:
            config = problem.space.canonical(problem.default_config)
        else:
            config = strategy.ask()
        t1 = time.perf_counter()
        try:
            problem.space.validate(config)
        except ValueError as exc:
            raise RuntimeError(f"strategy {cls.name!r} asked an invalid configuration at trial "
                               f"{trial}: {exc}") from exc
        config = problem.space.canonical(config)
        key = params_json(config)
        reused = key in cache
        evaluation = cache[key] if reused else objective(config)
        cache[key] = evaluation
        t2 = time.perf_counter()
        loss = evaluation.val_loss if evaluation.status == "ok" else math.nan
        strategy.tell(config, loss)
        t3 = time.perf_counter()
        result.records.append({
            **base, "trial": trial, "params": key,
            "val_loss": evaluation.val_loss, "test_loss": evaluation.test_loss,
            "fold_losses": list(evaluation.fold_losses), "status": evaluation.status,
            "error": evaluation.error,
            "fit_seconds": 0.0 if reused else evaluation.fit_seconds,
            "ask_seconds": t1 - t0, "tell_seconds": t3 - t2,
            "trial_seconds": t3 - t0, "reused": reused, "n_warnings": evaluation.n_warnings,
            "started_at": started_at,
        })
