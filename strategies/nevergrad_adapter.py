"""nevergrad's evolutionary optimisers behind the ask/tell contract (optional extra).

Install with ``pip install 'tunebench[evolution]'``. Each strategy builds a nevergrad
parametrization of the search space (``Log`` for log-scaled dimensions, bounded
``Scalar`` otherwise, integer casting for integers, ``Choice`` for categoricals), seeds
its ``random_state`` with the strategy seed (so nothing is drawn from numpy's global
state), and drives ``optimizer.ask()`` / ``optimizer.tell(candidate, loss)`` with
``num_workers=1`` and the cell's budget; in a parallel suite the harness passes ``workers``
and the optimiser is built with ``num_workers=workers`` (nevergrad's own parallel mode:
that many asks may be pending at once), so ``parallel = "native"``.

Failed evaluations (non-finite losses) are told as a penalty: the worst finite loss seen
so far (:class:`strategies.base.PenaltyMixin`); before any finite loss, a failed candidate
is not told at all. A configuration the strategy did not ask for (the default one) is told
as a child of the parametrization with that value; an optimiser that does not accept
unasked points (``TellNotAskedNotSupportedError``) ignores it.

A conditional space is searched as its flattened box (:mod:`strategies.flatten`):
nevergrad can nest ``Choice`` over ``Dict`` s, but its optimisers then still mutate the
unchosen branches' coordinates, which is a flattened box in all but name.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import numpy as np

from tunebench.problems.space import Categorical, Config, Float, Int, SearchSpace
from tunebench.strategies.base import PenaltyMixin, Strategy
from tunebench.strategies.citations import cite
from tunebench.strategies.flatten import BoxTranslation

log = logging.getLogger(__name__)


def to_nevergrad(space: SearchSpace) -> Any:
    """A ``nevergrad.p.Dict`` parametrization of ``space``."""
    import nevergrad as ng

    params: dict[str, Any] = {}
    for d in space:
        if isinstance(d, Categorical):
            params[d.name] = ng.p.Choice(list(d.choices))
            continue
        assert isinstance(d, Float | Int)
        p = (ng.p.Log(lower=d.low, upper=d.high) if d.log
             else ng.p.Scalar(lower=d.low, upper=d.high))
        params[d.name] = p.set_integer_casting() if isinstance(d, Int) else p
    return ng.p.Dict(**params)


class NevergradStrategy(PenaltyMixin, Strategy):
    """Base class: subclasses name the optimiser in nevergrad's registry."""

    library = "nevergrad"
    family = "evolutionary"
    requires: ClassVar[str] = "nevergrad"
    optimizer: ClassVar[str] = "DE"
    parallel = "native"
    conditional = "flattened"

    def __init__(self, space: SearchSpace, seed: int, budget: int, workers: int = 1) -> None:
        super().__init__(space, seed, budget)
        try:
            import nevergrad as ng
        except ImportError as exc:
            raise ImportError(f"{self.name} needs nevergrad: install the 'evolution' extra "
                              "(pip install 'tunebench[evolution]')") from exc
        self.flat = BoxTranslation(space)
        self.parametrization = to_nevergrad(self.flat.box)
        self.parametrization.random_state = np.random.RandomState(self.seed)
        self.opt = ng.optimizers.registry[self.optimizer](
            parametrization=self.parametrization, budget=self.budget,
            num_workers=int(workers))
        self._pending: dict[tuple[Any, ...], list[Any]] = {}

    def _clip(self, value: dict[str, Any]) -> dict[str, Any]:
        """Numeric values clipped into bounds: ``Log`` can land one ulp outside them."""
        for d in self.space:
            if isinstance(d, Float | Int):
                value[d.name] = min(max(value[d.name], d.low), d.high)
        return value

    def _key(self, config: Config) -> tuple[Any, ...]:
        return tuple(config[n] for n in self.space.names)

    def ask(self) -> Config:
        candidate = self.opt.ask()
        full = self.flat.box.canonical(self._clip(dict(candidate.value)))
        self._pending.setdefault(self._key(full), []).append(candidate)
        return self.flat.reduce(full)

    def tell(self, config: Config, loss: float) -> None:
        from nevergrad.common.errors import TellNotAskedNotSupportedError

        config = self.flat.expand(self.space.canonical(config))
        pending = self._pending.get(self._key(config))
        value = self.penalised(loss)
        candidate = pending.pop(0) if pending else None
        if value is None:
            return
        if candidate is not None:
            self.opt.tell(candidate, float(value))
            return
        try:
            self.opt.tell(self.parametrization.spawn_child(new_value=config), float(value))
        except TellNotAskedNotSupportedError:
            log.debug("%s does not accept configurations it did not ask for", self.optimizer)


class NevergradDE(NevergradStrategy):
    """nevergrad's differential evolution (``DE``)."""

    name = "nevergrad-de"
    citation = cite("storn1997de", "rapin2018nevergrad")
    optimizer = "DE"


class NevergradPSO(NevergradStrategy):
    """nevergrad's particle swarm optimisation (``PSO``)."""

    name = "nevergrad-pso"
    citation = cite("kennedy1995pso", "rapin2018nevergrad")
    optimizer = "PSO"


class NevergradOnePlusOne(NevergradStrategy):
    """nevergrad's (1+1) evolution strategy (``OnePlusOne``)."""

    name = "nevergrad-oneplusone"
    citation = cite("rechenberg1973es", "rapin2018nevergrad")
    optimizer = "OnePlusOne"


class NevergradNGOpt(NevergradStrategy):
    """nevergrad's ``NGOpt``, which picks an optimiser from the space and budget."""

    name = "nevergrad-ngopt"
    citation = cite("rapin2018nevergrad")
    optimizer = "NGOpt"
