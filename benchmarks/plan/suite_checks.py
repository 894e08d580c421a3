"""Checks of a whole suite against the problem catalogue and the strategy registry: every
name resolves, options are accepted, the metric applies, sizes and folds fit the data.

Each takes a :class:`~benchmarks.plan.suite.Suite` (typed ``Any`` here: the suite module
calls these checks, so this one cannot import it) and raises
:class:`~benchmarks.plan.suite_keys.SuiteError`.
"""

from __future__ import annotations

from typing import Any

from tunebench.benchmarks.plan.suite_keys import SuiteError, _folds_of
from tunebench.problems.base import Task


def check(suite: Any, where: str) -> None:
    """Every check of a parsed suite, in the order their errors are most useful."""
    check_names(suite, where)
    check_train_sizes(suite, where)
    check_metric(suite, where)
    check_protocol_sizes(suite, where)


def check_metric(suite: Any, where: str) -> None:
    """The suite's metric must apply to every problem of its task (error names those)."""
    from tunebench.problems.catalogue import get_problem, with_suite_metric

    bad: dict[str, list[str]] = {}
    for p in suite.problems:
        prob = get_problem(p)
        try:
            with_suite_metric(prob, suite.metric)
        except ValueError:
            want = (suite.metric if isinstance(suite.metric, str)
                    else (suite.metric or {}).get(prob.task, ""))
            bad.setdefault(str(want), []).append(p)
    if bad:
        said = "; ".join(f"{m!r} does not apply to {ps}" for m, ps in bad.items())
        raise SuiteError(f"{where}: metric {said} (their models do not give what it needs; "
                         "see `tunebench list metrics`). Choose another metric or drop them.")


def check_train_sizes(suite: Any, where: str) -> None:
    """Every size must fit in every problem's training part (the error names the problem
    and its largest possible size); sizes apply only to dataset problems."""
    if not suite.train_sizes:
        return
    from tunebench.problems.catalogue import get_problem
    from tunebench.problems.train_size import train_rows

    rows = [s for s in suite.train_sizes if s != "all"]
    for p in suite.problems:
        ds = getattr(get_problem(p), "dataset", None)
        if ds is None:
            raise SuiteError(f"{where}: train_sizes needs dataset problems; {p!r} has no "
                             "training rows (run synthetic functions in another suite)")
        largest = train_rows(ds.rows, suite.test_fraction)
        if rows and max(rows) > largest:
            raise SuiteError(f"{where}: train_sizes {max(rows)} is larger than the training "
                             f"part of {p!r}: its largest possible size is {largest} rows "
                             f"({ds.rows} rows x (1 - test_fraction {suite.test_fraction}))")


def check_names(suite: Any, where: str) -> None:
    """Every strategy, option table, problem and reference key must resolve."""
    from tunebench.problems.catalogue import available, get_problem
    from tunebench.strategies.registry import StrategyNotFound, missing_requirement, resolve

    shown: dict[str, str] = {}
    for s in suite.strategies:
        try:
            cls = resolve(s)
        except StrategyNotFound as exc:
            raise SuiteError(f"{where}: {exc}") from exc
        req = missing_requirement(cls)
        if req:
            raise SuiteError(f"{where}: strategy {s!r} needs the optional package {req!r}, "
                             f"which is not installed (see README: optional extras)")
        if cls.name in shown:
            raise SuiteError(f"{where}: strategies {shown[cls.name]!r} and {s!r} both call "
                             f"themselves {cls.name!r}; names must be unique")
        shown[cls.name] = s
        _check_options(suite, s, cls, where)
    for k in suite.options:
        if k not in suite.strategies:
            raise SuiteError(f"{where}: [options.{k}] names a strategy that is not in "
                             f"strategies {list(suite.strategies)}")
    for p in suite.problems:
        try:
            prob = get_problem(p)
        except (KeyError, ValueError) as exc:
            msg = exc.args[0] if exc.args else str(exc)
            raise SuiteError(f"{where}: {msg}") from exc
        if not available(prob):
            raise SuiteError(f"{where}: problem {p!r} needs the optional package "
                             f"{prob.dataset.extra!r} (install the 'data' extra)")  # type: ignore[attr-defined]
    _check_fidelity_pairs(suite, where)
    _check_parallel(suite, where)
    for k in suite.reference:
        if k not in suite.problems:
            raise SuiteError(f"{where}: [reference] names {k!r}, which is not in problems")


