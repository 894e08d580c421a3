"""optuna samplers behind the ask/tell contract.

Each strategy owns an in-memory :class:`optuna.Study` with one sampler and drives it
through optuna's own ask-and-tell interface (``study.ask()``, ``trial.suggest_*`` for each
dimension, ``study.tell``), exactly as a user's define-by-run objective would. Failed evaluations are told as ``TrialState.FAIL``, which optuna's
samplers skip. A configuration the strategy did not ask for (the default
configuration, when a suite starts every strategy from it) is added with
``study.add_trial``.

Parallel workers (``parallel = "native"``): :meth:`Strategy.ask_batch` is several
``study.ask()`` before any ``study.tell``, so the earlier trials are RUNNING while the next
is sampled, as with optuna's own ``n_jobs`` or distributed workers. Each sampler uses that
its own way: TPE is built with ``constant_liar=True`` when the harness runs it with more
than one worker (RUNNING trials count as the worst loss); CMA-ES samples a generation's
individuals from the same distribution, its population raised to the number of workers
when that is larger than its default; the GA's population is at least the number of
workers; the GP sampler conditions on RUNNING trials; random and QMC are independent.
Conditional spaces: random search and TPE are ``native``: the ask is define-by-run and
suggests only the parameters active for the values already suggested, as a user's
objective with ``if kernel == "poly": trial.suggest_int("degree", ...)`` would, and TPE
(univariate) models each parameter on the trials where it was active. QMC, CMA-ES, the GA
and the GP are ``flattened`` (:mod:`strategies.flatten`): their samplers model one fixed
("relative") search space and hand every parameter outside the intersection of the
trials' spaces to a random independent sampler, so under define-by-run a conditional
parameter would never be modelled at all. On the box they model every numeric dimension;
as on flat spaces, CMA-ES and the GP still leave categorical dimensions (e.g. the kernel)
to optuna's independent (random) sampler and the GA to its own crossover/mutation.
"""

from __future__ import annotations

import inspect
import math
import warnings
from abc import abstractmethod
from typing import Any, ClassVar

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState, create_trial

from tunebench.problems.space import Categorical, Config, Float, Int, SearchSpace
from tunebench.strategies.base import Strategy
from tunebench.strategies.citations import cite
from tunebench.strategies.flatten import NATIVE, BoxTranslation


def to_optuna(space: SearchSpace) -> dict[str, BaseDistribution]:
    """optuna distributions for a search space (log scales and integers kept)."""
    out: dict[str, BaseDistribution] = {}
    for d in space:
        if isinstance(d, Float):
            out[d.name] = FloatDistribution(d.low, d.high, log=d.log)
        elif isinstance(d, Int):
            out[d.name] = IntDistribution(d.low, d.high, log=d.log)
        elif isinstance(d, Categorical):
            out[d.name] = CategoricalDistribution(d.choices)
    return out


def suggest_active(trial: optuna.Trial, space: SearchSpace) -> Config:
    """Define-by-run: suggest each dimension active for the values suggested before it."""
    config: Config = {}
    for d in space:
        c = space.condition_of(d.name)
        if c is None or (c.parent in config and c.holds(config[c.parent])):
            config[d.name] = _suggest(trial, d)
    return space.canonical(config)


def _suggest(trial: optuna.Trial, d: Float | Int | Categorical) -> Any:
    """One value through optuna's own ``suggest_*`` API, as a user's objective would."""
    if isinstance(d, Float):
        return trial.suggest_float(d.name, d.low, d.high, log=d.log)
    if isinstance(d, Int):
        return trial.suggest_int(d.name, d.low, d.high, log=d.log)
    return trial.suggest_categorical(d.name, d.choices)


class OptunaStrategy(Strategy):
    """Base class: subclasses say which sampler to build in :meth:`make_sampler`."""

    library = "optuna"
    parallel = "native"
    conditional = "flattened"

    def __init__(self, space: SearchSpace, seed: int, budget: int, **options: Any) -> None:
        super().__init__(space, seed, budget)
        self.options = options
        self.flat = BoxTranslation(space)
        self.distributions = to_optuna(space)
        unknown = sorted(set(options) - set(self.accepted_options() or ()))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown options {unknown}; "
                            f"valid: {self.accepted_options()}")
        self.study = optuna.create_study(sampler=self.make_sampler(**options),
                                         direction="minimize")
        self._pending: dict[tuple[Any, ...], list[optuna.Trial]] = {}

    @classmethod
    def accepted_options(cls) -> list[str]:
        params = inspect.signature(cls.make_sampler).parameters
        return sorted(k for k in params if k != "self")

    @abstractmethod
    def make_sampler(self, **options: Any) -> optuna.samplers.BaseSampler:
        """The optuna sampler, built from ``self.seed`` and the strategy's options."""

    def _key(self, config: Config) -> tuple[Any, ...]:
        return tuple(config.get(n) for n in self.space.names)

    def ask(self) -> Config:
        trial = self.study.ask()
        if self.conditional == NATIVE:
            config = suggest_active(trial, self.space)
        else:
            config = self.flat.box.canonical({d.name: _suggest(trial, d) for d in self.space})
        self._pending.setdefault(self._key(config), []).append(trial)
        return config if self.conditional == NATIVE else self.flat.reduce(config)

    def tell(self, config: Config, loss: float) -> None:
        config = self.space.canonical(config)
        if self.conditional != NATIVE:
            config = self.flat.expand(config)
        pending = self._pending.get(self._key(config))
        failed = self.failed(loss)
        if pending:
            trial = pending.pop(0)
            if failed:
                self.study.tell(trial, state=TrialState.FAIL)
            else:
                self.study.tell(trial, float(loss))
            return
        self.study.add_trial(create_trial(
            params=config, distributions={k: self.distributions[k] for k in config},
            value=None if failed else float(loss),
            state=TrialState.FAIL if failed else TrialState.COMPLETE,
        ))


