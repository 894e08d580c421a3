"""What a run's design can detect: attainable p-values and power of the Wilcoxon tests.

The report compares strategies with exact two-sided Wilcoxon signed-rank tests over
problems (one value per problem: the mean over seeds), Holm-corrected over ``m``
comparisons: ``k - 1`` against a control, ``k(k-1)/2`` over all pairs. With ``n`` problems:

* the smallest two-sided exact p-value is ``2 * 2**-n = 2**(1-n)`` (every difference has the
  same sign), and the smallest Holm-adjusted p is ``min(1, m * 2**(1-n))``: Holm multiplies
  the smallest raw p by ``m`` and never lowers a later one below an earlier one;
* the standardised per-problem effect ``d`` detectable with 80% power is found by Monte
  Carlo: per-problem differences ``N(d, 1)``, a comparison "detected" when its exact p is
  below ``alpha / m`` (Holm's first, strictest step, so the figure is slightly conservative
  for the later steps). The draws are seeded and shared across ``d`` (common random
  numbers), so power is monotone in ``d`` and a bisection finds the threshold.

The exact null distribution of the signed-rank statistic ``W+`` is computed once per ``n``
(a small dynamic programme, the same distribution scipy's ``method="exact"`` uses; the
tests check the p-values against ``scipy.stats.wilcoxon(method="exact")``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from tunebench.problems.base import derive_seed

#: Monte Carlo draws per (n, m); the power estimate's standard error at 0.8 is ~0.009.
N_SIMULATIONS = 2000


def min_p(n: int) -> float:
    """Smallest two-sided exact Wilcoxon signed-rank p-value over ``n`` non-zero differences."""
    if n < 1:
        return 1.0
    return min(1.0, 2.0 ** (1 - n))


def min_holm_p(n: int, m: int) -> float:
    """Smallest Holm-adjusted p over ``m`` comparisons of ``n`` problems each."""
    return min(1.0, max(1, m) * min_p(n))


def comparisons(k: int, design: str = "control") -> int:
    """Number of comparisons among ``k`` strategies: ``k - 1`` vs a control, or all pairs."""
    if design == "control":
        return max(0, k - 1)
    if design == "pairs":
        return k * (k - 1) // 2
    raise ValueError(f"design must be 'control' or 'pairs', got {design!r}")


def problems_needed(m: int, alpha: float = 0.05) -> int:
    """Fewest problems for which a unanimous win can survive Holm over ``m`` comparisons."""
    n = 1
    while min_holm_p(n, m) >= alpha:
        n += 1
    return n


@lru_cache(maxsize=256)
def _null_cdf(n: int) -> np.ndarray:
    """P(W+ <= w) for w = 0..n(n+1)/2 under the null (n non-zero, untied differences)."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for r in range(1, n + 1):
        counts[r:] = counts[r:] + counts[:-r].copy()
    return np.cumsum(counts) / 2.0**n


def exact_p(w_plus: np.ndarray, n: int) -> np.ndarray:
    """Two-sided exact p-values for signed-rank statistics ``w_plus`` (sum of positive
    ranks) of ``n`` untied non-zero differences; matches scipy's ``method="exact"``."""
    cdf = _null_cdf(n)
    total = n * (n + 1) // 2
    w = np.asarray(w_plus, dtype=int)
    lower = cdf[np.minimum(w, total - w)]  # P(W+ <= min(w, total - w)); symmetric null
    return np.minimum(1.0, 2.0 * lower)


def _power_curve_draws(n: int, seed: int) -> np.ndarray:
    """Standard normal draws (N_SIMULATIONS, n), the same for every effect size."""
    rng = np.random.default_rng(derive_seed(seed, "power", str(n)))
    return rng.standard_normal((N_SIMULATIONS, n))


