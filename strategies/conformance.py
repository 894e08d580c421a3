"""A conformance checker for strategies, like scikit-learn's ``check_estimator``.

>>> from strategies.conformance import check_strategy
>>> from strategies.simple import RandomSearch
>>> check_strategy(RandomSearch).passed
True

It drives the strategy through the contract on a space with every dimension kind and
reports each check: typed, in-bounds suggestions; determinism for a fixed seed;
different suggestions for different seeds (unless the strategy declares
``deterministic = True``); surviving failed evaluations (NaN and inf losses); accepting a
configuration it did not ask for; and running for exactly its budget. Multi-fidelity
strategies (:class:`strategies.base.MultiFidelityStrategy`) are driven through
``ask_at``/``tell_at`` until the cost (the sum of fidelities) reaches the budget, and are
also checked for asking fidelities within ``[min_fidelity, 1]`` and reaching the full
fidelity within the budget.

Full-fidelity strategies are also driven in batches (:meth:`Strategy.ask_batch` of
:data:`BATCH` configurations, their losses told in reverse order): each batch must hold that
many typed, in-bounds and (unless the strategy is ``deterministic``) distinct proposals, and
the same seed must give the same batches. A plug-in with the default (fallback)
``ask_batch`` whose ``ask`` ignores pending proposals fails the "distinct" check: it would
waste parallel workers on repeats, and should override ``ask_batch``.
On a conditional space (:data:`CHECK_COND_SPACE`, nested conditions) every strategy is
also checked for never proposing an inactive parameter (nor missing an active one),
reaching every activity pattern within :data:`COND_BUDGET` evaluations on one of
:data:`COND_SEEDS` (a strategy that settles on one pattern for one seed is not wrong; one
that can never propose a pattern is) (not required of
strategies that only propose the default configuration), and accepting configurations of
each pattern it did not propose.

Each check runs in a worker thread with a deadline (``timeout`` seconds): a strategy that
hangs fails that check with a message saying so, and the checks after it are reported as
not run (a hung thread cannot be stopped, so they would share its fate).
"""

from __future__ import annotations

import json
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any

from tunebench.problems.space import Config
from tunebench.strategies.base import MultiFidelityStrategy, Strategy
from tunebench.strategies.conformance_drive import (
    BATCH,
    CHECK_COND_SPACE,
    CHECK_MIN_FIDELITY,
    CHECK_SPACE,
    COND_BUDGET,
    COND_PATTERNS,
    COND_SEEDS,
    check_loss,
    drive,
    drive_batches,
    mf_loss,
    mf_problem,
    typed_problem,
)

__all__ = ["BATCH", "CHECK_COND_SPACE", "CHECK_MIN_FIDELITY", "CHECK_SPACE", "COND_BUDGET",
           "COND_PATTERNS", "COND_SEEDS", "ConformanceReport", "check_strategy",
           "is_deterministic"]

@dataclass
class ConformanceReport:
    """Each check as (name, passed, detail)."""

    strategy: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(ok for _, ok, _ in self.checks)

    def failures(self) -> list[str]:
        return [f"{n}: {d}" for n, ok, d in self.checks if not ok]


def is_deterministic(cls: type[Strategy]) -> bool:
    """True when ``cls`` declares that its suggestions do not depend on the seed."""
    return bool(getattr(cls, "deterministic", False)) or not getattr(cls, "stochastic", True)


def _with_deadline(fn: Any, timeout: float | None) -> tuple[bool, Any]:
    """``(finished, outcome)``: ``fn()``'s result or the exception it raised."""
    box: list[Any] = []

    def target() -> None:
        try:
            box.append(fn())
        except Exception as exc:  # reported as the check's failure
            box.append(exc)

    worker = threading.Thread(target=target, name="check-strategy", daemon=True)
    worker.start()
    worker.join(timeout)
    return (not worker.is_alive()), (box[0] if box else None)


