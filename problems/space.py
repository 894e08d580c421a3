"""Typed, frozen search-space dimensions shared by problems and strategies.

A :class:`SearchSpace` is an ordered tuple of dimensions. Each dimension is a small
frozen (hence hashable) dataclass in the style of optuna's distributions:

>>> from problems.space import Float, Int, Categorical, SearchSpace
>>> space = SearchSpace((Float("C", 1e-3, 1e3, log=True), Int("depth", 1, 10),
...                      Categorical("kernel", ("rbf", "linear"))))
>>> space.names
('C', 'depth', 'kernel')

Strategies map these dimensions to their own library's types; the unit-cube mapping
(:meth:`SearchSpace.from_unit`) is what library-free strategies (random, grid) use.

A space may be *conditional*: a :class:`Condition` makes a dimension active only when a
parent categorical or integer dimension (itself possibly conditional) takes one of given
values, like ConfigSpace's ``InCondition``:

>>> svm = SearchSpace((Categorical("kernel", ("linear", "rbf")), Float("gamma", 1e-3, 1e3, log=True)),
...                   conditions=(Condition("gamma", "kernel", ("rbf",)),))
>>> svm.active_names({"kernel": "linear"})
('kernel',)

A configuration of a conditional space holds exactly its active parameters. Strategies
that cannot model conditions see the *flattened box* (:meth:`SearchSpace.flat`, every
dimension, no conditions) and drop the inactive values (:meth:`SearchSpace.drop_inactive`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

Value = float | int | str | bool | None
Config = dict[str, Any]


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"dimension name must be a Python identifier, got {name!r}")


def _check_bounds(kind: str, name: str, low: float, high: float, log: bool) -> None:
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{kind} {name!r}: bounds must be finite, got low={low}, high={high}")
    if not low < high:
        raise ValueError(f"{kind} {name!r}: low must be < high, got low={low}, high={high}")
    if log and low <= 0:
        raise ValueError(f"{kind} {name!r}: log scale needs low > 0, got low={low}")


@dataclass(frozen=True)
class Float:
    """A real-valued hyperparameter in ``[low, high]``, optionally on a log scale."""

    name: str
    low: float
    high: float
    log: bool = False

    def __post_init__(self) -> None:
        _check_name(self.name)
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))
        _check_bounds("Float", self.name, self.low, self.high, self.log)

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if u == 0.0 or u == 1.0:  # exact bounds, free of exp/log round-off
            return self.low if u == 0.0 else self.high
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            v = math.exp(lo + u * (hi - lo))
        else:
            v = self.low + u * (self.high - self.low)
        return min(max(v, self.low), self.high)

    def to_unit(self, v: float) -> float:
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return (math.log(v) - lo) / (hi - lo)
        return (v - self.low) / (self.high - self.low)

    def contains(self, v: Any) -> bool:
        return (
            isinstance(v, float) and not isinstance(v, bool) and self.low <= v <= self.high
        )

    def grid(self, n: int) -> list[float]:
        """``n`` points spread evenly (on the dimension's scale), both bounds included."""
        if n == 1:
            return [self.from_unit(0.5)]
        return [self.from_unit(i / (n - 1)) for i in range(n)]

    @property
    def cardinality(self) -> float:
        return math.inf


@dataclass(frozen=True)
class Int:
    """An integer hyperparameter in ``[low, high]`` (both included), optionally log-scaled."""

    name: str
    low: int
    high: int
    log: bool = False

    def __post_init__(self) -> None:
        _check_name(self.name)
        if int(self.low) != self.low or int(self.high) != self.high:
            raise ValueError(f"Int {self.name!r}: bounds must be integers")
        object.__setattr__(self, "low", int(self.low))
        object.__setattr__(self, "high", int(self.high))
        _check_bounds("Int", self.name, self.low, self.high, self.log)

    def from_unit(self, u: float) -> int:
        u = min(max(float(u), 0.0), 1.0)
        # Map to the continuous interval [low - 0.5, high + 0.5] so every integer gets an
        # equal share of the unit interval (on the chosen scale), then round.
        if self.log:
            # low >= 1 for a log-scaled Int, so low - 0.5 > 0.
            lo, hi = math.log(self.low - 0.5), math.log(self.high + 0.5)
            v = math.exp(lo + u * (hi - lo))
        else:
            v = (self.low - 0.5) + u * (self.high - self.low + 1.0)
        return int(min(max(round(v), self.low), self.high))

    def to_unit(self, v: int) -> float:
        if self.log:
            lo, hi = math.log(self.low - 0.5), math.log(self.high + 0.5)
            return (math.log(v) - lo) / (hi - lo)
        return (v - self.low + 0.5) / (self.high - self.low + 1.0)

    def contains(self, v: Any) -> bool:
        return (
            isinstance(v, (int, np.integer))
            and not isinstance(v, bool)
            and self.low <= v <= self.high
        )

    def grid(self, n: int) -> list[int]:
        """Exactly ``min(n, cardinality)`` distinct integers spread over the range (on its
        scale), both bounds included."""
        if n >= self.high - self.low + 1:
            return list(range(self.low, self.high + 1))
        if n == 1:
            return [self.from_unit(0.5)]
        m = n
        while True:  # rounding can merge points on a log scale: densify until n are distinct
            if self.log:
                pts = np.geomspace(self.low, self.high, m)
            else:
                pts = np.linspace(self.low, self.high, m)
            uniq = sorted({int(round(p)) for p in pts})
            if len(uniq) >= n:
                break
            m += 1
        pick = np.round(np.linspace(0, len(uniq) - 1, n)).astype(int)
        return [uniq[i] for i in pick]

    @property
    def cardinality(self) -> float:
        return self.high - self.low + 1


@dataclass(frozen=True)
class Categorical:
    """A hyperparameter taking one of a fixed tuple of JSON-serialisable choices."""

    name: str
    choices: tuple[Value, ...]

    def __post_init__(self) -> None:
        _check_name(self.name)
        choices = tuple(self.choices)
        if len(choices) < 1:
            raise ValueError(f"Categorical {self.name!r}: needs at least one choice")
        if len(set(map(repr, choices))) != len(choices):
            raise ValueError(f"Categorical {self.name!r}: choices must be distinct, got {choices}")
        for c in choices:
            if not isinstance(c, (str, int, float, bool, type(None))):
                raise ValueError(
                    f"Categorical {self.name!r}: choice {c!r} is not a str, int, float, bool or None"
                )
        object.__setattr__(self, "choices", choices)

    def from_unit(self, u: float) -> Value:
        i = min(int(float(u) * len(self.choices)), len(self.choices) - 1)
        return self.choices[max(i, 0)]

    def to_unit(self, v: Value) -> float:
        return (self.index(v) + 0.5) / len(self.choices)

    def index(self, v: Value) -> int:
        for i, c in enumerate(self.choices):
            if type(c) is type(v) and c == v:
                return i
        raise ValueError(f"{v!r} is not a choice of {self.name!r}: {self.choices}")

    def contains(self, v: Any) -> bool:
        try:
            self.index(v)
        except ValueError:
            return False
        return True

    def grid(self, n: int) -> list[Value]:
        """All choices, or ``n`` of them evenly spread over the tuple when ``n`` is smaller."""
        k = len(self.choices)
        if n >= k:
            return list(self.choices)
        if n == 1:
            return [self.choices[(k - 1) // 2]]
        return [self.choices[round(i * (k - 1) / (n - 1))] for i in range(n)]

    @property
    def cardinality(self) -> float:
        return len(self.choices)


Dimension = Float | Int | Categorical


@dataclass(frozen=True)
class Condition:
    """Dimension ``child`` is active only when dimension ``parent`` is active and takes
    one of ``values`` (ConfigSpace's ``InCondition``; one value is its ``EqualsCondition``).

    The parent must be a :class:`Categorical` or an :class:`Int` that comes before the
    child in the space; a child has at most one condition; nesting (a parent that is
    itself conditional) is allowed.
    """

    child: str
    parent: str
    values: tuple[Value, ...]

    def __post_init__(self) -> None:
        values = tuple(self.values)
        if not values:
            raise ValueError(f"Condition on {self.child!r}: needs at least one parent value")
        object.__setattr__(self, "values", values)

    def holds(self, parent_value: Any) -> bool:
        if isinstance(parent_value, np.integer):
            parent_value = int(parent_value)
        return any(type(v) is type(parent_value) and v == parent_value for v in self.values)


@dataclass(frozen=True)
class SearchSpace:
    """An ordered, hashable collection of uniquely named dimensions, with optional
    :class:`Condition` s making some of them active only for some parent values."""

    dimensions: tuple[Dimension, ...]
    conditions: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        dims = tuple(self.dimensions)
        if not dims:
            raise ValueError("a search space needs at least one dimension")
        names = [d.name for d in dims]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"duplicate dimension names: {dup}")
        object.__setattr__(self, "dimensions", dims)
        object.__setattr__(self, "conditions", tuple(self.conditions))
        self._check_conditions(names)

    def _check_conditions(self, names: list[str]) -> None:
        seen: set[str] = set()
        for c in self.conditions:
            for role, name in (("child", c.child), ("parent", c.parent)):
                if name not in names:
                    raise ValueError(f"Condition {role} {name!r} is not a dimension; "
                                     f"dimensions are {names}")
            if c.child in seen:
                raise ValueError(f"dimension {c.child!r} has more than one condition")
            seen.add(c.child)
            if names.index(c.parent) >= names.index(c.child):
                raise ValueError(f"Condition on {c.child!r}: its parent {c.parent!r} must "
                                 "come before it in the space")
            parent = self.dimensions[names.index(c.parent)]
            if not isinstance(parent, Categorical | Int):
                raise ValueError(f"Condition on {c.child!r}: parent {c.parent!r} must be a "
                                 f"Categorical or an Int, got {type(parent).__name__}")
            bad = [v for v in c.values if not parent.contains(v)]
            if bad:
                raise ValueError(f"Condition on {c.child!r}: values {bad} are not in "
                                 f"{c.parent!r} ({parent})")

    def __iter__(self) -> Iterator[Dimension]:
        return iter(self.dimensions)

    def __len__(self) -> int:
        return len(self.dimensions)

    def __getitem__(self, name: str) -> Dimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise KeyError(f"no dimension named {name!r}; dimensions are {list(self.names)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    @property
    def is_conditional(self) -> bool:
        return bool(self.conditions)

    def condition_of(self, name: str) -> Condition | None:
        """The condition that makes ``name`` active, or None when it is always active."""
        for c in self.conditions:
            if c.child == name:
                return c
        return None

    def children_of(self, name: str) -> tuple[Dimension, ...]:
        """The dimensions whose condition names ``name`` as parent, in space order."""
        kids = {c.child for c in self.conditions if c.parent == name}
        return tuple(d for d in self.dimensions if d.name in kids)

    def flat(self) -> SearchSpace:
        """The flattened box: the same dimensions without conditions."""
        return SearchSpace(self.dimensions) if self.conditions else self

    def active_names(self, config: Mapping[str, Any]) -> tuple[str, ...]:
        """The dimensions active for ``config``'s parent values, in space order. ``config``
        may be complete (a point of the flattened box) or hold only active values."""
        active: list[str] = []
        for d in self.dimensions:
            c = self.condition_of(d.name)
            if c is None or (c.parent in active and c.parent in config
                             and c.holds(config[c.parent])):
                active.append(d.name)
        return tuple(active)

    def drop_inactive(self, config: Mapping[str, Any]) -> Config:
        """A point of the flattened box reduced to its active parameters (space order)."""
        return {n: config[n] for n in self.active_names(config)}

    def fill_inactive(self, config: Mapping[str, Any]) -> Config:
        """A configuration completed to a point of the flattened box: every inactive
        dimension at its centre (``from_unit(0.5)``), the imputation flattened strategies
        use for configurations they did not propose."""
        return {d.name: config[d.name] if d.name in config else d.from_unit(0.5)
                for d in self.dimensions}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (type, name, bounds or choices of each dimension, and
        the conditions when there are any): what a run's manifest records to tell two
        search spaces apart."""
        dims = []
        for d in self.dimensions:
            item = asdict(d)
            if "choices" in item:
                item["choices"] = list(item["choices"])
            dims.append({"type": type(d).__name__, **item})
        out: dict[str, Any] = {"dimensions": dims}
        if self.conditions:  # absent for flat spaces: their fingerprint is unchanged
            out["conditions"] = [{"child": c.child, "parent": c.parent,
                                  "values": list(c.values)} for c in self.conditions]
        return out

    def from_unit(self, u: np.ndarray | list[float]) -> Config:
        """Map a point of the unit hypercube (one coordinate per dimension, active or not)
        to a configuration holding the active parameters."""
        full = {d.name: d.from_unit(x) for d, x in zip(self.dimensions, u, strict=True)}
        return self.drop_inactive(full) if self.conditions else full

    def to_unit(self, config: Mapping[str, Any]) -> np.ndarray:
        """The unit-cube point of ``config``; an inactive dimension sits at 0.5."""
        active = self.active_names(config) if self.conditions else self.names
        return np.array([d.to_unit(config[d.name]) if d.name in active else 0.5
                         for d in self.dimensions])

    def sample(self, rng: np.random.Generator) -> Config:
        """One configuration drawn uniformly (on each dimension's scale) from the flattened
        box, inactive values dropped: a parent's values are equally likely."""
        return self.from_unit(rng.random(len(self.dimensions)))

    def validate(self, config: Mapping[str, Any]) -> None:
        """Raise ``ValueError`` naming every key or value of ``config`` that does not fit:
        unknown keys, bad values, active parameters missing, inactive ones present."""
        problems = []
        active = self.active_names(config) if self.conditions else self.names
        missing = [n for n in active if n not in config]
        extra = [k for k in config if k not in self.names]
        inactive = [k for k in config if k in self.names and k not in active]
        if missing:
            problems.append(f"missing {missing}")
        if extra:
            problems.append(f"unknown {extra}")
        for name in inactive:
            c = self.condition_of(name)
            assert c is not None
            problems.append(f"{name} is inactive (active only when {c.parent} in "
                            f"{list(c.values)}) but present")
        for d in self.dimensions:
            if d.name in config and not d.contains(config[d.name]):
                problems.append(f"{d.name}={config[d.name]!r} is not in {d}")
        if problems:
            raise ValueError("configuration does not fit the search space: " + "; ".join(problems))

    def canonical(self, config: Mapping[str, Any]) -> Config:
        """The configuration with plain Python types, in the space's order (active
        parameters only; an inactive one present is a ``ValueError``)."""
        out: Config = {}
        active = self.active_names(config) if self.conditions else self.names
        for d in self.dimensions:
            if d.name not in active:
                if d.name in config:
                    self.validate(config)  # raises, naming the inactive parameter
                continue
            v = config[d.name]
            if isinstance(d, Float):
                v = float(v)
            elif isinstance(d, Int):
                v = int(v)
            out[d.name] = v
        return out
