"""Bayesian signed-rank comparison with a region of practical equivalence (secondary).

Benavoli et al. (2017): for each strategy against random search, the Bayesian signed-rank
test on the per-problem mean (over seeds) normalised test scores gives the posterior
probabilities that the strategy is better, practically equivalent (the difference lies
within the ROPE) or worse, instead of a p-value. It uses ``baycomp``'s
``SignedRankTest.probs`` (its hierarchical test, which would use every seed, needs pystan
and is not run). ``baycomp`` is the optional extra ``stats``; without it the comparison is
skipped and the report says how to install it. The primary analysis stays the frequentist
control comparison (:mod:`~benchmarks.analysis.control`).

The ROPE is :data:`ROPE` score units: differences under 5% of the gap between random
search at the same budget (score 0) and the best known loss (score 1) count as equivalent.
Each comparison draws its posterior samples from its own stream
(``stream_seed("bayes", strategy)``), so results are reproducible and do not depend on the
other strategies.
"""

from __future__ import annotations

import importlib.util

import pandas as pd

from tunebench.benchmarks.analysis.control import per_problem_means
from tunebench.benchmarks.analysis.stats import stream_seed
from tunebench.benchmarks.reference.baseline import BASELINE

#: Half-width of the region of practical equivalence, in normalised score units.
ROPE = 0.05
#: Posterior samples per comparison (Monte Carlo error of a probability <= 0.004).
NSAMPLES = 20000
COLUMNS = ["strategy", "control", "problems", "p_better", "p_equivalent", "p_worse", "rope"]
INSTALL = "pip install 'tunebench[stats]'  (or: pip install baycomp)"


def available() -> bool:
    """Whether ``baycomp`` can be imported."""
    return importlib.util.find_spec("baycomp") is not None


def signed_rank(final_rows: pd.DataFrame, value: str = "score_test", control: str = BASELINE,
                rope: float = ROPE, nsamples: int = NSAMPLES) -> dict[str, object]:
    """``{"table": DataFrame, "rope": rope, "skipped": reason}``; ``table`` has one row per
    strategy with P(better), P(equivalent), P(worse) than ``control`` (higher ``value`` is
    better); ``skipped`` is "" when it ran, else why not (no baycomp, no control, fewer than
    2 problems)."""
    out: dict[str, object] = {"table": pd.DataFrame(columns=COLUMNS), "rope": rope,
                              "skipped": ""}
    if not available():
        out["skipped"] = f"baycomp is not installed: {INSTALL}"
        return out
    from baycomp import SignedRankTest

    means = per_problem_means(final_rows, value)
    if control not in means.columns:
        out["skipped"] = f"no '{control}' strategy in the run"
        return out
    rows = []
    for s in sorted(c for c in means.columns if c != control):
        pair = means[[s, control]].dropna()
        if len(pair) < 2:
            continue
        # baycomp: p_left = P(x - y > rope), i.e. x (the strategy) scores higher
        left, eq, right = SignedRankTest.probs(
            pair[s].to_numpy(float), pair[control].to_numpy(float), rope,
            nsamples=nsamples, random_state=stream_seed("bayes", s))
        rows.append({"strategy": s, "control": control, "problems": len(pair),
                     "p_better": float(left), "p_equivalent": float(eq),
                     "p_worse": float(right), "rope": rope})
    if not rows:
        out["skipped"] = "fewer than 2 problems shared with the control"
    out["table"] = pd.DataFrame(rows, columns=COLUMNS)
    return out


__all__ = ["INSTALL", "NSAMPLES", "ROPE", "available", "signed_rank"]
