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
import math
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tunebench.problems.space import Categorical, Condition, Config, Float, Int, SearchSpace
from tunebench.strategies.base import MultiFidelityStrategy, Strategy

CHECK_SPACE = SearchSpace((
    Float("lr", 1e-5, 1e-1, log=True),
    Float("dropout", 0.0, 0.9),
    Int("layers", 1, 4),
    Int("units", 8, 512, log=True),
    Categorical("activation", ("relu", "tanh", "gelu")),
))


#: A conditional space with a nested condition: ``x`` exists for kinds b and c, ``depth``
#: for kind c, and ``y`` only when ``depth`` is 2. Four activity patterns.
CHECK_COND_SPACE = SearchSpace((
    Categorical("kind", ("a", "b", "c")),
    Float("x", 0.0, 1.0),
    Int("depth", 1, 2),
    Float("y", 1e-3, 1.0, log=True),
    Float("z", -1.0, 1.0),
), conditions=(Condition("x", "kind", ("b", "c")), Condition("depth", "kind", ("c",)),
               Condition("y", "depth", (2,))))
#: One configuration of each activity pattern of :data:`CHECK_COND_SPACE`.
COND_PATTERNS: tuple[Config, ...] = (
    {"kind": "a", "z": 0.5},
    {"kind": "b", "x": 0.25, "z": -0.5},
    {"kind": "c", "x": 0.75, "depth": 1, "z": 0.0},
    {"kind": "c", "x": 0.5, "depth": 2, "y": 0.01, "z": 0.25},
)
#: Evaluations within which every activity pattern must have been proposed.
COND_BUDGET = 24
#: Seeds whose runs together must reach every pattern (the first is the one checked for
#: active-only proposals).
COND_SEEDS = (0, 1, 2)


def _loss(config: Config, space: SearchSpace = CHECK_SPACE) -> float:
    if space.is_conditional:
        return _cond_loss(config, space)
    u = space.to_unit(config)
    return float(np.sum((u - 0.3) ** 2))


def _cond_loss(config: Config, space: SearchSpace) -> float:
    """Best in the deepest activity pattern (kind c, depth 2), worst in the shallowest,
    so a searcher that follows the loss must leave the patterns a random start favours."""
    names = space.active_names(config)
    offset = {1: 0.3, 2: 0.3, 3: 0.2, 4: 0.1, 5: 0.0}[len(names)]
    u = np.array([space[n].to_unit(config[n]) for n in names if n != "kind"])
    return offset + float(np.mean((u - 0.3) ** 2))


def _typed(space: SearchSpace, config: Config) -> str | None:
    config = {k: v for k, v in config.items() if k != "_fidelity"}
    try:
        space.validate(config)
    except ValueError as exc:
        return str(exc)
    for d in space:
        if d.name not in config:
            continue  # inactive (validate checked that it should be absent)
        v = config[d.name]
        if isinstance(d, Float) and type(v) is not float:
            return f"{d.name}: expected float, got {type(v).__name__}"
        if isinstance(d, Int) and type(v) is not int:
            return f"{d.name}: expected int, got {type(v).__name__}"
        if isinstance(d, Categorical) and type(v) is not type(d.choices[d.index(v)]):
            return f"{d.name}: expected one of {d.choices}, got {v!r}"
    return None


#: Lowest fidelity the checker allows multi-fidelity strategies.
CHECK_MIN_FIDELITY = 1 / 9


def _mf_loss(config: Config, fidelity: float, space: SearchSpace = CHECK_SPACE) -> float:
    """A loss that is biased upwards at low fidelity, like an under-trained model."""
    return _loss(config, space) + 0.1 * (1.0 - fidelity)


def _drive_mf(cls: type[MultiFidelityStrategy], seed: int, budget: int,
              fail_at: tuple[int, ...] = (),
              options: dict[str, Any] | None = None,
              space: SearchSpace = CHECK_SPACE) -> list[Config]:
    """Ask and tell until the cost reaches ``budget``; returns the asks, each with its
    fidelity under the key ``_fidelity`` (checked by :func:`_mf_problem`)."""
    strategy = cls(space, seed, budget, **{"min_fidelity": CHECK_MIN_FIDELITY,
                                                 **(options or {})})
    asked: list[Config] = []
    spent = 0.0
    while spent < budget and len(asked) < 100 * budget:
        config, fidelity = strategy.ask_at()
        t = len(asked)
        asked.append({**config, "_fidelity": fidelity})
        loss = math.nan if t in fail_at else _mf_loss(config, float(fidelity), space)
        if t in fail_at and t % 2:
            loss = math.inf
        strategy.tell_at(config, fidelity, loss)
        spent += float(fidelity)
    return asked


def _mf_problem(asked: list[Config], budget: int) -> str | None:
    """Fidelities in bounds, budget spent, full fidelity reached."""
    fids = [c.get("_fidelity") for c in asked]
    for t, f in enumerate(fids):
        if not (isinstance(f, float) and CHECK_MIN_FIDELITY - 1e-12 <= f <= 1.0):
            return f"trial {t}: fidelity {f!r} is not a float in [{CHECK_MIN_FIDELITY:.4g}, 1]"
    if sum(fids) < budget or sum(fids) >= budget + 1:
        return f"cost {sum(fids):.3f} does not reach the budget {budget} within one evaluation"
    if max(fids) < 1.0:
        return "never evaluated at full fidelity within the budget"
    return None


