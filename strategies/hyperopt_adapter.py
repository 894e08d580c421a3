"""hyperopt algorithms (TPE, annealing) driven one suggestion at a time.

The harness owns the loop, so hyperopt's ``fmin`` is not used. Instead each ``ask`` does
what one step of ``fmin`` does: ``algo(new_ids, domain, trials, seed)`` with the seed
drawn from ``numpy.random.default_rng(seed)``, exactly as ``fmin`` draws it from its
``rstate``. ``tell`` inserts the finished trial document (``STATUS_OK`` with the loss, or
``STATUS_FAIL``, which hyperopt's algorithms ignore) into the ``Trials`` object.

Parallel workers (``parallel = "native"``): :meth:`HyperoptStrategy.ask_batch` does what
``fmin`` does with a queue (``max_queue_len`` > 1, or asynchronous ``MongoTrials``
workers): each new trial document is inserted into ``Trials`` as pending (state NEW) before
the next is suggested, and completed in place when its loss is told. hyperopt's TPE
counts a pending document as an infinite loss (its own rule for "new/running/failed
jobs"), so later suggestions avoid it; ``rand`` and ``anneal`` draw each independently.
Conditional spaces are ``native``: a parent dimension becomes an ``hp.choice`` over its
values (an integer parent too: uniformly over its integers) whose branches hold the
children active for that value, nested as deep as the conditions go, exactly as
hyperopt's documentation writes conditional spaces. hyperopt needs a distinct label per
branch, so a child's label carries its path (``gamma|kernel=1`` is ``gamma`` under the
second kernel); TPE models each branch's copy on the trials that took that branch.
A flat space gets exactly the flat dictionary it always had.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hyperopt import STATUS_FAIL, STATUS_OK, Domain, Trials, anneal, hp, rand, tpe
from hyperopt.base import JOB_STATE_DONE

from tunebench.problems.space import Categorical, Config, Float, Int, SearchSpace
from tunebench.strategies.base import Strategy
from tunebench.strategies.citations import cite


def to_hyperopt(space: SearchSpace) -> dict[str, Any]:
    """hyperopt expressions for a search space.

    Integers are ``quniform``/``qloguniform`` over ``[low - 0.5, high + 0.5]`` with step 1,
    so every integer (bounds included) gets an equal share; categoricals are ``hp.choice``.
    """
    out: dict[str, Any] = {}
    for d in space:
        if isinstance(d, Float):
            out[d.name] = (hp.loguniform(d.name, math.log(d.low), math.log(d.high)) if d.log
                           else hp.uniform(d.name, d.low, d.high))
        elif isinstance(d, Int):
            out[d.name] = (hp.qloguniform(d.name, math.log(d.low - 0.5), math.log(d.high + 0.5), 1)
                           if d.log else hp.quniform(d.name, d.low - 0.5, d.high + 0.5, 1))
        elif isinstance(d, Categorical):
            out[d.name] = hp.choice(d.name, list(d.choices))
    return out


def _leaf(d: Float | Int | Categorical, label: str) -> Any:
    """The hyperopt expression of one dimension under ``label`` (as in :func:`to_hyperopt`)."""
    if isinstance(d, Float):
        return (hp.loguniform(label, math.log(d.low), math.log(d.high)) if d.log
                else hp.uniform(label, d.low, d.high))
    if isinstance(d, Int):
        return (hp.qloguniform(label, math.log(d.low - 0.5), math.log(d.high + 0.5), 1)
                if d.log else hp.quniform(label, d.low - 0.5, d.high + 0.5, 1))
    return hp.choice(label, list(d.choices))


def parent_values(d: Float | Int | Categorical) -> list[Any]:
    """The values a parent dimension branches over (its choices, or its integers)."""
    return list(d.choices) if isinstance(d, Categorical) else list(range(d.low, d.high + 1))


def branch_label(name: str, path: tuple[tuple[str, int], ...]) -> str:
    """hyperopt's label of dimension ``name`` under the branches ``path`` (parent, index)."""
    return name + "".join(f"|{p}={i}" for p, i in path)


