"""The keys of a suite mapping, each validated on its own: types, ranges, names parsed.

:func:`read` turns a suite file's mapping into the keyword arguments of a
:class:`~benchmarks.plan.suite.Suite`; the checks that need the problem catalogue or the
strategy registry (names resolve, sizes fit) are in :mod:`benchmarks.plan.suite_checks`.
"""

from __future__ import annotations

import difflib
from typing import Any

SUITE_KEYS = {
    "name", "description", "budget", "seeds", "folds", "test_fraction", "start_from_default",
    "trial_timeout", "strategies", "problems", "options", "reference", "metric", "protocols",
    "workers", "parallel", "train_sizes",
}
#: Parallel modes (``parallel = ...``): see :mod:`benchmarks.execution.parallel`.
PARALLEL_MODES = ("batch", "async")
MAX_WORKERS = 1024
TASKS = ("classification", "regression")



class SuiteError(ValueError):
    """A suite that cannot run; the message says what is wrong, where, and what is valid."""



#: Limits checked up front (a bigger value is a typo or would exhaust memory or time).
MAX_BUDGET = 10**6
MAX_GRID = 10**5
MAX_SEEDS = 10_000
MAX_SEED = 2**32 - 1
#: A trial_timeout above a week is a typo (and SIGALRM cannot take 1e300 s).
MAX_TRIAL_TIMEOUT = 7 * 24 * 3600
#: A suite file is a few kilobytes; more is not a suite (``/dev/zero``, a data file).
MAX_SUITE_BYTES = 1 << 20


def read(data: dict[str, Any], where: str = "suite") -> dict[str, Any]:
    """The keyword arguments of a :class:`~benchmarks.plan.suite.Suite` from a suite
    mapping, every key validated on its own (:class:`SuiteError` names the first bad one)."""
    _check_keys(data, where)
    d = dict(data)
    d.setdefault("budget", 50)
    d.setdefault("folds", 5)
    budget = _int(d, "budget", where, 1)
    if budget > MAX_BUDGET:
        raise SuiteError(f"{where}: budget must be <= {MAX_BUDGET:_} evaluations per cell, "
                         f"got {budget:_}")
    folds = _int(d, "folds", where, 2)
    seeds = _seeds(d, where)
    scalars = _scalars(d, where)
    strategies = _names(d, "strategies", where)
    if "grid" in strategies and budget > MAX_GRID:
        raise SuiteError(f"{where}: grid search holds its whole grid (budget points) in memory; "
                         f"with 'grid' the budget must be <= {MAX_GRID:_}, got {budget:_}")
    return dict(name=data["name"], strategies=strategies, problems=_names(d, "problems", where),
                budget=budget, seeds=seeds, folds=folds, **scalars, **_tables(d, where),
                metric=_metric(d.get("metric"), where), protocols=_protocols(d, where),
                workers=_workers(d, where), parallel=_parallel(d, where),
                train_sizes=_train_sizes(d, where))


def _check_keys(data: dict[str, Any], where: str) -> None:
    """No unknown key (with the closest valid one as a hint); a name usable as a folder."""
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        hints = {k: difflib.get_close_matches(k, SUITE_KEYS, n=1) for k in unknown}
        said = ", ".join(f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "")
                         for k, h in hints.items())
        raise SuiteError(f"{where}: unknown key(s) {said}. Valid keys: {sorted(SUITE_KEYS)}")
    if "name" not in data or not isinstance(data["name"], str) or not data["name"].strip():
        raise SuiteError(f"{where}: 'name' must be a non-empty string")
    name = data["name"]
    if not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise SuiteError(f"{where}: name {name!r} may use only letters, digits, '-', '_', '.' "
                         "and may not start with '.' (it names a directory)")


