"""Cells: what a suite asks to run, one (problem, [protocol,] strategy, seed) each.

The rule "a cell id names its protocol (training size, worker count) only when the suite
has several" lives here once (:func:`several`): the runner plans with it, the store checks files with it and
the analysis finds failed cells with it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

#: BLAS/OpenMP threads while a cell runs, on every backend. Thread count changes the
#: rounding of BLAS reductions (e.g. in a GP surrogate), so it is fixed for the records
#: to be identical whatever --jobs or backend; parallelism comes from running cells at once.
CELL_THREADS = 1


@dataclass(frozen=True)
class Cell:
    """What to run: indices into nothing, just names, so it pickles cheaply."""

    problem: str
    strategy: str  # as written in the suite (built-in name or module:Class)
    seed: int
    #: Set only when the suite compares several protocols; empty: the suite's one protocol.
    protocol: str = ""
    #: Set only when the suite compares several numbers of workers; 0: the suite's one.
    workers: int = 0
    #: Set only when the suite has several training sizes ("500", "all"); empty: its one.
    train_size: str = ""

    @property
    def id(self) -> str:
        """A file-name-safe, unique id: ``<problem>__<strategy>__<seed>``, or
        ``<problem>__<protocol>__<strategy>__<seed>`` in a suite with several protocols.
        A suite with one protocol keeps the old ids, so its earlier runs still resume.
        With several training sizes ``__n<size>`` follows the problem; with several worker
        counts, ``w<q>`` comes before the strategy."""
        if self.train_size:
            return Cell(f"{self.problem}__n{self.train_size}", self.strategy, self.seed,
                        self.protocol, workers=self.workers).id
        if self.workers:
            axes = "__".join(x for x in (_safe(self.protocol) if self.protocol else "",
                                         f"w{self.workers}") if x)
            return f"{_safe(self.problem)}__{axes}__{_safe(self.strategy)}__{self.seed}"
        if self.protocol:
            return (f"{_safe(self.problem)}__{_safe(self.protocol)}__{_safe(self.strategy)}"
                    f"__{self.seed}")
        return f"{_safe(self.problem)}__{_safe(self.strategy)}__{self.seed}"


def _safe(name: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    if safe != name:  # keep ids unique when different names sanitise alike
        safe = f"{safe[-60:].lstrip('_.')}-{zlib.crc32(name.encode()):08x}"
    return safe


def several(values: Iterable[Any], none: Any) -> tuple[Any, ...]:
    """An axis as cells carry it: its values when the suite has several, else ``(none,)``
    (cells of a suite with one value keep ids without it, so earlier runs still resume)."""
    names = tuple(dict.fromkeys(values))
    return names if len(names) > 1 else (none,)


def all_cells(problems: Iterable[str], strategies: Iterable[str], seeds: Iterable[int],
              protocols: Iterable[str] = (), workers: Iterable[int] = (),
              sizes: Iterable[str] = ()) -> Iterator[Cell]:
    """Every (problem, [size,] [protocol,] [workers,] strategy, seed) in the fixed order of a
    plan; an axis with one value is not named (:func:`several`)."""
    strategies, seeds = tuple(strategies), tuple(seeds)
    for problem in problems:
        for size in several(sizes, ""):
            for protocol in several(protocols, ""):
                for q in several(workers, 0):
                    for strategy in strategies:
                        for seed in seeds:
                            yield Cell(problem, strategy, seed, protocol, workers=q,
                                       train_size=size)