def to_hyperopt_tree(space: SearchSpace) -> dict[str, Any]:
    """Nested ``hp.choice`` expressions for a conditional space (see the module doc)."""

    def level(dims: tuple[Any, ...], path: tuple[tuple[str, int], ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for d in dims:
            label = branch_label(d.name, path)
            kids = space.children_of(d.name)
            if not kids:
                out[label] = _leaf(d, label)
                continue
            branches = []
            for i, v in enumerate(parent_values(d)):
                active = tuple(k for k in kids if space.condition_of(k.name).holds(v))
                branches.append(level(active, (*path, (d.name, i))))
            out[label] = hp.choice(label, branches)
        return out

    top = tuple(d for d in space if space.condition_of(d.name) is None)
    return level(top, ())


def _no_objective(_: Any) -> float:
    raise RuntimeError("the tunebench harness evaluates configurations, not hyperopt")


class HyperoptStrategy(Strategy):
    """Base class; subclasses set ``algo``."""

    library = "hyperopt"
    parallel = "native"
    conditional = "native"
    algo: Any = None

    def __init__(self, space: SearchSpace, seed: int, budget: int) -> None:
        super().__init__(space, seed, budget)
        expr = to_hyperopt_tree(space) if space.is_conditional else to_hyperopt(space)
        self.domain = Domain(_no_objective, expr)
        self.trials = Trials()
        self.rstate = np.random.default_rng(self.seed)
        self._pending: list[tuple[Config, dict[str, Any]]] = []
        self._inserted: set[int] = set()

    def _labels(self, config: Config) -> dict[str, str]:
        """Each active dimension's hyperopt label, given the parent values in ``config``
        (which may hold only the parents decoded so far)."""
        labels: dict[str, str] = {}
        paths: dict[str, tuple[tuple[str, int], ...]] = {}
        for d in self.space:
            c = self.space.condition_of(d.name)
            if c is None:
                paths[d.name] = ()
            elif c.parent in paths and c.parent in config and c.holds(config[c.parent]):
                parent = self.space[c.parent]
                i = parent_values(parent).index(config[c.parent])
                paths[d.name] = (*paths[c.parent], (c.parent, i))
            else:
                continue
            labels[d.name] = branch_label(d.name, paths[d.name])
        return labels

    def _decode(self, vals: dict[str, list[Any]]) -> Config:
        config: Config = {}
        for d in self.space:
            label = self._labels(config).get(d.name) if self.space.is_conditional else d.name
            if label is None or not vals.get(label):
                continue
            v = vals[label][0]
            if self.space.children_of(d.name) and isinstance(d, Int):
                config[d.name] = parent_values(d)[int(v)]
            elif isinstance(d, Float):
                config[d.name] = float(min(max(float(v), d.low), d.high))
            elif isinstance(d, Int):
                config[d.name] = int(min(max(int(round(float(v))), d.low), d.high))
            else:
                config[d.name] = d.choices[int(v)]
        return config

    def _encode(self, config: Config) -> dict[str, list[Any]]:
        if not self.space.is_conditional:
            return {d.name: [d.index(config[d.name]) if isinstance(d, Categorical)
                             else config[d.name]] for d in self.space}
        labels = self._labels(config)
        vals: dict[str, list[Any]] = {label: [] for label in self.domain.params}
        for name, label in labels.items():
            d = self.space[name]
            vals[label] = [parent_values(d).index(config[name])
                           if isinstance(d, Categorical) or self.space.children_of(name)
                           else config[name]]
        return vals

    def ask_batch(self, n: int) -> list[Config]:
        """``n`` suggestions, each inserted as a pending document before the next."""
        if int(n) < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        out = []
        for _ in range(int(n)):
            config = self.ask()
            tid = self._pending[-1][1]["tid"]
            self.trials.insert_trial_docs([self._pending[-1][1]])  # pending, state NEW
            self.trials.refresh()
            stored = next(d for d in self.trials.trials if d["tid"] == tid)  # a SONified copy
            self._pending[-1] = (config, stored)
            self._inserted.add(tid)
            out.append(config)
        return out

    def ask(self) -> Config:
        new_ids = self.trials.new_trial_ids(1)
        self.trials.refresh()
        docs = type(self).algo(new_ids, self.domain, self.trials,
                               self.rstate.integers(2**31 - 1))
        doc = docs[0]
        config = self._decode(doc["misc"]["vals"])
        self._pending.append((config, doc))
        return config

    def tell(self, config: Config, loss: float) -> None:
        config = self.space.canonical(config)
        doc = None
        for i, (c, d) in enumerate(self._pending):
            if c == config:
                doc = d
                del self._pending[i]
                break
        if doc is None:  # not asked: build the document hyperopt would have made
            tid = self.trials.new_trial_ids(1)[0]
            vals = self._encode(config)
            doc = self.trials.new_trial_docs(
                [tid], [None], [{"status": "new"}],
                [{"tid": tid, "cmd": self.domain.cmd, "workdir": None,
                  "idxs": {k: [tid] if v else [] for k, v in vals.items()}, "vals": vals}],
            )[0]
        inserted = doc["tid"] in self._inserted  # already in Trials as pending (ask_batch)
        self._inserted.discard(doc["tid"])
        doc["state"] = JOB_STATE_DONE
        doc["result"] = ({"status": STATUS_FAIL} if self.failed(loss)
                         else {"status": STATUS_OK, "loss": float(loss)})
        if not inserted:
            self.trials.insert_trial_docs([doc])
        self.trials.refresh()


class HyperoptTPE(HyperoptStrategy):
    """hyperopt's ``tpe.suggest`` (hyperopt's defaults: 20 random startup trials)."""

    name = "hyperopt-tpe"
    family = "model-based"
    citation = cite("bergstra2011tpe")
    algo = staticmethod(tpe.suggest)


class HyperoptAnneal(HyperoptStrategy):
    """hyperopt's ``anneal.suggest`` (simulated-annealing-like local search)."""

    name = "hyperopt-anneal"
    family = "evolutionary"
    citation = cite("kirkpatrick1983annealing")
    algo = staticmethod(anneal.suggest)


class HyperoptRandom(HyperoptStrategy):
    """hyperopt's ``rand.suggest``."""

    name = "hyperopt-random"
    family = "random-like"
    citation = cite("bergstra2012random")
    algo = staticmethod(rand.suggest)
