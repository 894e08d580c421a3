"""Strategy names -> classes: the built-ins, ``module:Class`` plug-ins and entry points.

A suite names a strategy by a built-in name (``tunebench list strategies``), by an import
path ``"package.module:ClassName"``, or by the name of an entry point in the group
``tunebench.strategies`` of an installed package.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from importlib.metadata import entry_points

from tunebench.strategies.base import Strategy
from tunebench.strategies.hyperopt_adapter import HyperoptAnneal, HyperoptRandom, HyperoptTPE
from tunebench.strategies.nevergrad_adapter import (
    NevergradDE,
    NevergradNGOpt,
    NevergradOnePlusOne,
    NevergradPSO,
)
from tunebench.strategies.optuna_adapter import (
    OptunaCmaEs,
    OptunaGA,
    OptunaGP,
    OptunaQMC,
    OptunaRandom,
    OptunaTPE,
)
from tunebench.strategies.optuna_mf import (
    OptunaRandomHyperband,
    OptunaRandomSH,
    OptunaTPEHyperband,
    OptunaTPESH,
)
from tunebench.strategies.simple import DefaultConfiguration, GridSearch, RandomSearch
from tunebench.strategies.skopt_adapter import SkoptET, SkoptGBRT, SkoptGP, SkoptRF
from tunebench.strategies.smac_mf import SmacHyperband

BUILTINS: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in [
        GridSearch, RandomSearch, DefaultConfiguration,
        OptunaRandom, OptunaQMC, OptunaTPE, OptunaCmaEs, OptunaGA, OptunaGP,
        HyperoptTPE, HyperoptAnneal, HyperoptRandom,
        SkoptGP, SkoptRF, SkoptET, SkoptGBRT,
        OptunaRandomSH, OptunaTPESH, OptunaRandomHyperband, OptunaTPEHyperband,
        NevergradDE, NevergradPSO, NevergradOnePlusOne, NevergradNGOpt,
        SmacHyperband,
    ]
}

#: The built-ins that sample the space uniformly at random: the null check's strategies
#: (their final scores have a known distribution under the reference sample).
RANDOM_SEARCH = (RandomSearch.name, OptunaRandom.name, HyperoptRandom.name)

ENTRY_POINT_GROUP = "tunebench.strategies"


class StrategyNotFound(LookupError):
    """A strategy name that is neither built in, importable nor an entry point."""


def missing_requirement(cls: type[Strategy]) -> str | None:
    """The name of an optional package ``cls`` needs and that is not installed, if any."""
    req = getattr(cls, "requires", None)
    if req and importlib.util.find_spec(req) is None:
        return req
    return None


def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def resolve(name: str) -> type[Strategy]:
    """The strategy class for a suite name; raises :class:`StrategyNotFound` with hints."""
    if name in BUILTINS:
        return BUILTINS[name]
    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise StrategyNotFound(
                f"cannot import plug-in module {module_name!r} for strategy {name!r}: "
                f"{type(exc).__name__}: {exc}. Is it installed or on PYTHONPATH?"
            ) from exc
        cls = getattr(module, attr, None)
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise StrategyNotFound(
                f"{name!r}: {module_name} has no Strategy subclass named {attr!r}"
            )
        return cls
    eps = _entry_points()
    if name in eps:
        cls = eps[name].load()  # type: ignore[attr-defined]
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise StrategyNotFound(f"entry point {name!r} is not a Strategy subclass")
        return cls
    valid = sorted(BUILTINS) + sorted(eps)
    close = difflib.get_close_matches(name, valid, n=3)
    hint = f" Did you mean {close}?" if close else ""
    raise StrategyNotFound(
        f"unknown strategy {name!r}.{hint} Valid: {valid}, or 'package.module:ClassName'."
    )