class OptunaRandom(OptunaStrategy):
    """optuna's ``RandomSampler``."""

    name = "optuna-random"
    family = "random-like"
    conditional = "native"
    citation = cite("bergstra2012random")

    def make_sampler(self) -> optuna.samplers.BaseSampler:
        return optuna.samplers.RandomSampler(seed=self.seed)


class OptunaQMC(OptunaStrategy):
    """optuna's ``QMCSampler`` with a scrambled Sobol' sequence."""

    name = "optuna-qmc"
    family = "random-like"
    citation = cite("sobol1967", "owen1998scrambling")

    def make_sampler(self) -> optuna.samplers.BaseSampler:
        with warnings.catch_warnings():
            # "QMCSampler is experimental": true, known, and not the user's concern per cell.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=self.seed,
                                              warn_independent_sampling=False)


class OptunaTPE(OptunaStrategy):
    """optuna's ``TPESampler`` (multivariate off, optuna's defaults)."""

    name = "optuna-tpe"
    family = "model-based"
    conditional = "native"
    citation = cite("bergstra2011tpe")

    def make_sampler(self, workers: int = 1) -> optuna.samplers.BaseSampler:
        """``workers`` > 1 (set by the harness in parallel suites): ``constant_liar=True``."""
        return optuna.samplers.TPESampler(seed=self.seed, constant_liar=int(workers) > 1)


class OptunaCmaEs(OptunaStrategy):
    """optuna's ``CmaEsSampler`` (needs the ``cmaes`` package).

    CMA-ES handles numeric dimensions; optuna samples categorical ones with its
    independent (random) sampler, as documented by optuna.
    """

    name = "optuna-cmaes"
    family = "evolutionary"
    citation = cite("hansen2016cma", "hansen2001cma")

    def make_sampler(self, workers: int = 1) -> optuna.samplers.BaseSampler:
        """``workers`` (set by the harness in parallel suites): the population is at least
        the number of workers, so one round's proposals are one generation's individuals."""
        import cmaes  # noqa: F401  -- fail here, with a clear ImportError, not at trial 1

        n_numeric = sum(not isinstance(d, Categorical) for d in self.space)
        default = 4 + int(math.floor(3 * math.log(max(1, n_numeric))))  # cmaes' own default
        popsize = int(workers) if int(workers) > default else None
        return optuna.samplers.CmaEsSampler(seed=self.seed, warn_independent_sampling=False,
                                            popsize=popsize)


def ga_population(budget: int) -> int:
    """NSGA-II population for a budget: about five generations, between 4 and 50.

    optuna's default of 50 makes any budget under 50 pure random sampling (the first
    generation is random), so the population is sized so the GA evolves for about five
    generations: ``clip(budget // 5, 4, 50)``, 10 at a budget of 50.
    """
    return int(min(50, max(4, budget // 5)))


class OptunaGA(OptunaStrategy):
    """optuna's ``NSGAIISampler`` as a single-objective genetic algorithm.

    Population size: :func:`ga_population` of the budget (at least the number of workers
    in a parallel suite), or the ``population_size`` option.
    """

    name = "optuna-ga"
    family = "evolutionary"
    citation = cite("deb2002nsga2")

    def make_sampler(self, population_size: int | None = None,
                     workers: int = 1) -> optuna.samplers.BaseSampler:
        pop = population_size or max(ga_population(self.budget), int(workers))
        self.population_size = pop
        return optuna.samplers.NSGAIISampler(population_size=pop, seed=self.seed)


class OptunaGP(OptunaStrategy):
    """optuna's ``GPSampler`` (Gaussian-process BO); needs the optional ``torch``."""

    name = "optuna-gp"
    family = "model-based"
    citation = cite("snoek2012practical", "jones1998ego")
    requires: ClassVar[str] = "torch"

    def make_sampler(self) -> optuna.samplers.BaseSampler:
        try:
            import torch  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "optuna-gp needs torch: install the 'gp' extra "
                "(pip install 'tunebench[gp]'; a CPU build of torch is enough)"
            ) from exc
        return optuna.samplers.GPSampler(seed=self.seed)
