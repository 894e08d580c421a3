"""Normalised scores with frozen reference points (Bayesmark-style, without the drift).

For problem ``p`` and budget ``t``::

    score = (R0(p, t) - loss) / (R0(p, t) - L*(p))

* ``R0(p, t)``: the expected best-so-far of random search after ``t`` evaluations. It is
  computed from the ``random`` strategy's trials alone: pooling its ``n`` evaluations on
  ``p`` and sorting them by ``val_loss``, the chance that the best of ``t`` draws (with
  replacement) is the ``i``-th smallest is ``((n-i+1)/n)^t - ((n-i)/n)^t``; ``R0`` is the
  matching weighted mean of the losses (validation or test loss *of that configuration*).
* ``L*(p)``: the best loss known for ``p``: the known optimum of a synthetic function, the
  suite's ``[reference]`` value, or else the metric's ideal value (0 for every metric of
  :data:`problems.metrics.METRICS`).
Neither reference depends on any strategy other than ``random``, so adding a strategy
never changes another strategy's score. 1 = the best known loss, 0 = random search at
the same budget, negative = worse than random search.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from problems.base import Status
from problems.metrics import METRICS

IDEAL = {name: m.ideal for name, m in METRICS.items()}
REFERENCE_STRATEGY = "random"
MIN_RANGE = 1e-12


def expected_best_of_random(val: np.ndarray, test: np.ndarray, budgets: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Expected val and test loss of the best-by-val of ``t`` uniform draws, for each ``t``."""
    order = np.argsort(val, kind="stable")
    v, s = np.asarray(val, float)[order], np.asarray(test, float)[order]
    n = len(v)
    i = np.arange(1, n + 1)
    t = np.asarray(budgets, float)[:, None]
    w = ((n - i + 1) / n) ** t - ((n - i) / n) ** t  # (budgets, n)
    return w @ v, w @ s


def best_known(problem: str, metric: str, optimum: float | None,
               reference: Mapping[str, float]) -> tuple[float, str]:
    """``L*`` for a problem and where it came from."""
    if optimum is not None and np.isfinite(optimum):
        return float(optimum), "known optimum"
    if problem in reference:
        return float(reference[problem]), "suite reference"
    if metric in IDEAL:
        return IDEAL[metric], f"ideal {metric}"
    raise ValueError(f"no best-known loss for {problem!r}: add it to the suite's [reference]")


def random_reference(trials: pd.DataFrame, budget: int) -> pd.DataFrame:
    """``R0`` per (problem, trial index 0..budget-1) from the ``random`` strategy's trials."""
    ok = trials[(trials["strategy"] == REFERENCE_STRATEGY) & (trials["status"] == Status.OK)]
    rows = []
    budgets = np.arange(1, budget + 1)
    for problem, g in ok.groupby("problem", sort=True):
        ev, et = expected_best_of_random(g["val_loss"].to_numpy(), g["test_loss"].to_numpy(),
                                         budgets)
        rows.append(pd.DataFrame({"problem": problem, "trial": budgets - 1, "r0_val": ev,
                                  "r0_test": et}))
    if not rows:
        return pd.DataFrame(columns=["problem", "trial", "r0_val", "r0_test"])
    return pd.concat(rows, ignore_index=True)


def normalised_scores(traj: pd.DataFrame, ref: pd.DataFrame,
                      best: Mapping[str, float]) -> pd.DataFrame:
    """Add ``score_val`` and ``score_test`` to an incumbent trajectory (NaN where undefined)."""
    out = traj.merge(ref, on=["problem", "trial"], how="left")
    lstar = out["problem"].map(best).astype(float)
    for kind, inc in (("val", "inc_val"), ("test", "inc_test")):
        r0 = out[f"r0_{kind}"]
        span = r0 - lstar
        out[f"score_{kind}"] = np.where(span > MIN_RANGE, (r0 - out[inc]) / span, np.nan)
    return out.drop(columns=["r0_val", "r0_test"])
