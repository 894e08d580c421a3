"""Final-budget statistics: aggregate scores, Friedman/Nemenyi, Wilcoxon/Holm, P(improvement).

Tests come from scipy, scikit-posthocs and statsmodels; this module only arranges the
data. Each returns effect sizes next to p-values.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection

import numpy as np
import pandas as pd
from scipy import stats

from tunebench.benchmarks.analysis.aggregate import STATISTICS
from tunebench.benchmarks.reference.baseline import BASELINE
from tunebench.problems.base import derive_seed


def stream_seed(*names: str) -> int:
    """The seed of one bootstrap's own random stream, derived from names such as
    (statistic, strategy, value): adding or removing a strategy changes no other stream."""
    return derive_seed(0, "bootstrap", *names)


def _per_problem_seed(values: pd.DataFrame, value: str) -> dict[str, np.ndarray]:
    """strategy -> array (problems, seeds) of ``value``, problems and seeds sorted."""
    out = {}
    for strategy, g in values.groupby("strategy", sort=True):
        out[strategy] = g.pivot(index="problem", columns="seed", values=value).sort_index()
    return out


def stratified_bootstrap(arr: np.ndarray, statistic: str, n_boot: int = 2000,
                         seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """Point estimate and CI of a statistic over all (problem, seed) values, resampling
    seeds with replacement within each problem (rliable's stratified bootstrap).

    ``arr`` is (problems, seeds) without NaN.
    """
    fn = STATISTICS[statistic]
    arr = np.asarray(arr, float)
    point = float(fn(arr.ravel(), 0))
    p, s = arr.shape
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, s, size=(n_boot, p, s))
    boots = np.take_along_axis(arr[None, :, :], idx, axis=2).reshape(n_boot, p * s)
    vals = fn(boots, 1)
    a = (1 - level) / 2
    lo, hi = np.quantile(vals, [a, 1 - a])
    if s < 2:  # resampling one seed gives a false zero-width interval: undefined instead
        lo = hi = np.nan
    return point, float(lo), float(hi)


def aggregate_scores(final_scores: pd.DataFrame, value: str = "score_test",
                     n_boot: int = 2000) -> pd.DataFrame:
    """Per strategy: mean and IQM of normalised scores over problems x seeds, 95% CIs."""
    rows = []
    for strategy, wide in _per_problem_seed(final_scores, value).items():
        wide = wide.dropna(axis=0, how="any")
        if wide.empty:
            continue
        arr = wide.to_numpy()
        m = stratified_bootstrap(arr, "mean", n_boot, stream_seed("mean", strategy, value))
        q = stratified_bootstrap(arr, "iqm", n_boot, stream_seed("iqm", strategy, value))
        rows.append({"strategy": strategy, "problems": arr.shape[0], "seeds": arr.shape[1],
                     "mean": m[0], "mean_low": m[1], "mean_high": m[2],
                     "iqm": q[0], "iqm_low": q[1], "iqm_high": q[2]})
    cols = ["strategy", "problems", "seeds", "mean", "mean_low", "mean_high", "iqm", "iqm_low",
            "iqm_high"]
    # ties broken explicitly: by name
    return pd.DataFrame(rows, columns=cols).sort_values(["iqm", "strategy"],
                                                        ascending=[False, True],
                                                        ignore_index=True)


def friedman(final_rows: pd.DataFrame, value: str,
             partial: Collection[str] = ()) -> dict[str, object]:
    """Friedman test over problems (blocks) of each strategy's median-over-seeds ``value``
    (a loss: lower is better), with mean ranks and Nemenyi post-hoc p-values.

    The test needs complete blocks. Strategies in ``partial`` (those a suite does not run on
    some problems by design, such as ``defaults`` on synthetic functions) are left out when
    they miss a problem (listed under ``excluded``); any other gap drops the problem.
    Needs at least 3 strategies and 2 problems; otherwise returns ``{"skipped": reason}``.
    """
    import scikit_posthocs as sp

    table = (final_rows.groupby(["problem", "strategy"], observed=True)[value].median()
             .unstack("strategy"))
    table.columns = table.columns.astype(str)  # plain names (the trials' are categorical)
    excluded = sorted(c for c in table.columns if c in set(partial) and table[c].isna().any())
    table = table.drop(columns=excluded).dropna(axis=0, how="any")
    k, n = table.shape[1], table.shape[0]
    if k < 3 or n < 2:
        return {"skipped": f"needs >= 3 strategies and >= 2 problems (have {k} and {n})"}
    chi2, p = stats.friedmanchisquare(*[table[c].to_numpy() for c in table.columns])
    # ties in mean rank ordered by name, not by position
    ranks = table.rank(axis=1, method="average").mean().sort_index().sort_values(kind="stable")
    nemenyi = sp.posthoc_nemenyi_friedman(table.to_numpy())
    nemenyi.index = nemenyi.columns = table.columns
    # Critical difference at alpha = 0.05 (Demsar 2006): q_alpha * sqrt(k(k+1)/(6N)).
    q = stats.studentized_range.ppf(0.95, k, np.inf) / np.sqrt(2)
    cd = float(q * np.sqrt(k * (k + 1) / (6 * n)))
    # Kendall's W, the effect size of the Friedman test.
    w = float(chi2 / (n * (k - 1))) if n * (k - 1) else np.nan
    return {"statistic": float(chi2), "p_value": float(p), "problems": n, "strategies": k,
            "mean_ranks": ranks, "nemenyi": nemenyi, "critical_difference": cd,
            "kendalls_w": w, "excluded": excluded}


def _rank_biserial(d: np.ndarray) -> float:
    """Matched-pairs rank-biserial correlation of differences (a - b); -1..1, negative:
    a tends to be lower (better, for losses)."""
    d = d[d != 0]
    if len(d) == 0:
        return 0.0
    r = stats.rankdata(np.abs(d))
    return float((r[d > 0].sum() - r[d < 0].sum()) / r.sum())


def _rank_biserial_columns(d: np.ndarray) -> np.ndarray:
    """:func:`_rank_biserial` of every column of ``d`` in one call (ranks and their sums
    are multiples of 1/2, so the sums are exact and equal the per-column values)."""
    if d.shape[0] == 0 or np.isnan(d).any():
        return np.array([_rank_biserial(d[:, j]) for j in range(d.shape[1])])
    nonzero = d != 0
    r = stats.rankdata(np.where(nonzero, np.abs(d), np.nan), axis=0, nan_policy="omit")
    up, down = np.where(d > 0, r, 0.0).sum(axis=0), np.where(d < 0, r, 0.0).sum(axis=0)
    total = np.where(nonzero, r, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(nonzero.any(axis=0), (up - down) / total, 0.0)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (step-down; equal to statsmodels' ``"holm"``, which
    costs ~75 ms a call: too slow for one call per problem on paper-scale runs)."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


def wilcoxon_holm(pairs: pd.DataFrame, value: str, block: list[str]) -> pd.DataFrame:
    """Pairwise Wilcoxon signed-rank tests between strategies, paired by ``block``,
    Holm-corrected over all pairs. Effect sizes: median difference and rank-biserial r."""
    full = pairs.pivot(index=block, columns="strategy", values=value)
    if full.isna().any().any():  # blocks missing for some strategy: each pair on its own
        return _pairwise_with_gaps(full, value)
    wide = full
    names = sorted(wide.columns)
    combos = list(itertools.combinations(names, 2))
    cols = ["a", "b", "n", "median_diff", "rank_biserial", "statistic", "p_value", "p_holm"]
    if not combos:
        return pd.DataFrame(columns=cols)
    arr = wide[names].to_numpy()
    ia = [names.index(a) for a, _ in combos]
    ib = [names.index(b) for _, b in combos]
    d = arr[:, ia] - arr[:, ib]  # (blocks, pairs)
    n = d.shape[0]
    stat = np.full(len(combos), np.nan)
    p = np.ones(len(combos))
    testable = (np.abs(d) > 0).any(axis=0) if n >= 2 else np.zeros(len(combos), bool)
    if testable.any():  # one vectorised call for every pair
        res = stats.wilcoxon(arr[:, ia][:, testable], arr[:, ib][:, testable],
                             zero_method="zsplit", axis=0)
        stat[testable], p[testable] = res.statistic, res.pvalue
    out = pd.DataFrame({"a": [a for a, _ in combos], "b": [b for _, b in combos], "n": n,
                        "median_diff": np.median(d, axis=0) if n else np.nan,
                        "rank_biserial": _rank_biserial_columns(d),
                        "statistic": stat, "p_value": p})
    out["p_holm"] = holm(out["p_value"].to_numpy())
    return out[cols]


def _pairwise_with_gaps(full: pd.DataFrame, value: str) -> pd.DataFrame:
    """:func:`wilcoxon_holm` when some strategy lacks some blocks (e.g. a failed cell): each
    pair is tested on the blocks both strategies have, so a third strategy's gaps change
    neither pair's n nor its raw p (Holm still adjusts over every pair)."""
    frames = []
    for a, b in itertools.combinations(sorted(full.columns), 2):
        sub = full[[a, b]].dropna().reset_index(drop=True)
        sub.columns = ["a", "b"]
        long = sub.reset_index().melt(id_vars="index", var_name="strategy", value_name=value)
        res = wilcoxon_holm(long.rename(columns={"index": "block"}), value, ["block"])
        res["a"], res["b"] = a, b
        frames.append(res)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["a", "b", "n", "median_diff", "rank_biserial", "statistic", "p_value"])
    out["p_holm"] = holm(out["p_value"].to_numpy(dtype=float))
    return out


