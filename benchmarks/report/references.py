"""Report section on the reference table: its identity, L*, the null check, scores > 1.

Rendering only: the numbers are the summary's ``final_scores``, ``null_check``,
``above_one`` and ``lstar`` (:mod:`benchmarks.analysis.nullcheck`)."""

from __future__ import annotations

from typing import Any

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
                              "p_value: two-sided Monte Carlo permutation p. The score "
                              "is bounded by 1 above only, so its mean is often well below 0 "
                              "with few seeds: the null range says how far is normal."))
        bad = nc[~nc["consistent"]]
        if len(bad):
            page.para("Warning: the mean score of " + ", ".join(
                f"{r.strategy} ({r.side}, p = {r.p_value:.3g})" for r in bad.itertuples())
                + " is outside its permutation distribution (random search and the "
                "reference sample do not look like draws of one distribution): "
                "the reference table may not match this run (library versions, data or "
                "search space), or that random search samples differently.")
    page.table(Table("references", s.lstar, "L* (point 1 of the normalised score) per problem "
                     "and seed, frozen in the reference table"))
