"""The dimensions of a search space (:mod:`problems.space`): :class:`Float`, :class:`Int`
and :class:`Categorical`, each a small frozen dataclass with its unit-interval mapping and
grid, and the :class:`Condition` that makes a dimension active for some parent values.
Import them from :mod:`problems.space` (strategies may import only that module).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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
