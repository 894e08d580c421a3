"""The conformance checker's test problems and drivers (:mod:`strategies.conformance`).

Two search spaces (:data:`CHECK_SPACE` with every dimension kind; :data:`CHECK_COND_SPACE`,
conditional with nested conditions), their losses, and the loops that drive a strategy
through them: sequentially (:func:`drive`; multi-fidelity strategies until the cost
reaches the budget) and in batches (:func:`drive_batches`); plus the checks of a proposal
(:func:`typed_problem`) and of a multi-fidelity run (:func:`mf_problem`).
"""

from __future__ import annotations

import math
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


def check_loss(config: Config, space: SearchSpace = CHECK_SPACE) -> float:
    if space.is_conditional:
        return cond_loss(config, space)
    u = space.to_unit(config)
    return float(np.sum((u - 0.3) ** 2))


def cond_loss(config: Config, space: SearchSpace) -> float:
    """Best in the deepest activity pattern (kind c, depth 2), worst in the shallowest,
    so a searcher that follows the loss must leave the patterns a random start favours."""
    names = space.active_names(config)
    offset = {1: 0.3, 2: 0.3, 3: 0.2, 4: 0.1, 5: 0.0}[len(names)]
    u = np.array([space[n].to_unit(config[n]) for n in names if n != "kind"])
    return offset + float(np.mean((u - 0.3) ** 2))


def typed_problem(space: SearchSpace, config: Config) -> str | None:
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


def mf_loss(config: Config, fidelity: float, space: SearchSpace = CHECK_SPACE) -> float:
    """A loss that is biased upwards at low fidelity, like an under-trained model."""
    return check_loss(config, space) + 0.1 * (1.0 - fidelity)


def drive_mf(cls: type[MultiFidelityStrategy], seed: int, budget: int,
              fail_at: tuple[int, ...] = (),
              options: dict[str, Any] | None = None,
              space: SearchSpace = CHECK_SPACE) -> list[Config]:
    """Ask and tell until the cost reaches ``budget``; returns the asks, each with its
    fidelity under the key ``_fidelity`` (checked by :func:`mf_problem`)."""
    strategy = cls(space, seed, budget, **{"min_fidelity": CHECK_MIN_FIDELITY,
                                                 **(options or {})})
    asked: list[Config] = []
    spent = 0.0
    while spent < budget and len(asked) < 100 * budget:
        config, fidelity = strategy.ask_at()
        t = len(asked)
        asked.append({**config, "_fidelity": fidelity})
        loss = math.nan if t in fail_at else mf_loss(config, float(fidelity), space)
        if t in fail_at and t % 2:
            loss = math.inf
        strategy.tell_at(config, fidelity, loss)
        spent += float(fidelity)
    return asked


def mf_problem(asked: list[Config], budget: int) -> str | None:
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


def drive(cls: type[Strategy], seed: int, budget: int, fail_at: tuple[int, ...] = (),
           options: dict[str, Any] | None = None,
           space: SearchSpace = CHECK_SPACE) -> list[Config]:
    if issubclass(cls, MultiFidelityStrategy):
        return drive_mf(cls, seed, budget, fail_at, options, space)
    strategy = cls(space, seed, budget, **(options or {}))
    asked = []
    for t in range(budget):
        config = strategy.ask()
        asked.append(config)
        loss = math.nan if t in fail_at else check_loss(config, space)
        if t in fail_at and t % 2:
            loss = math.inf
        strategy.tell(config, loss)
    return asked


#: Proposals per batch in the batch checks.
BATCH = 4


def drive_batches(cls: type[Strategy], seed: int, budget: int,
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
            strategy.tell(config, math.nan if t == 1 and len(batches) == 2 else check_loss(config))
    return batches
