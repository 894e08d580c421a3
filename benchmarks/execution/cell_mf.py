"""The trial loop of a multi-fidelity cell: budget in full-evaluation equivalents.

A multi-fidelity strategy (:class:`strategies.base.MultiFidelityStrategy`) chooses the
fidelity of each evaluation. Every evaluation is charged its *cost*, the fraction of the
full resource it used (:func:`problems.fidelity.objective_cost`, about ``fidelity / 1``),
and the loop stops as soon as the summed cost reaches the suite's ``budget``: a
multi-fidelity cell spends the same number of full-evaluation equivalents as a
full-fidelity cell (which charges 1 per trial), overshooting by less than one evaluation.
Wall time is recorded per trial as in the ordinary loop.

A configuration proposed again at the same fidelity reuses the stored evaluation
(``reused=True``) and is still charged, as a reused trial of a full-fidelity cell counts
against its budget.
"""

from __future__ import annotations

import functools
import math
import time
from typing import Any

from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.execution.trial import (
    _call_within,
    checked_config,
    evaluate,
    metric_columns,
    params_json,
)
from tunebench.problems import fidelity as fid
from tunebench.problems.base import Evaluation, Objective, Status
from tunebench.strategies.base import MultiFidelityStrategy


def _check_fidelity(strategy: MultiFidelityStrategy, name: str, trial: int,
                    fidelity: Any) -> float:
    try:
        f = fid.check_fidelity(fidelity)
    except (TypeError, ValueError) as exc:
        raise RuntimeError(f"strategy {name!r} asked an invalid fidelity at trial {trial}: "
                           f"{exc}") from exc
    if f < strategy.min_fidelity - 1e-12:
        raise RuntimeError(f"strategy {name!r} asked fidelity {f} at trial {trial}, below its "
                           f"min_fidelity {strategy.min_fidelity}")
    return f


def run_mf_trials(cell: Any, problem: Any, objective: Objective,
                  strategy: MultiFidelityStrategy, name: str, budget: int,
                  suite: Suite, timeout: float | None, result: Any, protocol: Any) -> None:
    """ask_at -> validate -> evaluate at the fidelity (or reuse) -> tell_at -> record,
    until the summed cost reaches ``budget``.

    ``cell`` and ``result`` are the :class:`benchmarks.cell.Cell` and ``CellResult`` (whose
    ``records`` this appends to), ``protocol`` the cell's validation protocol."""
    if not hasattr(objective, "at"):
        raise RuntimeError(f"problem {problem.name!r} has no lower fidelity: multi-fidelity "
                           f"strategy {name!r} needs a dataset x model problem")
    cache: dict[tuple[str, float], tuple[Evaluation, float]] = {}
    base = {"suite": suite.name, "problem": problem.name, "protocol": protocol.name,
            "n_train": getattr(objective, "n_train", None),
            "strategy": name, "seed": cell.seed, "metric": problem.metric}
    spent, trial = 0.0, 0
    while spent < budget:
        started_at = time.time()
        t0 = time.perf_counter()
        if trial == 0 and suite.start_from_default and problem.default_config:
            config, f, asked = problem.space.canonical(problem.default_config), 1.0, False
        else:
            config, f = _call_within(strategy.ask_at, timeout, f"{name!r} ask at trial {trial}")
            asked = True
        t1 = time.perf_counter()
        config = checked_config(problem.space, name, trial, config)
        f = _check_fidelity(strategy, name, trial, f)
        key = params_json(config)
        reused = (key, f) in cache
        if not reused:
            evaluation = evaluate(objective.at(f), config, timeout)  # type: ignore[attr-defined]
            cache[(key, f)] = (evaluation, fid.objective_cost(objective, config, f))
        evaluation, cost = cache[(key, f)]
        t2 = time.perf_counter()
        loss = evaluation.val_loss if evaluation.status == Status.OK else math.nan
        tell = (functools.partial(strategy.tell_at, config, f, loss) if asked
                else functools.partial(strategy.tell, config, loss))
        _call_within(tell, timeout, f"{name!r} tell at trial {trial}")
        t3 = time.perf_counter()
        record = _record(base, trial, key, evaluation, reused, f, cost, (t0, t1, t2, t3),
                         started_at)
        record["fits"] = 0 if reused else protocol.fits_per_evaluation
        result.records.append(record)
        spent += cost
        trial += 1


def _record(base: dict[str, Any], trial: int, key: str, evaluation: Evaluation, reused: bool,
            fidelity: float, cost: float, times: tuple[float, float, float, float],
            started_at: float) -> dict[str, Any]:
    """One trial's row: the ordinary columns plus ``fidelity`` and ``cost``."""
    t0, t1, t2, t3 = times
    return {
        **base, "trial": trial, "params": key,
        "val_loss": evaluation.val_loss, "test_loss": evaluation.test_loss,
        "fold_losses": list(evaluation.fold_losses), "status": str(evaluation.status),
        "error": evaluation.error,
        "fit_seconds": 0.0 if reused else evaluation.fit_seconds,
        "ask_seconds": t1 - t0, "tell_seconds": t3 - t2,
        "trial_seconds": t3 - t0, "reused": reused, "n_warnings": evaluation.n_warnings,
        "started_at": started_at, "fidelity": fidelity, "cost": cost,
        **metric_columns(evaluation),
    }
