"""Normalised scores against frozen, per-seed reference points.

For problem ``p``, seed ``s`` (its split, folds and model seed) and budget ``t``::

    score = (R0(p, s, t) - loss) / (R0(p, s, t) - L*(p, s))

separately on validation and on test loss (``loss`` is the incumbent's). 1 = the best loss
known, 0 = random search at the same budget, negative = worse than random search; a score
above 1 beat the reference campaign and is kept, not clipped.

``R0`` comes from an independent *reference sample* of ``N`` random configurations of the
same (problem, protocol, metric, seed), see :mod:`benchmarks.reference`. Sort it by
validation loss, ``v(1) <= ... <= v(N)``. The minimum of a uniformly random ``t``-subset
drawn *without replacement* is the ``i``-th of them with probability::

    w_t(i) = C(N - i, t - 1) / C(N, t)          (0 for i > N - t + 1)

so ``R0_val(t) = sum_i w_t(i) v(i)`` (the U-statistic: Bayesmark's ``expected_min``, opda's
``EmpiricalDistribution(v).u_tuning_curve(t, minimize=True)``). ``R0_test(t)`` is the expected
test loss of the validation-best of the ``t`` draws, where members of a group of tied
validation losses are equally likely to be the chosen one: each tie group contributes its
summed weight times the mean of its test losses. Weights are computed by the recursive
product ``w_t(1) = t / N``, ``w_t(i + 1) = w_t(i) (N - i - t + 1) / (N - i)``: every factor is
at most 1, so nothing overflows for any ``N``.

``L*`` is frozen in the reference table (known optimum of a synthetic function, else the
best of the recorded reference campaign); nothing here depends on any strategy of the run.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tunebench.problems.base import Status

MIN_RANGE = 1e-12
KEYS = ["problem", "seed"]


def min_weights(n: int, t: int) -> np.ndarray:
    """``w_t(i)``, i = 1..n: the chance that the i-th smallest of ``n`` values is the
    minimum of a uniform ``t``-subset drawn without replacement (sums to 1)."""
    if not 1 <= t <= n:
        raise ValueError(f"need 1 <= t <= n, got t={t}, n={n}")
    i = np.arange(1, n)  # ratio w(i+1)/w(i) for i = 1..n-1
    ratios = np.clip((n - i - t + 1) / (n - i), 0.0, None)
    return (t / n) * np.concatenate([[1.0], np.cumprod(ratios)])


def sorted_with_ties(val: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validation losses sorted ascending, and the test loss that goes with each: the mean
    test loss of its tie group of validation losses (see module doc)."""
    val, test = np.asarray(val, float), np.asarray(test, float)
    order = np.argsort(val, kind="stable")
    v, s = val[order], test[order]
    if len(v) == 0:
        return v, s
    starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
    group = np.cumsum(np.r_[True, v[1:] != v[:-1]]) - 1
    sums = np.add.reduceat(s, starts)
    counts = np.diff(np.r_[starts, len(v)])
    return v, (sums / counts)[group]


def expected_best(val: np.ndarray, test: np.ndarray, budgets: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``R0_val(t)`` and ``R0_test(t)`` for each ``t`` in ``budgets`` (see module doc).

    Budgets above the sample size are clipped to it (the sample's best).
    """
    v, s_tied = sorted_with_ties(val, test)
    n = len(v)
    out_v, out_t = np.empty(len(budgets)), np.empty(len(budgets))
    for k, t in enumerate(np.asarray(budgets, int)):
        w = min_weights(n, int(min(max(t, 1), n)))
        out_v[k], out_t[k] = w @ v, w @ s_tied
    return out_v, out_t


def best_known(problem: str, metric: str, optimum: float | None,
               reference: Mapping[str, float]) -> tuple[float, str]:
    """A single ``L*`` for a problem and where it came from (known optimum or a suite's
    ``[reference]``); per-seed values come from the reference table instead."""
    if optimum is not None and np.isfinite(optimum):
        return float(optimum), "known optimum"
    if problem in reference:
        return float(reference[problem]), "suite reference"
    raise ValueError(f"no best-known loss for {problem!r}: build its reference table "
                     "(tunebench reference SUITE)")


def reference_curves(sample: pd.DataFrame, budget: int) -> pd.DataFrame:
    """``R0`` per (problem, seed, trial 0..budget-1) from a reference sample's ok rows."""
    ok = sample[sample["status"] == Status.OK]
    rows = []
    budgets = np.arange(1, budget + 1)
    for (problem, seed), g in ok.groupby(KEYS, sort=True):
        ev, et = expected_best(g["val_loss"].to_numpy(), g["test_loss"].to_numpy(), budgets)
        rows.append(pd.DataFrame({"problem": problem, "seed": seed, "trial": budgets - 1,
                                  "r0_val": ev, "r0_test": et}))
    if not rows:
        return pd.DataFrame(columns=KEYS + ["trial", "r0_val", "r0_test"])
    return pd.concat(rows, ignore_index=True)


def normalised_scores(traj: pd.DataFrame, r0: pd.DataFrame, lstar: pd.DataFrame
                      ) -> pd.DataFrame:
    """Add ``score_val`` and ``score_test`` to an incumbent trajectory (NaN where undefined).

    ``r0``: problem, seed, trial, r0_val, r0_test; ``lstar``: problem, seed, lstar_val,
    lstar_test. A (problem, seed) missing from either gets NaN scores. A trajectory with a
    ``cost_spent`` column (multi-fidelity cells run more, cheaper trials) is compared with
    R0 at the same cost in full-evaluation equivalents, ``ceil(cost_spent)``, not at the
    same trial index; for full-fidelity cells the two are the same.
    """
    step = traj["trial"]
    if "cost_spent" in traj.columns and len(r0):
        last = int(r0["trial"].max())
        step = (np.ceil(traj["cost_spent"].to_numpy() - 1e-9).clip(1, last + 1) - 1).astype(int)
    out = traj.assign(_step=step).merge(
        r0[KEYS + ["trial", "r0_val", "r0_test"]].rename(columns={"trial": "_step"}),
        on=KEYS + ["_step"], how="left").drop(columns="_step")
    out = out.merge(lstar[KEYS + ["lstar_val", "lstar_test"]], on=KEYS, how="left")
    for kind, inc in (("val", "inc_val"), ("test", "inc_test")):
        r, best = out[f"r0_{kind}"], out[f"lstar_{kind}"]
        span = r - best
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"score_{kind}"] = np.where(span > MIN_RANGE, (r - out[inc]) / span, np.nan)
    return out.drop(columns=["r0_val", "r0_test", "lstar_val", "lstar_test"])