def _seeds(d: dict[str, Any], where: str) -> tuple[int, ...]:
    """The ``seeds`` key: a count n (seeds 1..n) or a list of distinct integers >= 0."""
    seeds_raw = d.get("seeds", 5)
    if isinstance(seeds_raw, bool):
        raise SuiteError(f"{where}: seeds must be a count >= 1 or a list of integers >= 0")
    if isinstance(seeds_raw, int):
        if seeds_raw < 1:
            raise SuiteError(f"{where}: seeds must be >= 1 (a count), got {seeds_raw}")
        if seeds_raw > MAX_SEEDS:
            raise SuiteError(f"{where}: seeds must be at most {MAX_SEEDS}, got {seeds_raw}")
        seeds = tuple(range(1, seeds_raw + 1))
    elif (isinstance(seeds_raw, list) and seeds_raw
          and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds_raw)
          and len(set(seeds_raw)) == len(seeds_raw)):
        seeds = tuple(seeds_raw)
    else:
        raise SuiteError(f"{where}: seeds must be a count >= 1 or a list of distinct integers "
                         f">= 0, got {seeds_raw!r}")
    if len(seeds) > MAX_SEEDS or max(seeds) > MAX_SEED:
        raise SuiteError(f"{where}: seeds must be at most {MAX_SEEDS} seeds, each < 2**32")
    return seeds