def _drive(cls: type[Strategy], seed: int, budget: int, fail_at: tuple[int, ...] = (),
           options: dict[str, Any] | None = None,
           space: SearchSpace = CHECK_SPACE) -> list[Config]:
    if issubclass(cls, MultiFidelityStrategy):
        return _drive_mf(cls, seed, budget, fail_at, options, space)
    strategy = cls(space, seed, budget, **(options or {}))
    asked = []
    for t in range(budget):
        config = strategy.ask()
        asked.append(config)
        loss = math.nan if t in fail_at else _loss(config, space)
        if t in fail_at and t % 2:
            loss = math.inf
        strategy.tell(config, loss)
    return asked


#: Proposals per batch in the batch checks.
BATCH = 4


def _drive_batches(cls: type[Strategy], seed: int, budget: int,
                   options: dict[str, Any] | None = None) -> list[list[Config]]:
    """Ask batches of :data:`BATCH` until ``budget`` proposals, telling each batch's losses
    in reverse order after all of it was asked (the strategy is told ``workers``)."""
    options = dict(options or {})
    accepted = cls.accepted_options()
    if accepted is not None and "workers" in accepted:
        options.setdefault("workers", BATCH)
    strategy = cls(CHECK_SPACE, seed, budget, **options)
    batches: list[list[Config]] = []
    while sum(map(len, batches)) < budget:
        batch = strategy.ask_batch(min(BATCH, budget - sum(map(len, batches))))
        batches.append([dict(c) for c in batch])
        for t, config in reversed(list(enumerate(batch))):
            strategy.tell(config, math.nan if t == 1 and len(batches) == 2 else _loss(config))
    return batches


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
        return _drive(self.cls, seed, self.budget, fail_at, self.options)

    def typed(self) -> str | None:
        self.first = self._drive(0)
        if issubclass(self.cls, MultiFidelityStrategy):
            problem = _mf_problem(self.first, self.budget)
            if problem:
                return problem
        elif len(self.first) != self.budget:
            return f"asked {len(self.first)} times, expected {self.budget}"
        for t, c in enumerate(self.first):
            problem = _typed(CHECK_SPACE, c)
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
            problem = _mf_problem(asked, self.budget)
            if problem:
                return problem
        for t, c in enumerate(asked):
            problem = _typed(CHECK_SPACE, c)
            if problem:
                return f"after failures, trial {t}: {problem}"
        return None

    def batches(self) -> str | None:
        if issubclass(self.cls, MultiFidelityStrategy):
            return None
        self.first_batches = _drive_batches(self.cls, 0, self.budget, self.options)
        for r, batch in enumerate(self.first_batches):
            want = min(BATCH, self.budget - BATCH * r)
            if len(batch) != want:
                return f"ask_batch({want}) returned {len(batch)} configurations in round {r}"
            for c in batch:
                problem = _typed(CHECK_SPACE, c)
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
        again = _drive_batches(self.cls, 0, self.budget, self.options)
        if json.dumps(again, sort_keys=True) != json.dumps(self.first_batches, sort_keys=True):
            return "same seed and losses gave different batches"
        return None

    def unasked_tell(self) -> str | None:
        strategy = self.cls(CHECK_SPACE, 3, self.budget, **self.options)
        start = CHECK_SPACE.from_unit([0.5] * len(CHECK_SPACE))
        strategy.tell(start, _loss(start))
        for _ in range(3):
            if isinstance(strategy, MultiFidelityStrategy):
                c, f = strategy.ask_at()
                strategy.tell_at(c, f, _mf_loss(c, float(f)))
            else:
                c = strategy.ask()
                strategy.tell(c, _loss(c))
            problem = _typed(CHECK_SPACE, c)
            if problem:
                return problem
        return None

    def conditional_active_only(self) -> str | None:
        self.cond = _drive(self.cls, 0, COND_BUDGET, (), self.options, CHECK_COND_SPACE)
        for t, c in enumerate(self.cond):
            problem = _typed(CHECK_COND_SPACE, c)
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
            asked = _drive(self.cls, seed, COND_BUDGET, (), self.options, CHECK_COND_SPACE)
            seen |= {CHECK_COND_SPACE.active_names(_no_fidelity(c)) for c in asked}
        missing = [list(m) for m in sorted(wanted - seen)]
        if missing:
            return (f"activity patterns {missing} never proposed in {COND_BUDGET} asks on "
                    f"the conditional check space with seeds {list(COND_SEEDS)}")
        return None

    def conditional_unasked_tell(self) -> str | None:
        strategy = self.cls(CHECK_COND_SPACE, 4, self.budget, **self.options)
        for p in COND_PATTERNS:
            strategy.tell(dict(p), _loss(p, CHECK_COND_SPACE))
        for _ in range(3):
            if isinstance(strategy, MultiFidelityStrategy):
                c, f = strategy.ask_at()
                strategy.tell_at(c, f, _mf_loss(c, float(f), CHECK_COND_SPACE))
            else:
                c = strategy.ask()
                strategy.tell(c, _loss(c, CHECK_COND_SPACE))
            problem = _typed(CHECK_COND_SPACE, c)
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
