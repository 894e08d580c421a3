"""The strategy contract: ``ask()`` a configuration, ``tell(configuration, loss)`` its loss.

A strategy is built from ``(space, seed, budget)`` plus its own keyword options, like a
scikit-learn estimator: the constructor stores, the methods work. The harness owns the
loop, the budget and the timing; a strategy only proposes and learns.

A plug-in needs nothing else::

    from tunebench.strategies import Strategy

    class MyRandom(Strategy):
        name = "my-random"

        def __init__(self, space, seed, budget):
            super().__init__(space, seed, budget)
            self.rng = np.random.default_rng(seed)

        def ask(self):
            return self.space.sample(self.rng)

        def tell(self, config, loss):
            pass

Failed evaluations are told with a non-finite ``loss`` (``nan``); each adapter maps that
to its library's convention (optuna's FAIL state, hyperopt's ``STATUS_FAIL``) or to a
documented penalty. ``tell`` also accepts a configuration that was never asked (the
harness uses that to start every strategy from the problem's default configuration).

Multi-fidelity strategies (Hyperband, successive halving) subclass
:class:`MultiFidelityStrategy` instead: ``ask_at()`` returns ``(configuration, fidelity)``
with the fidelity in ``[min_fidelity, 1]`` (1 is an ordinary, full evaluation) and
``tell_at(configuration, fidelity, loss)`` reports it. Asking the same configuration again at
a higher fidelity continues it (a promotion); asking a new one starts it. Their ``budget``
is in full-evaluation equivalents: the harness charges each evaluation its fidelity's cost
(about ``fidelity / 1``) until the sum reaches the budget. ``tell(config, loss)`` is a full-
fidelity report (e.g. the default configuration); plain ``ask()`` is not part of their
contract.

Parallel workers: :meth:`Strategy.ask_batch` proposes ``n`` configurations at once, before
any of their results (a batch round, or a free worker while others are still running);
their losses then come back through ``tell`` in any order. Each strategy declares
``parallel``: ``"native"`` when ``ask_batch`` uses its library's own mechanism (optuna's
pending trials, scikit-optimize's constant liar, nevergrad's ``num_workers``, hyperopt's
queue of pending documents; independent proposals for random, QMC and grid), ``"fallback"``
for the default :meth:`Strategy.ask_batch` that old plug-ins inherit. A strategy that needs
the number of workers when it is built (a population, ``num_workers``) accepts a ``workers``
keyword: the harness passes it in parallel suites only.
"""

from __future__ import annotations

import functools
import inspect
import math
from abc import ABC, abstractmethod
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from typing import Any, ClassVar

from tunebench.problems.space import Config, SearchSpace


