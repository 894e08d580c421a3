"""Your own model family, without a fork: :class:`Model` and ``module:Attribute-dataset`` names.

A user module defines a :class:`Model` at module level::

    # my_models.py
    from sklearn.linear_model import SGDClassifier
    from tunebench import Float, Model, SearchSpace

    def build(config, task, random_state):
        return SGDClassifier(alpha=config["alpha"], random_state=random_state)

    SGD = Model("sgd", tasks=("classification",), build=build,
                space=SearchSpace((Float("alpha", 1e-6, 1e-1, log=True),)),
                defaults={"alpha": 1e-4})

and a suite names the problem ``"my_models:SGD-wine"`` (module ``my_models``, attribute
``SGD``, any catalogue dataset) or ``"my_models:SGD-csv:/data/x.csv:label"``. Every
process that runs a cell imports the module itself (worker processes and Dask workers
too), so it must be importable there: on ``PYTHONPATH``, installed, or in the current
directory of the ``tunebench`` command.
"""

from __future__ import annotations

import importlib
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sklearn.base import BaseEstimator

from tunebench.problems.models import ModelSpec
from tunebench.problems.space import SearchSpace

#: ``package.module:Attribute-<dataset>``; an attribute is a Python name, so the first
#: ``-`` after it starts the dataset (which may itself contain ``:``, as csv specs do).
PLUGIN_PROBLEM = re.compile(
    r"^(?P<module>[A-Za-z_][\w.]*):(?P<attr>[A-Za-z_]\w*)-(?P<dataset>.+)$")

TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Model:
    """A model family a suite can tune: what it builds, over which space, for which tasks.

    ``build(config, task, random_state)`` returns an unfitted scikit-learn estimator for
    one configuration; it must be a module-level function (worker processes import it).
    ``defaults`` is the library-default configuration (inside ``space``); ``metrics``, if
    given, names the metrics the model supports (e.g. ``("1-accuracy", "log-loss")``).
    """

    name: str
    tasks: tuple[str, ...]
    build: Callable[[Mapping[str, Any], str, int], BaseEstimator]
    space: SearchSpace
    defaults: Mapping[str, Any] = field(default_factory=dict)
    metrics: tuple[str, ...] = ()
    source: str = "user-supplied model"
    cost: float = 1.0

    def __post_init__(self) -> None:
        bad = [t for t in self.tasks if t not in TASKS]
        if not self.tasks or bad:
            raise ValueError(f"Model {self.name!r}: tasks must be a non-empty subset of "
                             f"{TASKS}, got {self.tasks!r}")
        if not isinstance(self.space, SearchSpace):
            raise TypeError(f"Model {self.name!r}: space must be a SearchSpace")
        if not callable(self.build):
            raise TypeError(f"Model {self.name!r}: build must be a function "
                            "(config, task, random_state) -> estimator")
        if self.defaults:
            try:
                self.space.validate(self.defaults)
            except ValueError as exc:
                raise ValueError(f"Model {self.name!r}: defaults outside the space: "
                                 f"{exc}") from exc


@dataclass(frozen=True)
class _Builder:
    """Adapts ``Model.build(config, task, rs)`` to the catalogue's ``(task, config, rs)``."""

    build: Callable[[Mapping[str, Any], str, int], BaseEstimator]

    def __call__(self, task: str, config: Mapping[str, Any], rs: int) -> BaseEstimator:
        return self.build(config, task, rs)


@dataclass(frozen=True)
class PluginModelSpec(ModelSpec):
    """A catalogue model spec made from a user's :class:`Model`, with its fingerprint."""

    fingerprint: Mapping[str, Any] = field(default_factory=dict)
    metrics: tuple[str, ...] = ()


def fingerprint(module: str, attr: str, model: Model) -> dict[str, Any]:
    """What identifies a plug-in model in a run's manifest."""
    return {"module": module, "attribute": attr, "name": model.name, "tasks": list(model.tasks),
            "space": [repr(d) for d in model.space], "defaults": dict(model.defaults),
            "metrics": list(model.metrics),
            "build": f"{getattr(model.build, '__module__', '?')}:"
                     f"{getattr(model.build, '__qualname__', repr(model.build))}"}


def load_model(module: str, attr: str) -> PluginModelSpec:
    """Import ``module`` and return its :class:`Model` ``attr`` as a catalogue spec."""
    try:
        mod = importlib.import_module(module)
    except Exception as exc:
        raise ValueError(
            f"cannot import the plug-in model module {module!r} on host "
            f"{socket.gethostname()}: {type(exc).__name__}: {exc}. Every process that runs "
            "cells imports it: put its folder on PYTHONPATH (of the Dask workers too) or "
            "install it.") from exc
    model = getattr(mod, attr, None)
    if not isinstance(model, Model):
        raise ValueError(f"{module}:{attr} is not a tunebench Model (found "
                         f"{type(model).__name__}); define `{attr} = tunebench.Model(...)` "
                         f"at module level in {module}")
    return PluginModelSpec(
        name=f"{module}:{attr}", tasks=tuple(model.tasks), space=model.space,
        defaults=dict(model.defaults), build=_Builder(model.build), source=model.source,
        cost=model.cost, fingerprint=fingerprint(module, attr, model),
        metrics=tuple(model.metrics))
