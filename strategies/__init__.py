"""Tuning strategies behind one ask/tell protocol.

``strategies`` imports nothing from :mod:`benchmarks` and only the search-space types
from :mod:`problems`. See :class:`strategies.base.Strategy` for the contract and
:func:`strategies.conformance.check_strategy` for the checker every strategy passes.
"""

from strategies.base import Strategy

__all__ = ["Strategy"]
