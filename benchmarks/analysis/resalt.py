"""Chance or mismatch: how often random search re-run with fresh seeds fails the null check.

A flagged null check (:mod:`~benchmarks.analysis.nullcheck`) has two ordinary explanations.
*Chance*: at p < 0.05 about 1 run in 20 is flagged when nothing is wrong, and because a
suite's seeds are fixed the same unlucky random-search cells (and the same flag) come back
on every rerun. A *mismatch*: the reference table does not describe this run's objectives.
Re-running the random-search cells ``K`` times with fresh strategy seeds (the objective,
split and folds stay the cell's) against the same table separates them: under the null the
number of flagged re-salted runs is Binomial(K, 0.05); a mismatch flags most of them.

The strategy seed of re-salt ``k`` is ``derive_seed(seed, "strategy", problem,
"resalt-k")``: derived from the run's own seed and the index, never from global state, so
the same command gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from scipy import stats

from tunebench.benchmarks.analysis.nullcheck import ALPHA, N_PERM, null_check

#: A share of flagged re-salted runs this unlikely under chance alone (binomial tail) is
#: called a mismatch.
MISMATCH_P = 0.01
COLUMNS = ["strategy", "side", "resalts", "flagged", "share", "expected_by_chance",
           "p_chance", "verdict"]


def flag_counts(runs: Iterable[pd.DataFrame], sample: pd.DataFrame, lstar: pd.DataFrame,
                n_perm: int = N_PERM) -> pd.DataFrame:
    """Per random-search strategy and side: how many of the re-salted runs (one trials frame
    each) the null check flags, the share, the count chance alone would give (``K x
    ALPHA``), ``p_chance`` = P(at least that many flags | Binomial(K, ALPHA)) and the
    verdict: ``mismatch`` when ``p_chance < MISMATCH_P``, else ``chance``."""
    tables = [null_check(t, sample, lstar, n_perm).assign(resalt=k)
              for k, t in enumerate(runs, start=1)]
    tables = [t for t in tables if not t.empty]
    if not tables:
        return pd.DataFrame(columns=COLUMNS)
    all_runs = pd.concat(tables, ignore_index=True)
    rows = []
    for (strategy, side), g in all_runs.groupby(["strategy", "side"], sort=True):
        k, flagged = len(g), int((~g["consistent"].astype(bool)).sum())
        p_chance = float(stats.binom.sf(flagged - 1, k, ALPHA)) if flagged else 1.0
        rows.append({"strategy": strategy, "side": side, "resalts": k, "flagged": flagged,
                     "share": flagged / k, "expected_by_chance": k * ALPHA,
                     "p_chance": p_chance,
                     "verdict": "mismatch" if p_chance < MISMATCH_P else "chance"})
    return pd.DataFrame(rows, columns=COLUMNS)


def verdict_lines(table: pd.DataFrame, original: pd.DataFrame) -> list[str]:
    """One sentence per (strategy, side): the run's own result and what re-salting says."""
    own = original.set_index(["strategy", "side"]) if not original.empty else None
    lines = []
    for r in table.itertuples():
        first = ""
        if own is not None and (r.strategy, r.side) in own.index:
            p = float(own.loc[(r.strategy, r.side), "p_value"])
            first = f"the run itself: p = {p:.3g} ({'flagged' if p < ALPHA else 'not flagged'}); "
        what = ("a mismatch: the flag persists with fresh seeds, check the reference table "
                "against this run" if r.verdict == "mismatch" else
                "consistent with chance: fresh seeds are flagged about as often as the "
                f"{ALPHA:g} level allows")
        lines.append(f"{r.strategy} ({r.side}): {first}{r.flagged} of {r.resalts} re-salted "
                     f"runs flagged ({100 * r.share:.0f}%; {r.expected_by_chance:.1f} expected "
                     f"by chance, P(>= {r.flagged} | chance) = {r.p_chance:.2g}): {what}.")
    return lines


def share_summary(table: pd.DataFrame) -> str:
    """The overall share of flagged re-salted (run, strategy, side) checks."""
    if table.empty:
        return "no random-search strategy to re-salt"
    n, f = int(table["resalts"].sum()), int(table["flagged"].sum())
    return f"{f} of {n} re-salted checks flagged ({100 * f / n:.1f}%)"
