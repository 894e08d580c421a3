"""The one translation of a conditional search space for strategies that cannot model it.

How a strategy meets a conditional space (:class:`~tunebench.problems.space.Condition`) is
declared by its ``conditional`` class attribute:

* ``"native"``: the library models the conditions itself (optuna's define-by-run ``ask``
  suggests only the active parameters, so TPE models each parameter on the trials where it
  was active; hyperopt's nested ``hp.choice``; SMAC's ConfigSpace conditions).
* ``"flattened"``: the strategy works on the *flattened box* (every dimension, no
  conditions: :meth:`SearchSpace.flat`), proposes a full point, and the harness gets that
  point with the inactive values dropped (:meth:`SearchSpace.drop_inactive`). When told a
  loss, the strategy is told the full point it proposed: the loss does not depend on the
  inactive values, so that point *is* the configuration evaluated, in the box's
  coordinates. A configuration it did not propose (the default one, or one told by a
  user) is completed with every inactive dimension at its centre
  (:meth:`SearchSpace.fill_inactive`), as ConfigSpace-based surrogates impute a constant.

:class:`BoxTranslation` is that translation; every flattened adapter uses it, and on a
flat space it is the identity (so flat spaces behave exactly as before conditions existed).
Library-free strategies (random search, the reference sample, the default configuration)
sample the box and drop inactive values through :meth:`SearchSpace.from_unit`; grid search
enumerates only valid combinations (:mod:`tunebench.strategies.conditional_grid`).
"""

from __future__ import annotations

import json
from typing import Any

from tunebench.problems.space import Config, SearchSpace

NATIVE = "native"
FLATTENED = "flattened"
MODES = (NATIVE, FLATTENED)


def config_key(config: Config) -> str:
    """A hashable identity of a configuration (sorted keys, JSON)."""
    return json.dumps(config, sort_keys=True, default=str)


class BoxTranslation:
    """Maps between a conditional space and its flattened box for one strategy.

    ``reduce(full)`` is called on every proposal and remembers it; ``expand(config)``
    gives back the full point proposed for ``config`` (first in, first out), or the
    configuration completed at the centres when it was never proposed.
    """

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.box = space.flat()
        self._proposed: dict[str, list[Config]] = {}

    def reduce(self, full: Config) -> Config:
        """The active part of the proposed box point ``full``."""
        if not self.space.is_conditional:
            return full
        config = self.space.drop_inactive(full)
        self._proposed.setdefault(config_key(config), []).append(dict(full))
        return config

    def expand(self, config: Config) -> Config:
        """The box point to tell the library for ``config`` (active parameters only)."""
        if not self.space.is_conditional:
            return config
        pending = self._proposed.get(config_key(config))
        if pending:
            return pending.pop(0)
        return self.box.canonical(self.space.fill_inactive(config))


def mode_of(cls: Any) -> str:
    """The declared ``conditional`` mode of a strategy class (``flattened`` if undeclared)."""
    mode = getattr(cls, "conditional", FLATTENED)
    return mode if mode in MODES else FLATTENED
