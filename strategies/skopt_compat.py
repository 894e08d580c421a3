"""Fixes for scikit-optimize 0.10.2 on numpy >= 2.4 and scikit-learn >= 1.6, applied on import.

scikit-optimize's last release (0.10.2) predates these versions; rather than hold numpy
and scikit-learn back, this module patches exactly three breakages, each narrowly:

(a) ``skopt/learning/gbrt.py`` calls ``np.in1d``, removed in numpy 2.4. The module's ``np``
    name is replaced by a proxy of numpy that adds ``in1d = numpy.isin``; numpy itself is
    not touched.
(b) With scikit-learn >= 1.6 estimator tags, ``GradientBoostingQuantileRegressor`` (bases
    ``BaseEstimator, RegressorMixin`` in that order) is not seen as a regressor, so
    ``Optimizer(base_estimator="GBRT")`` fails with "has to be a regressor". The class gets a
    ``__sklearn_tags__`` that declares it a regressor.
(c) With scikit-learn >= 1.8, ``is_regressor(None)`` raises, which breaks
    ``base_estimator="dummy"`` (random sampling). The ``is_regressor`` name used by
    ``skopt.optimizer.optimizer`` becomes a None-safe wrapper.

Each fix checks whether it is still needed and does nothing otherwise, and
``tests/test_skopt_compat.py`` has one test per breakage. Remove this module when a
scikit-optimize release fixes them upstream.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import sklearn.base

APPLIED: list[str] = []


class _NumpyWithIn1d(types.ModuleType):
    """numpy, plus ``in1d`` as an alias of ``isin``, for one module's private use."""

    def __init__(self) -> None:
        super().__init__("numpy")

    def __getattr__(self, name: str) -> Any:
        if name == "in1d":
            return np.isin
        return getattr(np, name)


def apply() -> list[str]:
    """Apply the fixes still needed; return their letters. Idempotent."""
    import skopt.learning.gbrt as gbrt
    import skopt.optimizer.optimizer as optimizer_mod

    if not hasattr(np, "in1d") and not isinstance(gbrt.np, _NumpyWithIn1d):
        gbrt.np = _NumpyWithIn1d()
        APPLIED.append("a")

    cls = gbrt.GradientBoostingQuantileRegressor
    if not sklearn.base.is_regressor(cls()) and "__sklearn_tags__" not in cls.__dict__:

        def __sklearn_tags__(self: Any) -> Any:
            tags = super(cls, self).__sklearn_tags__()
            tags.estimator_type = "regressor"
            return tags

        cls.__sklearn_tags__ = __sklearn_tags__
        APPLIED.append("b")

    try:
        sklearn.base.is_regressor(None)
    except AttributeError:
        if not getattr(optimizer_mod.is_regressor, "_tunebench_safe", False):
            def is_regressor(estimator: Any) -> bool:
                return estimator is not None and sklearn.base.is_regressor(estimator)

            is_regressor._tunebench_safe = True  # type: ignore[attr-defined]
            optimizer_mod.is_regressor = is_regressor
            APPLIED.append("c")
    return list(APPLIED)


apply()