def package_version(dist: str) -> str:
    """The installed version of distribution ``dist``, or ``"not installed"``."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


class Strategy(ABC):
    """Base class of all tuning strategies.

    Parameters
    ----------
    space : SearchSpace
        What to search.
    seed : int
        The only source of randomness: same seed and same history give the same asks.
    budget : int
        How many evaluations the harness will make; strategies that plan (grid, the
        genetic algorithm's population) use it, others may ignore it.
    """

    #: Name shown in reports and used in suite files.
    name: ClassVar[str] = "unnamed"
    #: Distribution name (as ``pip install`` spells it) of the library that implements the
    #: algorithm; its installed version is recorded in every run's manifest.
    library: ClassVar[str] = "numpy"
    #: Optional BibTeX entry to cite for this strategy; the report's "How to cite" lists it.
    citation: ClassVar[str] = ""
    #: True for a strategy whose suggestions do not depend on the seed (e.g. a fixed
    #: design): the conformance checker then does not require that seeds differ.
    deterministic: ClassVar[bool] = False
    #: Older spelling of ``not deterministic``; still honoured.
    stochastic: ClassVar[bool] = True
    #: Algorithm family for figures (one line style per family): "random-like",
    #: "model-based", "evolutionary", "baseline"; empty: derived from the name
    #: (:func:`family_of`).
    family: ClassVar[str] = ""
    #: Whether the strategy only makes sense with the problem's library-default
    #: configuration; the harness does not plan it on problems that have none.
    needs_default: ClassVar[bool] = False
    #: How :meth:`ask_batch` proposes several configurations: "native" (the library's own
    #: parallel mechanism, or independent proposals) or "fallback" (the default below).
    parallel: ClassVar[str] = "fallback"
    #: How the strategy handles a conditional search space: ``"native"`` (its library
    #: models the conditions) or ``"flattened"`` (it searches the flattened box; see
    #: :mod:`tunebench.strategies.flatten`). A plug-in that samples through
    #: ``self.space`` (``sample``, ``from_unit``) is correctly ``"flattened"``.
    conditional: ClassVar[str] = "flattened"

    def __init__(self, space: SearchSpace, seed: int, budget: int, **options: Any) -> None:
        if not isinstance(space, SearchSpace):
            raise TypeError(f"space must be a SearchSpace, got {type(space).__name__}")
        if int(budget) < 1:
            raise ValueError(f"budget must be >= 1, got {budget}")
        if options:
            raise TypeError(f"{type(self).__name__} got unknown options {sorted(options)}")
        self.space = space
        self.seed = int(seed)
        self.budget = int(budget)

    @abstractmethod
    def ask(self) -> Config:
        """Propose the next configuration to evaluate."""

    @abstractmethod
    def tell(self, config: Config, loss: float) -> None:
        """Report the loss of ``config``; a non-finite loss means the evaluation failed."""

    def ask_batch(self, n: int) -> list[Config]:
        """Propose ``n`` configurations to evaluate at once, before any of their results.

        Their losses come back through :meth:`tell`, in any order. The default (a strategy
        with ``parallel = "fallback"``) is ``n`` successive :meth:`ask` calls with the earlier
        proposals still pending, i.e. not told: exactly what an ask/tell library sees when
        ``n`` workers each ask as they become free. A generic strategy cannot be told a
        "constant liar" value and have it retracted when the real loss arrives, so none is
        told; a strategy whose ``ask`` ignores pending proposals may repeat itself (the
        harness evaluates a repeat once) and should override this method.
        """
        if int(n) < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        return [self.ask() for _ in range(int(n))]

    @classmethod
    def accepted_options(cls) -> list[str] | None:
        """Keyword options a suite may pass (``[options.<name>]``); ``None``: any."""
        params = inspect.signature(cls.__init__).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return None
        return sorted(k for k in params if k not in {"self", "space", "seed", "budget"})

    @classmethod
    def library_version(cls) -> str:
        return package_version(library_of(cls))

    @staticmethod
    def failed(loss: float) -> bool:
        return loss is None or not math.isfinite(loss)


FAMILIES = ("random-like", "model-based", "evolutionary", "baseline", "other")
_FAMILY_HINTS = (("evolutionary", ("cma", "evol", "genetic", "-ga", "nsga", "-de", "anneal",
                                   "pso", "es-")),
                 ("model-based", ("tpe", "gp", "bo", "smac", "forest", "-rf", "-et", "bayes",
                                  "surrogate", "hebo", "kernel")),
                 ("random-like", ("random", "sobol", "qmc", "halton", "lhs", "latin")),
                 ("baseline", ("grid", "default")))


def family_of(cls: type[Strategy]) -> str:
    """The strategy's declared ``family``, else one guessed from its name, else "other"."""
    if cls.family:
        return cls.family
    name = f"-{cls.name.lower()}-"
    for fam, hints in _FAMILY_HINTS:
        if any(h in name for h in hints):
            return fam
    return "other"


@functools.cache
def _distributions() -> dict[str, list[str]]:
    return packages_distributions()


def library_of(cls: type[Strategy]) -> str:
    """Distribution name of the library behind ``cls``.

    A ``library`` declared by the class (or a base other than :class:`Strategy`) wins;
    otherwise the distribution that provides the top-level package of the class's module
    (``mypkg.strategies`` -> the distribution installing ``mypkg``), or that package's
    name when it is not installed as a distribution.
    """
    for klass in cls.__mro__:
        if klass is Strategy:
            break
        if "library" in vars(klass):
            return str(vars(klass)["library"])
    top = cls.__module__.split(".")[0]
    if top in ("__main__", "builtins"):
        return "unknown"
    dists = _distributions().get(top, [])
    return dists[0] if dists else top


class MultiFidelityStrategy(Strategy):
    """Base class of strategies that choose the fidelity of each evaluation.

    Parameters as :class:`Strategy`, plus ``min_fidelity``: the lowest fidelity the
    strategy may ask (the harness passes the suite's value); ``budget`` is in
    full-evaluation equivalents.
    """

    #: Read by the harness to run the multi-fidelity trial loop.
    multi_fidelity: ClassVar[bool] = True
    #: Parallel workers are not supported for multi-fidelity strategies (yet).
    parallel: ClassVar[str] = "none"

    def __init__(self, space: SearchSpace, seed: int, budget: int, *,
                 min_fidelity: float = 1 / 27, **options: Any) -> None:
        super().__init__(space, seed, budget, **options)
        if not (0.0 < float(min_fidelity) <= 1.0):
            raise ValueError(f"min_fidelity must be in (0, 1], got {min_fidelity!r}")
        self.min_fidelity = float(min_fidelity)

    @abstractmethod
    def ask_at(self) -> tuple[Config, float]:
        """The next configuration and the fidelity in ``[min_fidelity, 1]`` to evaluate it at."""

    @abstractmethod
    def tell_at(self, config: Config, fidelity: float, loss: float) -> None:
        """Report the loss of ``config`` at ``fidelity``; non-finite means it failed."""

    def ask_batch(self, n: int) -> list[Config]:
        raise TypeError(f"{self.name} is a multi-fidelity strategy: parallel workers are "
                        "supported only for full-fidelity strategies")

    def ask(self) -> Config:
        raise TypeError(f"{self.name} is a multi-fidelity strategy: call ask_at(), which "
                        "returns (configuration, fidelity)")

    def tell(self, config: Config, loss: float) -> None:
        """A full-fidelity report (e.g. of the default configuration)."""
        self.tell_at(config, 1.0, loss)


class PenaltyMixin:
    """Turns failed evaluations into a penalty for libraries with no failure state.

    The penalty is the worst finite loss seen so far; before any finite loss, failures
    are not told at all (the library keeps proposing initial points). This keeps the
    surrogate's scale intact, unlike a large constant.
    """

    _worst: float | None = None

    def penalised(self, loss: float) -> float | None:
        if Strategy.failed(loss):
            return self._worst
        self._worst = loss if self._worst is None else max(self._worst, loss)
        return loss