def power(n: int, m: int, d: float, alpha: float = 0.05, seed: int = 0) -> float:
    """Monte Carlo probability that one comparison with per-problem differences ``N(d, 1)``
    over ``n`` problems reaches exact p < ``alpha / m``."""
    if min_p(n) >= alpha / max(1, m):
        return 0.0
    x = _power_curve_draws(n, seed) + d
    ranks = np.argsort(np.argsort(np.abs(x), axis=1), axis=1) + 1
    w_plus = np.where(x > 0, ranks, 0).sum(axis=1)
    return float(np.mean(exact_p(w_plus, n) < alpha / max(1, m)))


@lru_cache(maxsize=512)
def detectable_effect(n: int, m: int, alpha: float = 0.05, target: float = 0.8,
                      seed: int = 0) -> float:
    """Smallest standardised per-problem effect ``d`` (to 0.01) detected with probability
    ``target`` after Holm over ``m`` comparisons; ``inf`` when p < alpha/m is unattainable."""
    if min_p(n) >= alpha / max(1, m):
        return math.inf
    lo, hi = 0.0, 1.0
    while power(n, m, hi, alpha, seed) < target:
        lo, hi = hi, hi * 2
        if hi > 64:
            return math.inf
    while hi - lo > 0.005:
        mid = (lo + hi) / 2
        if power(n, m, mid, alpha, seed) >= target:
            hi = mid
        else:
            lo = mid
    return round(hi, 2)


def problems_for_effect(d: float, m: int, alpha: float = 0.05, target: float = 0.8,
                        n_max: int = 500) -> int | None:
    """Fewest problems giving power ``target`` for effect ``d`` over ``m`` comparisons."""
    lo = problems_needed(m, alpha)
    if detectable_effect(n_max, m, alpha, target) > d:
        return None
    hi = n_max
    while lo < hi:
        mid = (lo + hi) // 2
        if detectable_effect(mid, m, alpha, target) <= d:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _count(x: int, noun: str) -> str:
    return f"{x} {noun}{'' if x == 1 else 's'}"


def power_statement(n: int, k: int, alpha: float = 0.05) -> str:
    """The sentence the report prints about what a run of ``n`` problems and ``k``
    strategies can detect (against a control and over all pairs)."""
    mc, mp = comparisons(k, "control"), comparisons(k, "pairs")
    pc, pp = min_holm_p(n, mc), min_holm_p(n, mp)
    if mc == 0:
        return f"With {k} strateg{'y' if k == 1 else 'ies'} there is nothing to compare."
    head = (f"With {n} problem{'s' if n != 1 else ''} and {k} strategies the smallest "
            f"attainable Holm-adjusted p is {pc:.3g} against the control ({_count(mc, 'comparison')}) "
            f"and {pp:.3g} over all {_count(mp, 'pair')}")
    if pc >= alpha:
        return (f"{head}: the tests cannot reach p < {alpha:g} whatever the strategies do; "
                f"a unanimous win needs at least {problems_needed(mc, alpha)} problems "
                f"against the control and {problems_needed(mp, alpha)} over all pairs.")
    d = detectable_effect(n, mc, alpha)
    tail = "" if pp < alpha else f"; over all pairs p < {alpha:g} is unattainable"
    return (f"{head}; against the control, standardised per-problem effects below "
            f"d = {d:.2f} are unlikely to be detected (80% power at alpha = {alpha:g}, "
            f"Monte Carlo, exact Wilcoxon){tail}.")


def within_problem_note(n_seeds: int, k: int, alpha: float = 0.05) -> str:
    """Footnote for per-problem significance marks, or the reason none can appear."""
    m = comparisons(k, "pairs")
    if min_holm_p(n_seeds, m) >= alpha:
        return (f"Bold: lowest per problem. No within-problem significance marks: with "
                f"{n_seeds} seed(s) the smallest Holm-adjusted p over {m} pairs is "
                f"{min_holm_p(n_seeds, m):.3g}, so p < {alpha:g} is unreachable.")
    return ("Bold: lowest per problem. +/-: significantly lower/higher than random "
            "(Wilcoxon signed-rank over seeds, Holm-corrected within the problem, "
            f"alpha {alpha:g}).")
