"""One test per scikit-optimize breakage fixed by strategies.skopt_compat."""

from __future__ import annotations

import numpy as np
import sklearn.base

from tunebench.strategies import skopt_compat


def _drive(base_estimator: str) -> None:
    from skopt import Optimizer

    opt = Optimizer([(0.0, 1.0), (1, 5)], base_estimator=base_estimator, random_state=0,
                    n_initial_points=3)
    for _ in range(5):
        x = opt.ask()
        opt.tell(x, float(x[0] ** 2 + x[1]))


def test_a_in1d_alias_is_private_to_skopt_gbrt():
    import skopt.learning.gbrt as gbrt

    if not hasattr(np, "in1d"):
        assert "a" in skopt_compat.APPLIED
        assert gbrt.np.in1d is np.isin
        assert not hasattr(np, "in1d")  # numpy itself is untouched
    # GradientBoostingQuantileRegressor.predict(return_quantiles=False) uses np.in1d
    reg = gbrt.GradientBoostingQuantileRegressor(random_state=0)
    X = np.random.default_rng(0).random((30, 2))
    reg.fit(X, X[:, 0])
    assert reg.predict(X[:3]).shape == (3,)


def test_b_gbrt_surrogate_is_a_regressor():
    import skopt.learning.gbrt as gbrt

    assert sklearn.base.is_regressor(gbrt.GradientBoostingQuantileRegressor())
    _drive("GBRT")


def test_c_dummy_estimator_works():
    _drive("dummy")


def test_apply_is_idempotent():
    before = list(skopt_compat.APPLIED)
    skopt_compat.apply()
    assert skopt_compat.APPLIED == before
