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

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tunebench.problems.dimensions import (
    Categorical,
    Condition,
    Config,
    Dimension,
    Float,
    Int,
    Value,
)

__all__ = ["Categorical", "Condition", "Config", "Dimension", "Float", "Int", "SearchSpace",
           "Value"]

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
