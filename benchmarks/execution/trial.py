"""One trial's evaluation under a time limit, and the canonical form of what it records.

Used by the trial loop (:mod:`benchmarks.execution.loop`): the time limit that covers
``ask``, ``tell`` and the fit, the canonical text of a configuration, and the per-metric
columns of a record.
"""

from __future__ import annotations

import json
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tunebench.problems.base import Evaluation, Objective, Status
from tunebench.problems.metrics import METRICS, column


class TrialTimeout(BaseException):
    """Raised inside a fit that exceeded the suite's ``trial_timeout``.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that the objective's own
    ``except Exception`` does not record it as an ordinary error.
    """


@contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TrialTimeout` after ``seconds`` (main thread only, via SIGALRM).

    A fit in C code (e.g. libsvm) is interrupted when it next returns to Python.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise TrialTimeout(f"stopped after the trial_timeout of {seconds} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _call_within(fn: Callable[[], Any], timeout: float | None, what: str) -> Any:
    """Call a strategy method under the trial's time limit; a hang fails the cell (the
    strategy's state is unknown after an interrupted ask or tell, so it cannot go on)."""
    try:
        with _alarm(timeout):
            return fn()
    except TrialTimeout as exc:
        raise RuntimeError(f"strategy {what} exceeded the trial_timeout of {timeout} s "
                           "(a hung strategy fails its cell)") from exc


def evaluate(objective: Objective, config: dict[str, Any], timeout: float | None) -> Evaluation:
    """Evaluate with an optional time limit; a timeout becomes ``status="timeout"``."""
    start = time.perf_counter()
    try:
        with _alarm(timeout):
            return objective(config)
    except TrialTimeout as exc:
        return Evaluation.failure(str(exc), time.perf_counter() - start, status=Status.TIMEOUT)


def params_json(config: dict[str, Any]) -> str:
    """The canonical text of a configuration: sorted keys, plain JSON."""
    return json.dumps(config, sort_keys=True, allow_nan=False)


def checked_config(space: Any, name: str, trial: int, config: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of the configuration strategy ``name`` asked at ``trial``; a
    RuntimeError naming the strategy when it lies outside ``space``."""
    try:
        space.validate(config)
    except ValueError as exc:
        raise RuntimeError(f"strategy {name!r} asked an invalid configuration at trial "
                           f"{trial}: {exc}") from exc
    return space.canonical(config)


_NAN = (math.nan, math.nan)


def metric_columns(evaluation: Evaluation) -> dict[str, float]:
    """``val:<metric>`` and ``test:<metric>`` for every catalogue metric (NaN where the
    trial did not record it)."""
    out = {}
    for side, i in (("val", 0), ("test", 1)):
        for name in METRICS:
            out[column(side, name)] = evaluation.metrics.get(name, _NAN)[i]
    return out
