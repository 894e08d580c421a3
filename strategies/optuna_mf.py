"""optuna's successive-halving and Hyperband pruners as multi-fidelity strategies.

Each strategy drives one in-memory :class:`optuna.Study` with a sampler (random or TPE)
and a pruner (``SuccessiveHalvingPruner`` or ``HyperbandPruner``) exactly as a user's
pruned objective would: ``study.ask()``, ``trial.suggest_*``, then for each rung
``trial.report(loss, step)`` and ``trial.should_prune()``; a pruned trial is told
``TrialState.PRUNED``, a trial that reaches the last step is told its loss. TPE with
Hyperband is optuna's closest relative of BOHB.

Fidelity <-> optuna step: with reduction factor ``eta`` and ``min_fidelity``, the maximum
resource is ``R = eta ** k`` with ``k = round(log_eta(1 / min_fidelity))`` and step ``s``
is fidelity ``s / R``. A trial is evaluated only at its rungs, the steps where its
pruner decides: ``eta ** j`` from its first rung to ``R``. Successive halving's first rung
is step 1; Hyperband's is ``eta ** b`` for the trial's bracket ``b``, read from the
pruner (``HyperbandPruner._get_bracket_id``; optuna has no public accessor), so trials
in the top bracket are plain full evaluations, as in the Hyperband paper. optuna's
pruners are asynchronous (ASHA-style): a trial is promoted when its loss is in the best
``1 / eta`` of the trials that reached the same rung so far.

Each rung is a fresh evaluation at that fidelity and is charged in full by the harness (as
CARP-S counts ``fidelity / max_fidelity`` per evaluation); nothing is resumed.

Conditional spaces are ``native``: the ask is define-by-run (only the active parameters
are suggested), as for ``optuna-random`` and ``optuna-tpe``.
"""

from __future__ import annotations

import math

import optuna
from optuna.trial import TrialState, create_trial

from tunebench.problems.space import Config, SearchSpace
from tunebench.strategies.base import MultiFidelityStrategy
from tunebench.strategies.citations import cite
from tunebench.strategies.optuna_adapter import suggest_active, to_optuna


def max_resource(min_fidelity: float, eta: int) -> int:
    """``R = eta ** k`` with ``k = round(log_eta(1 / min_fidelity))`` and ``k >= 1``."""
    k = max(1, round(math.log(1.0 / min_fidelity) / math.log(eta)))
    return int(eta**k)