class _Checks:
    """The behavioural checks; each returns a failure message or None."""

    def __init__(self, cls: type[Strategy], budget: int, options: dict[str, Any] | None):
        self.cls, self.budget, self.options = cls, budget, options or {}
        self.first: list[Config] | None = None
        self.first_batches: list[list[Config]] | None = None
        self.cond: list[Config] = []

    def _drive(self, seed: int, fail_at: tuple[int, ...] = ()) -> list[Config]:
        return drive(self.cls, seed, self.budget, fail_at, self.options)

    def typed(self) -> str | None:
        self.first = self._drive(0)
        if issubclass(self.cls, MultiFidelityStrategy):
            problem = mf_problem(self.first, self.budget)
            if problem:
                return problem
        elif len(self.first) != self.budget:
            return f"asked {len(self.first)} times, expected {self.budget}"
        for t, c in enumerate(self.first):
            problem = typed_problem(CHECK_SPACE, c)
            if problem:
                return f"trial {t}: {problem}"
        return None

    def deterministic(self) -> str | None:
        if json.dumps(self._drive(0), sort_keys=True) != json.dumps(self.first, sort_keys=True):
            return "same seed and losses gave different suggestions"
        return None

    def seeds_differ(self) -> str | None:
        if is_deterministic(self.cls):
            return None
        if json.dumps(self._drive(1), sort_keys=True) == json.dumps(self.first, sort_keys=True):
            return "seeds 0 and 1 gave identical suggestions"
        return None

    def survives_failures(self) -> str | None:
        asked = self._drive(2, fail_at=(0, 1, 3, self.budget // 2))
        if issubclass(self.cls, MultiFidelityStrategy):
            problem = mf_problem(asked, self.budget)
            if problem:
                return problem
        for t, c in enumerate(asked):
            problem = typed_problem(CHECK_SPACE, c)
            if problem:
                return f"after failures, trial {t}: {problem}"
        return None

    def batches(self) -> str | None:
        if issubclass(self.cls, MultiFidelityStrategy):
            return None
        self.first_batches = drive_batches(self.cls, 0, self.budget, self.options)
        for r, batch in enumerate(self.first_batches):
            want = min(BATCH, self.budget - BATCH * r)
            if len(batch) != want:
                return f"ask_batch({want}) returned {len(batch)} configurations in round {r}"
            for c in batch:
                problem = typed_problem(CHECK_SPACE, c)
                if problem:
                    return f"round {r}: {problem}"
            keys = {json.dumps(c, sort_keys=True) for c in batch}
            if len(keys) < len(batch) and not is_deterministic(self.cls):
                return (f"round {r}: ask_batch({len(batch)}) proposed {len(keys)} distinct "
                        f"configurations (parallel = {self.cls.parallel!r})")
        return None

    def batches_deterministic(self) -> str | None:
        if issubclass(self.cls, MultiFidelityStrategy):
            return None
        again = drive_batches(self.cls, 0, self.budget, self.options)
        if json.dumps(again, sort_keys=True) != json.dumps(self.first_batches, sort_keys=True):
            return "same seed and losses gave different batches"
        return None

    def unasked_tell(self) -> str | None:
        strategy = self.cls(CHECK_SPACE, 3, self.budget, **self.options)
        start = CHECK_SPACE.from_unit([0.5] * len(CHECK_SPACE))
        strategy.tell(start, check_loss(start))
        for _ in range(3):
            if isinstance(strategy, MultiFidelityStrategy):
                c, f = strategy.ask_at()
                strategy.tell_at(c, f, mf_loss(c, float(f)))
            else:
                c = strategy.ask()
                strategy.tell(c, check_loss(c))
            problem = typed_problem(CHECK_SPACE, c)
            if problem:
                return problem
        return None

    def conditional_active_only(self) -> str | None:
        self.cond = drive(self.cls, 0, COND_BUDGET, (), self.options, CHECK_COND_SPACE)
        for t, c in enumerate(self.cond):
            problem = typed_problem(CHECK_COND_SPACE, c)
            if problem:
                return f"conditional space, trial {t}: {problem}"
        return None

    def conditional_patterns(self) -> str | None:
        if getattr(self.cls, "needs_default", False):
            return None  # proposes one configuration by design
        wanted = {CHECK_COND_SPACE.active_names(p) for p in COND_PATTERNS}
        seen = {CHECK_COND_SPACE.active_names(_no_fidelity(c)) for c in self.cond}
        for seed in COND_SEEDS[1:]:  # a local searcher may settle early on one seed
            if wanted <= seen:
                break
            asked = drive(self.cls, seed, COND_BUDGET, (), self.options, CHECK_COND_SPACE)
            seen |= {CHECK_COND_SPACE.active_names(_no_fidelity(c)) for c in asked}
        missing = [list(m) for m in sorted(wanted - seen)]
        if missing:
            return (f"activity patterns {missing} never proposed in {COND_BUDGET} asks on "
                    f"the conditional check space with seeds {list(COND_SEEDS)}")
        return None

    def conditional_unasked_tell(self) -> str | None:
        strategy = self.cls(CHECK_COND_SPACE, 4, self.budget, **self.options)
        for p in COND_PATTERNS:
            strategy.tell(dict(p), check_loss(p, CHECK_COND_SPACE))
        for _ in range(3):
            if isinstance(strategy, MultiFidelityStrategy):
                c, f = strategy.ask_at()
                strategy.tell_at(c, f, mf_loss(c, float(f), CHECK_COND_SPACE))
            else:
                c = strategy.ask()
                strategy.tell(c, check_loss(c, CHECK_COND_SPACE))
            problem = typed_problem(CHECK_COND_SPACE, c)
            if problem:
                return problem
        return None


def _no_fidelity(config: Config) -> Config:
    return {k: v for k, v in config.items() if k != "_fidelity"}


def _run_check(report: ConformanceReport, name: str, fn: Any, timeout: float | None,
               hung: list[str]) -> None:
    """Run one check with its deadline and record the outcome in ``report``."""
    if hung:
        report.checks.append((name, False, f"not run: check {hung[0]!r} did not finish"))
        return
    finished, outcome = _with_deadline(fn, timeout)
    if not finished:
        hung.append(name)
        report.checks.append((name, False, f"did not finish within {timeout:g} s: the "
                              "strategy hangs (or is far too slow) in ask() or tell()"))
    elif isinstance(outcome, Exception):
        tb = "".join(traceback.format_exception(outcome, limit=3))
        report.checks.append((name, False, f"raised {type(outcome).__name__}: {outcome}\n"
                              + tb))
    else:
        report.checks.append((name, not outcome, outcome or ""))


def check_strategy(cls: type[Strategy], budget: int = 16,
                   options: dict[str, Any] | None = None,
                   timeout: float | None = 300.0) -> ConformanceReport:
    """Run every check on ``cls``, each within ``timeout`` seconds (None: no limit).

    Never raises for a non-conforming strategy: every problem is a failed check.
    """
    report = ConformanceReport(getattr(cls, "name", cls.__name__))
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        report.checks.append(("is a Strategy subclass", False, f"{cls!r} is not"))
        return report
    report.checks.append(("declares name and library", bool(cls.name and cls.library)
                          and cls.name != "unnamed", f"name={cls.name!r}, library={cls.library!r}"
                          if cls.name == "unnamed" else ""))
    checks, hung = _Checks(cls, budget, options), []
    for name, fn in (("typed, in-bounds suggestions for the whole budget", checks.typed),
                     ("deterministic for a fixed seed", checks.deterministic),
                     ("different seeds give different suggestions", checks.seeds_differ),
                     ("survives failed evaluations (nan, inf)", checks.survives_failures),
                     ("accepts a configuration it did not ask for", checks.unasked_tell),
                     ("batch asks: n distinct valid proposals, tells in any order",
                      checks.batches),
                     ("batch asks deterministic for a fixed seed",
                      checks.batches_deterministic),
                     ("conditional space: proposes exactly the active parameters",
                      checks.conditional_active_only),
                     (f"conditional space: every activity pattern within {COND_BUDGET}",
                      checks.conditional_patterns),
                     ("conditional space: accepts configurations it did not propose",
                      checks.conditional_unasked_tell)):
        _run_check(report, name, fn, timeout, hung)
    return report
