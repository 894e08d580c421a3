"""Tuning strategies behind one ask/tell protocol.

``strategies`` imports nothing from :mod:`benchmarks` and only the search-space types
from :mod:`problems`. See :class:`strategies.base.Strategy` for the contract and
:func:`strategies.conformance.check_strategy` for the checker every strategy passes.
"""

if __name__ == "strategies":  # the pre-0.2 top-level name, imported from a source checkout
    from tunebench._legacy import alias_package

    alias_package(__name__)


from tunebench.strategies.base import Strategy

__all__ = ["Strategy"]
