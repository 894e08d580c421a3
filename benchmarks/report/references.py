"""Report section on the reference table: its identity, L*, the null check, scores > 1.

Rendering only: the numbers are the summary's ``final_scores``, ``null_check``,
``above_one`` and ``lstar`` (:mod:`benchmarks.analysis.nullcheck`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.benchmarks.analysis.nullcheck import ALPHA, NARROW_FRACTION
from tunebench.benchmarks.report.tables import Table


def render_references(page: Any, s: Any) -> None:
    """Write the section of a summary ``s``; ``s.reference`` is a ReferenceTable or None
    (``s.reference_note`` says why)."""
    page.heading("Reference points and null check", 2, "reference", nav="Null check")
    table, fin_scores = s.reference, s.final_scores
    fin_scores.to_csv(page.out / "tables" / "final_scores.csv", index=False)
    page.para("Final losses and normalised scores per (problem, strategy, seed): "
              "tables/final_scores.csv.")
    if table is None:
        page.para(f"No normalised scores: {s.reference_note}")
        return
    prov = table.provenance
    page.para(f"Reference table {table.name} (content hash {table.hash}; {prov['samples']} "
              f"random configurations per (problem, seed), scores on protocol {prov['protocol']}, test "
              f"fraction {prov['test_fraction']}; L* campaign: "
              f"{', '.join(prov['campaign']['strategies']) or 'none'} at "
              f"{prov['campaign']['budget']} evaluations). R0 is the exact expected best of "
              "t draws without replacement from that sample, per seed.")
    over = s.above_one
    page.para(f"Final scores above 1 (better than the best known loss): {over['val']} on "
              f"validation, {over['test']} on test, out of {len(fin_scores)} cells each.")
    nc = s.null_check
    if nc.empty:
        page.para("Null check: no random-search strategy (random, optuna-random, "
                  "hyperopt-random) in the run.")
    else:
        page.table(Table("null_check", nc, "Null check: mean final normalised score of each "
                         "random-search strategy against its permutation distribution (the run's and "
                         "the reference sample's evaluations of each cell re-split at random); "
                         "it should be consistent with it",
                         note="null_low/null_high: central 95% of the permuted means; "
                              "p_value: two-sided Monte Carlo permutation p (about 1 run "
                              "in 20 is below 0.05 by chance). The score is bounded by 1 "
                              "above only, so its mean is often well below 0 with few seeds: "
                              "the null range says how far is normal; median and iqm of the "
                              "same scores resist single cells. narrow: cells whose R0 - L* "
                              "is tiny (listed below)."))
        bad = nc[~nc["consistent"]]
        if len(bad):
            page.para(warning_text(bad))
    _narrow(page, s)
    page.table(Table("references", s.lstar, "L* (point 1 of the normalised score) per problem "
                     "and seed, frozen in the reference table"))


def _narrow(page: Any, s: Any) -> None:
    """The cells whose score unit R0 - L* is tiny (:func:`~benchmarks.analysis.nullcheck.
    narrow_cells`)."""
    narrow = getattr(s, "null_narrow", None)
    if narrow is None or narrow.empty:
        page.para(f"No narrow cells: on every (problem, seed) R0 - L* is at least "
                  f"{NARROW_FRACTION:g} of the reference sample's interquartile range of "
                  "losses.")
        return
    page.table(Table("null_narrow", narrow, f"Narrow cells: R0 - L* (span) below "
                     f"{NARROW_FRACTION:g} of the interquartile range of the reference "
                     "sample's losses (spread) on that seed",
                     note="R0 - L* is the score's unit: here a loss difference of 1% of the "
                          "typical spread between random configurations moves the score by "
                          "more than 1, so one such cell can dominate a mean score (a "
                          "saturated problem: random search is already near the best known "
                          "loss). Read the median and IQM.",
                     decimals={"r0": 6, "lstar": 6, "span": 6, "spread": 4, "ratio": 5}))


def warning_text(bad: pd.DataFrame) -> str:
    """The report's sentence for flagged rows of a :func:`null_check` table: what a flag
    can mean, chance included, and how to tell (``tunebench nullcheck --resalt``)."""
    which = ", ".join(f"{r.strategy} ({r.side}, p = {r.p_value:.3g})"
                      for r in bad.itertuples())
    return (f"Warning: the mean score of {which} is outside its permutation distribution. "
            f"Three causes are possible. Chance: at p < {ALPHA:g} about 1 run in 20 is "
            "flagged although nothing is wrong, and the suite's seeds are fixed, so a chance "
            "flag repeats on every rerun of the same suite. A mismatch: the reference table "
            "does not match this run (library versions, data or search space). Or that "
            "random search samples differently from the reference sample. To tell them "
            "apart run `tunebench nullcheck RUN_DIR --resalt 20`: it reruns the random-search "
            "cells with fresh seeds against the same table; a mismatch keeps failing "
            "(most resalted runs flagged), chance does not (about 1 in 20).")
