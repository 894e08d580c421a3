"""The null check: random search scored against the reference should score 0.

Each random-search strategy's final normalised scores have expected value 0 on validation
and test when the reference sample matches the run's objectives (same problems, splits,
folds, model seeds and search spaces). The score is heavy-tailed (bounded by 1 above, not
below) and ``R0`` is itself estimated from ``N`` configurations, so a bootstrap interval of
the mean is far too narrow with few seeds, and a mean well below 0 is common.

The check is therefore a **permutation test of exchangeability**: under the null the
``t`` configurations random search evaluated in a cell and the ``N`` of the reference
sample for that (problem, seed) are i.i.d. draws of one distribution, so every split of the
pooled ``N + t`` evaluations into a "run" of ``t`` and a "sample" of ``N`` is equally
likely. Each permutation re-draws that split in every cell, recomputes ``R0`` from the
pseudo-sample (:func:`~benchmarks.analysis.normalise.min_weights`) and scores the
pseudo-run's best, and the mean over cells is the statistic. The two-sided Monte Carlo
p-value is twice the smaller tail, with the +1 correction; p < 0.05 says the reference may
not match the run. The actual split's scores are exactly the report's (the incumbent is the
run's first validation-best; ``R0`` from the sample alone); in the permuted splits tied
validation losses share their test losses' mean over the pooled evaluations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tunebench.benchmarks.analysis.aggregate import iqm
from tunebench.benchmarks.analysis.normalise import (
    KEYS,
    MIN_RANGE,
    expected_best,
    min_weights,
    sorted_with_ties,
)
from tunebench.benchmarks.analysis.stats import stream_seed
from tunebench.problems.base import Status
from tunebench.strategies.registry import RANDOM_SEARCH

N_PERM = 2000
#: Fewer permutations for very large runs, so that permutations x pooled evaluations stay
#: near this (about 20 s on this machine); never fewer than MIN_PERM (p resolution 0.01).
WORK = 2e8
MIN_PERM = 200
#: The significance level of the check and its expected false-alarm rate (1 run in 20).
ALPHA = 0.05
#: A cell is *narrow* when R0 - L* is below this fraction of the reference sample's IQR of
#: losses: then a change of 1% of the typical spread between random configurations moves
#: the score by more than 1. On the shipped tables it separates the saturated cells
#: (ratios 1e-5 to 3e-3: quick's svm-wine, default's svm-penguins and elasticnet-randhie)
#: from the rest (quick: next smallest 0.027).
NARROW_FRACTION = 0.01
COLUMNS = ["strategy", "side", "problems", "seeds", "mean", "median", "iqm", "null_low",
           "null_high", "p_value", "consistent", "narrow", "permutations"]
NARROW_COLUMNS = ["problem", "seed", "side", "r0", "lstar", "span", "spread", "ratio"]


def final_scores(fin: pd.DataFrame) -> pd.DataFrame:
    """One row per (problem, strategy, seed): final losses and normalised scores."""
    cols = {"inc_val": "final_val_loss", "inc_test": "final_test_loss"}
    df = fin[["problem", "strategy", "seed", "inc_val", "inc_test", "score_val", "score_test"]]
    return df.rename(columns=cols).sort_values(["problem", "strategy", "seed"],
                                               ignore_index=True)


def permuted_scores(run_val: np.ndarray, run_test: np.ndarray, sample_val: np.ndarray,
                    sample_test: np.ndarray, lstar_val: float, lstar_test: float,
                    rng: np.random.Generator, n_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Validation and test scores of one cell: element 0 for the actual split (the run's
    ``t`` evaluations against the sample's ``N``), elements 1..n_perm for random splits of
    the pooled evaluations."""
    t, n = len(run_val), len(sample_val)
    pooled_val, pooled_test = np.r_[run_val, sample_val], np.r_[run_test, sample_test]
    v, s_tied = sorted_with_ties(pooled_val, pooled_test)
    order = np.argsort(pooled_val, kind="stable")
    s_raw = pooled_test[order]  # the incumbent's own test loss: the first of tied bests
    in_run = np.zeros((n_perm + 1, n + t), bool)
    in_run[0] = order < t  # the actual split, in pooled sorted order
    keys = rng.random((n_perm, n + t))
    picks = np.argpartition(keys, t - 1, axis=1)[:, :t]
    np.put_along_axis(in_run[1:], picks, True, axis=1)
    w = np.r_[min_weights(n, min(t, n)), 0.0]
    rank = np.arange(n + t) - np.cumsum(in_run, axis=1) + in_run  # 0-based rank in sample
    weights = np.where(in_run, 0.0, w[np.minimum(rank, n)])
    best = np.argmax(in_run, axis=1)  # pooled position of the run's best (sorted by val)
    r0_val = weights @ v
    r0_test = weights @ s_tied  # ties averaged over the pooled evaluations ...
    # ... except for the actual split, which gets exactly the report's R0 (sample only)
    r0_test[0] = expected_best(sample_val, sample_test, np.array([t]))[1][0]
    out = []
    for r0, incumbent, lstar in ((r0_val, v[best], lstar_val), (r0_test, s_raw[best],
                                                                 lstar_test)):
        span = r0 - lstar
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(np.where(span > MIN_RANGE, (r0 - incumbent) / span, np.nan))
    return out[0], out[1]