def _check_options(suite: Any, name: str, cls: type, where: str) -> None:
    """``[options.<name>]``: names the strategy accepts and values it accepts, checked by
    constructing it as a cell does (:mod:`benchmarks.plan.options`)."""
    from tunebench.benchmarks.plan.options import OptionError, check_options
    from tunebench.problems.catalogue import get_problem

    opts = suite.options.get(name, {})
    spaces = []
    for p in suite.problems if opts else ():
        try:
            prob = get_problem(p)
        except (KeyError, ValueError):
            continue  # reported below with the problem names
        spaces.append((prob.space, dict(prob.default_config)))
    try:
        check_options(cls, name, opts, budget=suite.budget, spaces=spaces or None)
    except OptionError as exc:
        raise SuiteError(f"{where}: [options.{name}]: {exc}") from exc


def check_protocol_sizes(suite: Any, where: str) -> None:
    """Every protocol must fit every problem's training rows (k folds need k rows each,
    and a stratified split needs k rows per class): refused here, not in every cell."""
    from tunebench.problems.catalogue import get_problem

    ks = {suite.folds} | {_folds_of(n) for n in suite.protocol_names}
    k = max(x for x in ks if x)
    for p in suite.problems:
        try:
            ds = getattr(get_problem(p), "dataset", None)
        except (KeyError, ValueError):
            continue
        rows = getattr(ds, "rows", None)
        if not rows:
            continue
        train = int(rows * (1 - suite.test_fraction))
        if k > train:
            raise SuiteError(f"{where}: {k}-fold cross-validation needs at least {k} training "
                             f"rows, but problem {p!r} has {train}; use fewer folds")
        if ds.task == Task.CLASSIFICATION and k > 10:  # rare: worth loading the labels
            largest = int(_largest_class(ds) * (1 - suite.test_fraction))
            if k > largest:
                raise SuiteError(f"{where}: stratified {k}-fold cross-validation needs a "
                                 f"class with at least {k} training rows, but problem {p!r} "
                                 f"has at most {largest}; use at most {largest} folds")


def _largest_class(ds: Any) -> int:
    """Rows of the most frequent label of a classification dataset."""
    import numpy as np

    _, y = ds.load()
    return int(np.unique(np.asarray(y), return_counts=True)[1].max())


def _check_fidelity_pairs(suite: Any, where: str) -> None:
    """Multi-fidelity strategies need problems with a lower fidelity (dataset x model)."""
    from tunebench.problems.catalogue import get_problem
    from tunebench.strategies.registry import resolve

    mf = [s for s in suite.strategies if getattr(resolve(s), "multi_fidelity", False)]
    flat = [p for p in suite.problems if getattr(get_problem(p), "model", None) is None]
    if mf and flat:
        raise SuiteError(f"{where}: multi-fidelity strategies {mf} need dataset x model "
                         f"problems; {flat} have no lower fidelity (use separate suites)")


def _check_parallel(suite: Any, where: str) -> None:
    """Parallel suites run full-fidelity strategies only (budget in evaluations)."""
    from tunebench.strategies.registry import resolve

    if suite.parallel is None:
        return
    mf = [s for s in suite.strategies if getattr(resolve(s), "multi_fidelity", False)]
    if mf:
        raise SuiteError(f"{where}: parallel = {suite.parallel!r} supports full-fidelity "
                         f"strategies only; remove the multi-fidelity strategies {mf} (or the "
                         "workers/parallel keys)")