def _scalars(d: dict[str, Any], where: str) -> dict[str, Any]:
    """``test_fraction``, ``start_from_default``, ``trial_timeout`` and ``description``."""
    tf = d.get("test_fraction", 0.25)
    if isinstance(tf, bool) or not isinstance(tf, (int, float)) or not 0 < tf < 1:
        raise SuiteError(f"{where}: test_fraction must be a number in (0, 1), got {tf!r}")
    sfd = d.get("start_from_default", False)
    if not isinstance(sfd, bool):
        raise SuiteError(f"{where}: start_from_default must be true or false, got {sfd!r}")
    timeout = d.get("trial_timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not 0 < timeout <= MAX_TRIAL_TIMEOUT):
        raise SuiteError(f"{where}: trial_timeout must be a number of seconds in (0, "
                         f"{MAX_TRIAL_TIMEOUT:_}] (at most a week), got {timeout!r}")
    desc = d.get("description", "")
    if not isinstance(desc, str):
        raise SuiteError(f"{where}: description must be a string")
    return {"test_fraction": float(tf), "start_from_default": sfd,
            "trial_timeout": None if timeout is None else float(timeout), "description": desc}


def _tables(d: dict[str, Any], where: str) -> dict[str, Any]:
    """``[options.<strategy>]`` (keyword tables) and ``[reference]`` (problem -> number)."""
    options = d.get("options", {})
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise SuiteError(f"{where}: [options.<strategy>] must be tables of keyword options")
    reference = d.get("reference", {})
    if not isinstance(reference, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in reference.values()):
        raise SuiteError(f"{where}: [reference] must map problem names to numbers")
    return {"options": {k: dict(v) for k, v in options.items()},
            "reference": {k: float(v) for k, v in reference.items()}}


def _int(data: dict[str, Any], key: str, where: str, low: int) -> int:
    v = data[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise SuiteError(f"{where}: {key} must be an integer >= {low}, got {v!r}")
    if v < low:
        raise SuiteError(f"{where}: {key} must be >= {low}, got {v}")
    return v


def _names(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    v = data.get(key)
    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
        raise SuiteError(f"{where}: {key} must be a non-empty list of names, got {v!r}")
    dup = sorted({x for x in v if v.count(x) > 1})
    if dup:
        raise SuiteError(f"{where}: {key} lists {dup} more than once")
    return tuple(v)


def _metric(value: Any, where: str) -> str | dict[str, str | list[str]] | None:
    """Validate the ``metric`` key: a catalogue name, or a table task -> name."""
    from tunebench.problems.metrics import METRICS

    if value is None:
        return None
    names = sorted(METRICS)
    if isinstance(value, str):
        if value not in METRICS:
            close = difflib.get_close_matches(value, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SuiteError(f"{where}: unknown metric {value!r}{hint}; metrics: {names}")
        return value
    if not isinstance(value, dict) or not value:
        raise SuiteError(f"{where}: metric must be a metric name or a table such as "
                         f"{{classification = \"log-loss\", regression = \"rmse\"}}, "
                         f"got {value!r}")
    for task, name in value.items():
        if task not in TASKS:
            raise SuiteError(f"{where}: metric table key {task!r} is not a task; use "
                             f"{list(TASKS)}")
        valid = sorted(n for n, m in METRICS.items() if m.task == task)
        names = name if isinstance(name, list) and name else [name]
        bad = [n for n in names if n not in valid]
        if bad:
            raise SuiteError(f"{where}: metric.{task} = {name!r}: {bad[0]!r} is not a {task} "
                             f"metric; valid: {valid} (a name, or a list: the first one "
                             "each problem supports)")
    return {k: list(v) if isinstance(v, list) else v for k, v in value.items()}


def _protocols(data: dict[str, Any], where: str) -> tuple[str, ...]:
    """The ``protocols`` key, each name parsed and written canonically (``cv-5``)."""
    if "protocols" not in data:
        return ()
    from tunebench.problems.protocols import Protocol, ProtocolError

    names = _names(data, "protocols", where)
    try:
        canonical = tuple(Protocol.parse(n).name for n in names)
    except ProtocolError as exc:
        raise SuiteError(f"{where}: {exc}") from exc
    if len(set(canonical)) != len(canonical):
        raise SuiteError(f"{where}: protocols {list(names)} name the same protocol twice")
    return canonical


def _workers(data: dict[str, Any], where: str) -> tuple[int, ...]:
    """The ``workers`` key: distinct integers in [1, MAX_WORKERS]."""
    if "workers" not in data:
        return ()
    v = data["workers"]
    if (not isinstance(v, list) or not v
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in v)
            or not all(1 <= x <= MAX_WORKERS for x in v) or len(set(v)) != len(v)):
        raise SuiteError(f"{where}: workers must be a non-empty list of distinct integers in "
                         f"[1, {MAX_WORKERS}] such as [1, 4, 16], got {v!r}")
    return tuple(v)


def _parallel(data: dict[str, Any], where: str) -> str | None:
    """The ``parallel`` key; a suite with ``workers`` but no ``parallel`` runs "batch"."""
    v = data.get("parallel")
    if v is None:
        return "batch" if "workers" in data else None
    if v not in PARALLEL_MODES:
        raise SuiteError(f"{where}: parallel must be one of {list(PARALLEL_MODES)}, got {v!r}")
    return str(v)


def _train_sizes(data: dict[str, Any], where: str) -> tuple[int | str, ...]:
    """The ``train_sizes`` key: distinct integers >= 10 or "all", in the suite's order."""
    if "train_sizes" not in data:
        return ()
    v = data["train_sizes"]
    ok = isinstance(v, list) and v and all(
        (isinstance(x, int) and not isinstance(x, bool) and x >= 10) or x == "all" for x in v)
    if not ok or len({str(x) for x in v}) != len(v):
        raise SuiteError(f"{where}: train_sizes must be a non-empty list of distinct training "
                         f"row counts >= 10 or \"all\" (e.g. [500, 2000, 8000]), got {v!r}")
    return tuple(v)


def _check_folds_and_protocols(data: dict[str, Any], where: str) -> None:
    """A file that sets both ``folds`` and ``protocols`` must not contradict itself: the
    protocols decide how trials are validated, so a ``folds`` that no ``cv-k`` protocol
    uses would be silently ignored there."""
    folds, protocols = data.get("folds"), data.get("protocols")
    if folds is None or not isinstance(protocols, list):
        return
    ks = [_folds_of(str(p)) for p in protocols]
    if any(ks) and folds not in ks:
        raise SuiteError(f"{where}: folds = {folds!r} but protocols = {protocols} use "
                         f"{sorted(k for k in ks if k)}-fold cross-validation; drop folds (the "
                         "protocols decide) or make them agree")


def _folds_of(protocol: str) -> int:
    """k of a ``cv-k`` protocol name (0 for other protocols)."""
    head, _, k = protocol.partition("-")
    return int(k) if head == "cv" and k.isdigit() else 0
