"""A conformance checker for strategies, like scikit-learn's ``check_estimator``.

>>> from strategies.conformance import check_strategy
>>> from strategies.simple import RandomSearch
>>> check_strategy(RandomSearch).passed
True

It drives the strategy through the contract on a space with every dimension kind and
reports each check: typed, in-bounds suggestions; determinism for a fixed seed;
different suggestions for different seeds (for stochastic strategies); surviving failed
evaluations (NaN and inf losses); accepting a configuration it did not ask for; and
running for exactly its budget. Multi-fidelity strategies
(:class:`strategies.base.MultiFidelityStrategy`) are driven through ``ask_at``/``tell_at``
until the cost (the sum of fidelities) reaches the budget, and are also checked for asking
fidelities within ``[min_fidelity, 1]`` and reaching the full fidelity within the budget.
"""

from __future__ import annotations

import json
import math
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from problems.space import Categorical, Config, Float, Int, SearchSpace
from strategies.base import MultiFidelityStrategy, Strategy

CHECK_SPACE = SearchSpace((
    Float("lr", 1e-5, 1e-1, log=True),
    Float("dropout", 0.0, 0.9),
    Int("layers", 1, 4),
    Int("units", 8, 512, log=True),
    Categorical("activation", ("relu", "tanh", "gelu")),
))


def _loss(config: Config) -> float:
    u = CHECK_SPACE.to_unit(config)
    return float(np.sum((u - 0.3) ** 2))


def _typed(space: SearchSpace, config: Config) -> str | None:
    config = {k: v for k, v in config.items() if k != "_fidelity"}
    try:
        space.validate(config)
    except ValueError as exc:
        return str(exc)
    for d in space:
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


def _mf_loss(config: Config, fidelity: float) -> float:
    """A loss that is biased upwards at low fidelity, like an under-trained model."""
    return _loss(config) + 0.1 * (1.0 - fidelity)


def _drive_mf(cls: type[MultiFidelityStrategy], seed: int, budget: int,
              fail_at: tuple[int, ...] = (),
              options: dict[str, Any] | None = None) -> list[Config]:
    """Ask and tell until the cost reaches ``budget``; returns the asks, each with its
    fidelity under the key ``_fidelity`` (checked by :func:`_mf_problem`)."""
    strategy = cls(CHECK_SPACE, seed, budget, **{"min_fidelity": CHECK_MIN_FIDELITY,
                                                 **(options or {})})
    asked: list[Config] = []
    spent = 0.0
    while spent < budget and len(asked) < 100 * budget:
        config, fidelity = strategy.ask_at()
        t = len(asked)
        asked.append({**config, "_fidelity": fidelity})
        loss = math.nan if t in fail_at else _mf_loss(config, float(fidelity))
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
           options: dict[str, Any] | None = None) -> list[Config]:
    if issubclass(cls, MultiFidelityStrategy):
        return _drive_mf(cls, seed, budget, fail_at, options)
    strategy = cls(CHECK_SPACE, seed, budget, **(options or {}))
    asked = []
    for t in range(budget):
        config = strategy.ask()
        asked.append(config)
        loss = math.nan if t in fail_at else _loss(config)
        if t in fail_at and t % 2:
            loss = math.inf
        strategy.tell(config, loss)
    return asked


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


def check_strategy(cls: type[Strategy], budget: int = 16,
                   options: dict[str, Any] | None = None) -> ConformanceReport:
    """Run every check on ``cls``; never raises for a non-conforming strategy."""
    report = ConformanceReport(getattr(cls, "name", cls.__name__))

    def check(name: str, fn: Any) -> Any:
        try:
            detail = fn()
        except Exception as exc:
            report.checks.append((name, False, f"raised {type(exc).__name__}: {exc}\n"
                                  + traceback.format_exc(limit=3)))
            return None
        report.checks.append((name, not detail, detail or ""))
        return detail

    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        report.checks.append(("is a Strategy subclass", False, f"{cls!r} is not"))
        return report
    report.checks.append(("declares name and library", bool(cls.name and cls.library)
                          and cls.name != "unnamed", f"name={cls.name!r}, library={cls.library!r}"
                          if cls.name == "unnamed" else ""))
    runs: dict[str, list[Config]] = {}

    mf = issubclass(cls, MultiFidelityStrategy)

    def typed() -> str | None:
        runs["a"] = _drive(cls, 0, budget, options=options)
        if mf:
            problem = _mf_problem(runs["a"], budget)
            if problem:
                return problem
        elif len(runs["a"]) != budget:
            return f"asked {len(runs['a'])} times, expected {budget}"
        for t, c in enumerate(runs["a"]):
            problem = _typed(CHECK_SPACE, c)
            if problem:
                return f"trial {t}: {problem}"
        return None

    def deterministic() -> str | None:
        again = _drive(cls, 0, budget, options=options)
        if json.dumps(again, sort_keys=True) != json.dumps(runs.get("a"), sort_keys=True):
            return "same seed and losses gave different suggestions"
        return None

    def seeds_differ() -> str | None:
        if not cls.stochastic:
            return None
        other = _drive(cls, 1, budget, options=options)
        if json.dumps(other, sort_keys=True) == json.dumps(runs.get("a"), sort_keys=True):
            return "seeds 0 and 1 gave identical suggestions"
        return None

    def survives_failures() -> str | None:
        asked = _drive(cls, 2, budget, fail_at=(0, 1, 3, budget // 2), options=options)
        if mf:
            problem = _mf_problem(asked, budget)
            if problem:
                return problem
        for t, c in enumerate(asked):
            problem = _typed(CHECK_SPACE, c)
            if problem:
                return f"after failures, trial {t}: {problem}"
        return None

    def unasked_tell() -> str | None:
        strategy = cls(CHECK_SPACE, 3, budget, **(options or {}))
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

    check("typed, in-bounds suggestions for the whole budget", typed)
    check("deterministic for a fixed seed", deterministic)
    check("different seeds give different suggestions", seeds_differ)
    check("survives failed evaluations (nan, inf)", survives_failures)
    check("accepts a configuration it did not ask for", unasked_tell)
    return report