def _poi(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Mean over problems (rows) of P(x < y) + P(x = y) / 2 over all pairs of a row."""
    lt = (X[..., :, None] < Y[..., None, :]).mean(axis=(-1, -2))
    eq = (X[..., :, None] == Y[..., None, :]).mean(axis=(-1, -2))
    return (lt + 0.5 * eq).mean(axis=-1)


def _poi_resampled(X: np.ndarray, Y: np.ndarray, ix: np.ndarray, iy: np.ndarray
                   ) -> np.ndarray:
    """``_poi`` of every bootstrap resample (``ix``: (boots, problems, seeds) indices into
    the rows of X, ``iy`` into Y's), from how often each seed is drawn: the pair counts
    are integers (exact in float64), so the values equal ``_poi`` of the resampled arrays
    without building their (boots, problems, seeds, seeds) comparisons."""
    n_boot, p, s = ix.shape
    sy = iy.shape[2]

    def counts(idx: np.ndarray, k: int) -> np.ndarray:
        flat = (np.arange(n_boot * p).reshape(n_boot, p, 1) * k + idx).ravel()
        return np.bincount(flat, minlength=n_boot * p * k).reshape(n_boot, p, k).astype(float)

    cx, cy = counts(ix, s), counts(iy, sy)
    pairs = s * sy

    def share(hit: np.ndarray) -> np.ndarray:  # hit: (p, s, sy) booleans
        n = np.einsum("bpi,pij,bpj->bp", cx, hit.astype(float), cy, optimize=True)
        return np.ascontiguousarray(n) / pairs  # C order: mean sums as over the old array

    lt = share(X[:, :, None] < Y[:, None, :])
    eq = share(X[:, :, None] == Y[:, None, :])
    return (lt + 0.5 * eq).mean(axis=-1)


def probability_of_improvement(final_rows: pd.DataFrame, value: str, baseline: str = BASELINE,
                               n_boot: int = 2000) -> pd.DataFrame:
    """P(strategy's final ``value`` < baseline's), averaged over problems.

    Within a problem it is the Mann-Whitney probability over all seed pairs (ties count
    half), as in rliable; the 95% interval resamples seeds within each problem, from a
    stream of the strategy's own (:func:`stream_seed`).
    """
    base = final_rows[final_rows["strategy"] == baseline]
    rows = []
    if base.empty:
        return pd.DataFrame(columns=["strategy", "p_improve", "low", "high"])
    b = base.pivot(index="problem", columns="seed", values=value).sort_index()
    for strategy, g in final_rows.groupby("strategy", sort=True):
        if strategy == baseline:
            continue
        x = g.pivot(index="problem", columns="seed", values=value).reindex(b.index)
        mask = x.notna().all(axis=1) & b.notna().all(axis=1)
        X, Y = x[mask].to_numpy(), b[mask].to_numpy()
        if X.size == 0:
            continue
        point = float(_poi(X, Y))
        rng = np.random.default_rng(stream_seed("p_improve", strategy, baseline, value))
        p, s = X.shape
        ix = rng.integers(0, s, size=(n_boot, p, s))
        iy = rng.integers(0, Y.shape[1], size=(n_boot, p, Y.shape[1]))
        boots = _poi_resampled(X, Y, ix, iy)
        lo, hi = np.quantile(boots, [0.025, 0.975])
        if min(s, Y.shape[1]) < 2:  # one seed: no interval, not a zero-width one
            lo = hi = np.nan
        rows.append({"strategy": strategy, "p_improve": point, "low": float(lo),
                     "high": float(hi), "problems": p})
    cols = ["strategy", "p_improve", "low", "high", "problems"]
    return pd.DataFrame(rows, columns=cols).sort_values(["p_improve", "strategy"],
                                                        ascending=[False, True],
                                                        ignore_index=True)