def null_check(trials: pd.DataFrame, sample: pd.DataFrame, lstar: pd.DataFrame,
               n_perm: int = N_PERM, narrow: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per random-search strategy in the run and side: the mean final normalised score
    (from the permutation machinery's actual split), the central 95% range of its
    permutation distribution, the p-value and whether the mean is consistent with the
    reference (p >= 0.05), with the median and IQM of the same scores and how many of the
    cells are narrow (``narrow``: :func:`narrow_cells`; 0 when not given). ``trials`` are
    the run's trials; ``sample`` and ``lstar`` the reference table's of the run's protocol. Runs too large for ``n_perm`` permutations
    within :data:`WORK` get fewer (at least :data:`MIN_PERM`; the table says how many)."""
    ok = sample[(sample["status"] == Status.OK) & np.isfinite(sample["val_loss"])]
    groups = {k: g for k, g in ok.groupby(KEYS, sort=True)}
    best = lstar.set_index(KEYS)[["lstar_val", "lstar_test"]]
    rows = []
    random = trials[trials["strategy"].isin(RANDOM_SEARCH) & (trials["status"] == Status.OK)
                    & np.isfinite(trials["val_loss"])]
    pooled = len(random) + sum(len(groups[(p, seed)]) for _, p, seed in
                               random[["strategy", *KEYS]].drop_duplicates().itertuples(False)
                               if (p, seed) in groups)
    n_perm = int(np.clip(WORK / max(pooled, 1), MIN_PERM, n_perm))
    for strategy in RANDOM_SEARCH:
        run = random[random["strategy"] == strategy]
        rng = np.random.default_rng(stream_seed("null", strategy))
        cells = []
        for (p, seed), g in run.groupby(KEYS, sort=True):
            if (p, seed) in groups and (p, seed) in best.index:
                ref, (lv, lt) = groups[(p, seed)], best.loc[(p, seed)]
                cells.append((p, seed, *permuted_scores(
                    g["val_loss"].to_numpy(float), g["test_loss"].to_numpy(float),
                    ref["val_loss"].to_numpy(float), ref["test_loss"].to_numpy(float),
                    float(lv), float(lt), rng, n_perm)))
        for k, side in enumerate(("val", "test")):
            used = [c for c in cells if np.isfinite(c[2 + k][0])]
            if not used:
                continue
            stats = np.mean([c[2 + k] for c in used], axis=0)
            obs, perm = float(stats[0]), stats[1:]
            actual = np.array([c[2 + k][0] for c in used])
            tail = min(np.sum(perm <= obs), np.sum(perm >= obs))
            p_value = min(1.0, 2 * (1 + tail) / (n_perm + 1))
            lo, hi = np.quantile(perm, [0.025, 0.975])
            problems = {c[0] for c in used}
            rows.append({"strategy": strategy, "side": side, "problems": len(problems),
                         "seeds": min(sum(c[0] == q for c in used) for q in problems),
                         "mean": obs, "median": float(np.median(actual)),
                         "iqm": float(iqm(actual)), "null_low": float(lo),
                         "null_high": float(hi), "p_value": float(p_value),
                         "consistent": bool(p_value >= ALPHA),
                         "narrow": _count_narrow(narrow, side, [(c[0], c[1]) for c in used]),
                         "permutations": n_perm})
    return pd.DataFrame(rows, columns=COLUMNS)


def _count_narrow(narrow: pd.DataFrame | None, side: str, cells: list[tuple[str, int]]) -> int:
    if narrow is None or narrow.empty:
        return 0
    flagged = set(narrow.loc[narrow["side"] == side, ["problem", "seed"]].itertuples(
        index=False, name=None))
    return sum((p, int(seed)) in flagged for p, seed in cells)


def narrow_cells(sample: pd.DataFrame, lstar: pd.DataFrame, budget: int,
                 fraction: float = NARROW_FRACTION) -> pd.DataFrame:
    """The (problem, seed, side) whose ``R0(budget) - L*`` (``span``) is below ``fraction``
    of the interquartile range of the reference sample's losses on that side (``spread``);
    ``ratio`` = span / spread. Problems whose sample has no spread are not listed."""
    ok = sample[(sample["status"] == Status.OK) & np.isfinite(sample["val_loss"])]
    best = lstar.set_index(KEYS)
    rows = []
    for (p, seed), g in ok.groupby(KEYS, sort=True):
        if (p, seed) not in best.index:
            continue
        val, test = g["val_loss"].to_numpy(float), g["test_loss"].to_numpy(float)
        r0 = expected_best(val, test, np.array([budget]))
        for k, (side, losses) in enumerate((("val", val), ("test", test))):
            q1, q3 = np.quantile(losses, [0.25, 0.75])
            span = float(r0[k][0] - best.loc[(p, seed), f"lstar_{side}"])
            if q3 > q1 and span < fraction * (q3 - q1):
                rows.append({"problem": p, "seed": int(seed), "side": side,
                             "r0": float(r0[k][0]),
                             "lstar": float(best.loc[(p, seed), f"lstar_{side}"]),
                             "span": span, "spread": float(q3 - q1),
                             "ratio": span / float(q3 - q1)})
    return pd.DataFrame(rows, columns=NARROW_COLUMNS)


def above_one(fin: pd.DataFrame) -> dict[str, int]:
    """How many final scores exceed 1 (beat the reference campaign's best), per side."""
    return {side: int(np.sum(fin[f"score_{side}"].to_numpy(float) > 1))
            for side in ("val", "test")}