class OptunaPruned(MultiFidelityStrategy):
    """Base class: subclasses name the sampler and the pruner."""

    library = "optuna"
    conditional = "native"
    sampler_name: str = "random"
    pruner_name: str = "sh"

    def __init__(self, space: SearchSpace, seed: int, budget: int, *,
                 min_fidelity: float = 1 / 27, reduction_factor: int = 3) -> None:
        super().__init__(space, seed, budget, min_fidelity=min_fidelity)
        if int(reduction_factor) < 2:
            raise ValueError(f"reduction_factor must be >= 2, got {reduction_factor}")
        self.eta = int(reduction_factor)
        self.R = max_resource(self.min_fidelity, self.eta)
        self.distributions = to_optuna(space)
        sampler: optuna.samplers.BaseSampler = (
            optuna.samplers.TPESampler(seed=self.seed) if self.sampler_name == "tpe"
            else optuna.samplers.RandomSampler(seed=self.seed))
        if self.pruner_name == "hyperband":
            self.pruner: optuna.pruners.BasePruner = optuna.pruners.HyperbandPruner(
                min_resource=1, max_resource=self.R, reduction_factor=self.eta)
        else:
            self.pruner = optuna.pruners.SuccessiveHalvingPruner(
                min_resource=1, reduction_factor=self.eta, min_early_stopping_rate=0)
        # A fixed study name: Hyperband assigns brackets by hashing it with trial numbers.
        self.study = optuna.create_study(study_name=f"tunebench-{self.seed}", sampler=sampler,
                                         pruner=self.pruner, direction="minimize")
        self._trial: optuna.Trial | None = None
        self._config: Config | None = None
        self._steps: list[int] = []

    def _rungs(self, trial: optuna.Trial) -> list[int]:
        """Steps at which ``trial`` is evaluated: its bracket's rungs up to ``R``."""
        first = 0
        if isinstance(self.pruner, optuna.pruners.HyperbandPruner):
            if not self.pruner._pruners:
                self.pruner._try_initialization(self.study)
            frozen = self.study._storage.get_trial(trial._trial_id)
            first = self.pruner._get_bracket_id(self.study, frozen)
        steps, j = [], first
        while self.eta**j < self.R:
            steps.append(self.eta**j)
            j += 1
        return steps + [self.R]

    def ask_at(self) -> tuple[Config, float]:
        if self._trial is None:
            trial = self.study.ask()
            self._config = suggest_active(trial, self.space)
            self._trial, self._steps = trial, self._rungs(trial)
        assert self._config is not None
        return dict(self._config), self._steps[0] / self.R

    def tell_at(self, config: Config, fidelity: float, loss: float) -> None:
        config = self.space.canonical(config)
        trial = self._trial
        if trial is None or config != self._config or not self._steps:
            self._add(config, fidelity, loss)
            return
        step = self._steps.pop(0)
        if self.failed(loss):
            self.study.tell(trial, state=TrialState.FAIL)
        elif step >= self.R:
            self.study.tell(trial, float(loss))
        else:
            trial.report(float(loss), step)
            if not trial.should_prune():
                return
            self.study.tell(trial, state=TrialState.PRUNED)
        self._trial, self._config, self._steps = None, None, []

    def _add(self, config: Config, fidelity: float, loss: float) -> None:
        """A configuration the strategy did not ask for (the default one), as a finished
        trial at its step (complete at the full fidelity, pruned below it)."""
        step = max(1, min(self.R, round(fidelity * self.R)))
        failed = self.failed(loss)
        state = (TrialState.FAIL if failed else
                 TrialState.COMPLETE if step >= self.R else TrialState.PRUNED)
        self.study.add_trial(create_trial(
            params=config, distributions={k: self.distributions[k] for k in config},
            state=state,
            value=float(loss) if state == TrialState.COMPLETE else None,
            intermediate_values={} if failed else {step: float(loss)},
        ))

    @classmethod
    def accepted_options(cls) -> list[str]:
        return ["min_fidelity", "reduction_factor"]


class OptunaRandomSH(OptunaPruned):
    """optuna ``RandomSampler`` + ``SuccessiveHalvingPruner`` (asynchronous SH)."""

    name = "optuna-random-successive-halving"
    family = "random-like"
    citation = cite("jamieson2016sh", "bergstra2012random")
    sampler_name, pruner_name = "random", "sh"


class OptunaTPESH(OptunaPruned):
    """optuna ``TPESampler`` + ``SuccessiveHalvingPruner``."""

    name = "optuna-tpe-successive-halving"
    family = "model-based"
    citation = cite("jamieson2016sh", "bergstra2011tpe")
    sampler_name, pruner_name = "tpe", "sh"


class OptunaRandomHyperband(OptunaPruned):
    """optuna ``RandomSampler`` + ``HyperbandPruner`` (Hyperband)."""

    name = "optuna-random-hyperband"
    family = "random-like"
    citation = cite("li2018hyperband", "bergstra2012random")
    sampler_name, pruner_name = "random", "hyperband"


class OptunaTPEHyperband(OptunaPruned):
    """optuna ``TPESampler`` + ``HyperbandPruner`` (close to BOHB)."""

    name = "optuna-tpe-hyperband"
    family = "model-based"
    citation = cite("li2018hyperband", "bergstra2011tpe", "falkner2018bohb")
    sampler_name, pruner_name = "tpe", "hyperband"
