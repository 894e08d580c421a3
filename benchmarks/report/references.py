"""Report section on the reference table: its identity, L*, the null check, scores > 1.

Rendering only: the numbers are the summary's ``final_scores``, ``null_check``,
``above_one`` and ``lstar`` (:mod:`benchmarks.analysis.nullcheck`)."""

from __future__ import annotations

from typing import Any

from benchmarks.report.tables import Table


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
                         "random-search strategy (95% stratified bootstrap CI); it should "
                         "cover 0"))
        bad = nc[nc["low"].notna() & ~nc["covers_zero"]]  # one seed: no interval, no verdict
        if len(bad):
            page.para("Warning: the interval of " + ", ".join(
                f"{r.strategy} ({r.side})" for r in bad.itertuples())
                + " does not cover 0: the reference table may not match this run."
                + (" With fewer than 5 seeds per problem the bootstrap interval is too narrow "
                   "and the score's long left tail (it is bounded by 1 above only) makes "
                   "such false alarms common." if int(bad["seeds"].min()) < 5 else ""))
    page.table(Table("references", s.lstar, "L* (point 1 of the normalised score) per problem "
                     "and seed, frozen in the reference table"))
