"""SMAC3's Hyperband facade as a multi-fidelity strategy (optional: ``pip install smac``).

SMAC's :class:`smac.HyperbandFacade` (random configurations, Hyperband's brackets and
successive halving) is driven through its own ask-and-tell interface: ``smac.ask()`` gives
a ``TrialInfo`` with a configuration and a ``budget`` in ``[1, R]``, which is fidelity
``budget / R`` here (``R`` as for the optuna strategies: ``eta ** round(log_eta(1 /
min_fidelity))``); ``smac.tell(info, TrialValue(cost=loss))`` reports it. Failed
evaluations are told as ``StatusType.CRASHED`` (SMAC then uses its ``crash_cost``). The
configuration space and the scenario are seeded from the strategy seed. SMAC writes its
run history to a temporary directory, removed when the strategy is garbage-collected.
A configuration the strategy did not ask for (the default one) is not told: SMAC's
Hyperband intensifier tracks only the trials it asked for.

Conditional spaces are ``native``: each :class:`~problems.space.Condition` becomes a
ConfigSpace ``InCondition``, and SMAC's configurations hold only the active parameters.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import weakref
from typing import Any, ClassVar

from tunebench.problems.space import Categorical, Config, Float, Int, SearchSpace
from tunebench.strategies.base import MultiFidelityStrategy
from tunebench.strategies.citations import cite
from tunebench.strategies.optuna_mf import max_resource

log = logging.getLogger(__name__)


def to_configspace(space: SearchSpace, seed: int) -> Any:
    """A seeded ``ConfigSpace.ConfigurationSpace`` with the same dimensions and scales."""
    import ConfigSpace as CS

    cs = CS.ConfigurationSpace(seed=seed)
    for d in space:
        if isinstance(d, Float):
            cs.add(CS.Float(d.name, (d.low, d.high), log=d.log))
        elif isinstance(d, Int):
            cs.add(CS.Integer(d.name, (d.low, d.high), log=d.log))
        elif isinstance(d, Categorical):
            cs.add(CS.Categorical(d.name, list(d.choices)))
    for c in space.conditions:
        cs.add(CS.InCondition(cs[c.child], cs[c.parent], list(c.values)))
    return cs


class SmacHyperband(MultiFidelityStrategy):
    """SMAC3's ``HyperbandFacade`` (random search with Hyperband), through ask/tell."""

    name = "smac-hyperband"
    family = "model-based"
    citation = cite("li2018hyperband", "lindauer2022smac")
    library = "smac"
    conditional = "native"
    requires: ClassVar[str] = "smac"

    def __init__(self, space: SearchSpace, seed: int, budget: int, *,
                 min_fidelity: float = 1 / 27, reduction_factor: int = 3) -> None:
        super().__init__(space, seed, budget, min_fidelity=min_fidelity)
        try:
            from smac import HyperbandFacade, Scenario
        except ImportError as exc:
            raise ImportError("smac-hyperband needs SMAC3: pip install smac") from exc
        self.eta = int(reduction_factor)
        self.R = max_resource(self.min_fidelity, self.eta)
        self._dir = tempfile.mkdtemp(prefix="tunebench-smac-")
        weakref.finalize(self, shutil.rmtree, self._dir, True)
        scenario = Scenario(to_configspace(space, self.seed), deterministic=True,
                            n_trials=10**9, min_budget=1, max_budget=self.R, seed=self.seed,
                            output_directory=self._dir)
        intensifier = HyperbandFacade.get_intensifier(scenario, eta=self.eta)
        self.smac = HyperbandFacade(scenario, target_function=_never_called,
                                    intensifier=intensifier, overwrite=True,
                                    logging_level=logging.ERROR)
        self._pending: dict[tuple[Any, ...], list[Any]] = {}

    def _key(self, config: Config, fidelity: float) -> tuple[Any, ...]:
        return (*(config.get(n) for n in self.space.names), round(fidelity * self.R))

    def ask_at(self) -> tuple[Config, float]:
        info = self.smac.ask()
        # ConfigSpace hands out numpy scalars; the contract wants Python ones.
        config = self.space.canonical({k: v.item() if hasattr(v, "item") else v
                                       for k, v in dict(info.config).items()})
        fidelity = min(1.0, float(info.budget) / self.R)
        self._pending.setdefault(self._key(config, fidelity), []).append(info)
        return config, fidelity

    def tell_at(self, config: Config, fidelity: float, loss: float) -> None:
        from smac.runhistory.dataclasses import TrialValue
        from smac.runhistory.enumerations import StatusType

        config = self.space.canonical(config)
        pending = self._pending.get(self._key(config, fidelity))
        if not pending:
            log.debug("smac-hyperband ignores a configuration it did not ask for")
            return
        info = pending.pop(0)
        if self.failed(loss):
            self.smac.tell(info, TrialValue(cost=float("inf"), status=StatusType.CRASHED))
        else:
            self.smac.tell(info, TrialValue(cost=float(loss)))

    @classmethod
    def accepted_options(cls) -> list[str]:
        return ["min_fidelity", "reduction_factor"]


def _never_called(config: Any, seed: int = 0, budget: float = 0.0) -> float:
    """SMAC requires a target function; with ask/tell it is never called."""
    raise RuntimeError("smac-hyperband is driven through ask/tell only")
