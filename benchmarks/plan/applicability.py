"""Which (strategy, problem) pairs a suite runs: all except those that cannot apply.

Today one rule: a strategy that ``needs_default`` (``defaults``) is not run on a problem
without a library-default configuration, instead of inventing one and mixing that into the
strategy's aggregates. Synthetic functions have no library: their ``default_config`` (the
box centre) is only the common first point of ``start_from_default`` runs.
"""

from __future__ import annotations

from functools import lru_cache

from tunebench.problems.base import Task
from tunebench.problems.catalogue import get_problem
from tunebench.strategies.registry import resolve


@lru_cache(maxsize=4096)
def applies(strategy: str, problem: str) -> bool:
    """Whether ``strategy`` is run on ``problem``."""
    cls = resolve(strategy)
    if getattr(cls, "needs_default", False):
        p = get_problem(problem)
        return p.task != Task.SYNTHETIC and bool(p.default_config)
    return True


def skipped_pairs(strategies: tuple[str, ...], problems: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (strategy, problem) pairs a suite leaves out, for messages and reports."""
    return [(s, p) for p in problems for s in strategies if not applies(s, p)]
