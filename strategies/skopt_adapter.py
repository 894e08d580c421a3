"""scikit-optimize's ``Optimizer`` (ask/tell) with GP, forest and boosted-tree surrogates.

Importing this module applies :mod:`strategies.skopt_compat`. scikit-optimize has no
failure state, so failed evaluations are told the worst finite loss seen so far
(:class:`strategies.base.PenaltyMixin`). A conditional space is searched as its flattened
box (:mod:`strategies.flatten`): the surrogates see every dimension.

Parallel workers (``parallel = "native"``): :meth:`SkoptStrategy.ask_batch` is scikit-
optimize's own ``ask(n_points, strategy="cl_min")`` (constant liar: each point is told the
minimum loss seen so far on a copy of the optimizer before the next is chosen). When points
are still pending from an earlier ask (asynchronous workers), they are told the same lie on
a copy made with ``Optimizer.copy`` (its random state drawn from the optimizer's, as
``ask(n_points)`` does) before asking it, so a free worker's suggestion knows what the
others are evaluating. With nothing pending, one point is plain ``ask()``.
"""

from __future__ import annotations

from typing import Any

from tunebench.problems.space import Categorical, Config, Float, Int, SearchSpace
from tunebench.strategies import skopt_compat  # noqa: F401  -- must run before skopt is used
from tunebench.strategies.base import PenaltyMixin, Strategy
from tunebench.strategies.citations import cite
from tunebench.strategies.flatten import BoxTranslation


def to_skopt(space: SearchSpace) -> list[Any]:
    """scikit-optimize dimensions for a search space (log priors kept)."""
    from skopt.space import Categorical as SkCat
    from skopt.space import Integer, Real

    out: list[Any] = []
    for d in space:
        prior = "log-uniform" if getattr(d, "log", False) else "uniform"
        if isinstance(d, Float):
            out.append(Real(d.low, d.high, prior=prior, name=d.name))
        elif isinstance(d, Int):
            out.append(Integer(d.low, d.high, prior=prior, name=d.name))
        elif isinstance(d, Categorical):
            # skopt transforms choices through numpy, so it gets indices and we map back.
            out.append(SkCat(list(range(len(d.choices))), name=d.name))
    return out


class SkoptStrategy(PenaltyMixin, Strategy):
    """Base class; subclasses set the surrogate ``base_estimator``."""

    library = "scikit-optimize"
    parallel = "native"
    base_estimator = "GP"
    conditional = "flattened"

    @classmethod
    def accepted_options(cls) -> list[str]:
        """Keyword arguments of ``skopt.Optimizer`` other than those the adapter sets."""
        import inspect

        from skopt import Optimizer

        params = inspect.signature(Optimizer.__init__).parameters
        return sorted(k for k in params
                      if k not in {"self", "dimensions", "base_estimator", "random_state"})

    def __init__(self, space: SearchSpace, seed: int, budget: int, **options: Any) -> None:
        super().__init__(space, seed, budget)
        from skopt import Optimizer

        unknown = sorted(set(options) - set(self.accepted_options()))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown options {unknown}; "
                            f"valid: {self.accepted_options()}")

        self.flat = BoxTranslation(space)
        self.optimizer = Optimizer(to_skopt(self.flat.box), base_estimator=self.base_estimator,
                                   random_state=self.seed, **options)
        #: Asked, not yet told: (canonical configuration, the point skopt proposed).
        self._pending: list[tuple[Config, list[Any]]] = []

    def _decode(self, x: list[Any]) -> Config:
        config: Config = {}
        for d, v in zip(self.space, x, strict=True):
            if isinstance(d, Float):
                config[d.name] = float(min(max(float(v), d.low), d.high))
            elif isinstance(d, Int):
                config[d.name] = int(min(max(int(v), d.low), d.high))
            else:
                config[d.name] = d.choices[int(v)]
        return config

    def _encode(self, config: Config) -> list[Any]:
        return [d.index(config[d.name]) if isinstance(d, Categorical) else config[d.name]
                for d in self.space]

    def ask(self) -> Config:
        return self.ask_batch(1)[0]

    def ask_batch(self, n: int) -> list[Config]:
        """``n`` points by skopt's constant liar (``cl_min``), pending points included."""
        import numpy as np

        if int(n) < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        opt = self.optimizer
        if self._pending:  # lie about the pending points on a copy, as ask(n_points) does
            opt = opt.copy(random_state=opt.rng.randint(0, np.iinfo(np.int32).max))
            lie = float(np.min(opt.yi)) if opt.yi else 0.0
            opt.tell([x for _, x in self._pending], [lie] * len(self._pending))
        xs = [opt.ask()] if int(n) == 1 else opt.ask(n_points=int(n), strategy="cl_min")
        out = []
        for x in xs:
            config = self.flat.reduce(self.flat.box.canonical(self._decode(x)))
            self._pending.append((config, list(x)))
            out.append(config)
        return out

    def tell(self, config: Config, loss: float) -> None:
        config = self.space.canonical(config)
        for i, (c, _) in enumerate(self._pending):
            if c == config:
                del self._pending[i]
                break
        value = self.penalised(loss)
        if value is not None:
            self.optimizer.tell(self._encode(self.flat.expand(config)), float(value))


class SkoptGP(SkoptStrategy):
    """Gaussian-process BO (scikit-optimize defaults: Matern kernel, gp_hedge)."""

    name = "skopt-gp"
    family = "model-based"
    citation = cite("snoek2012practical", "jones1998ego")
    base_estimator = "GP"


class SkoptRF(SkoptStrategy):
    """Random-forest surrogate (SMAC-like)."""

    name = "skopt-rf"
    family = "model-based"
    citation = cite("hutter2011smac", "breiman2001forests")
    base_estimator = "RF"


class SkoptET(SkoptStrategy):
    """Extra-trees surrogate."""

    name = "skopt-et"
    family = "model-based"
    citation = cite("hutter2011smac", "geurts2006extra")
    base_estimator = "ET"


class SkoptGBRT(SkoptStrategy):
    """Gradient-boosted quantile-regression-tree surrogate.

    Runs on current scikit-learn thanks to the compat fixes a and b of
    :mod:`strategies.skopt_compat`.
    """

    name = "skopt-gbrt"
    family = "model-based"
    citation = cite("friedman2001gbm")
    base_estimator = "GBRT"

