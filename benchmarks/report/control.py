"""Report sections for the primary analysis (each strategy vs random) and the design's power.

Rendering only: the numbers are the summary's ``control`` table (from
:mod:`benchmarks.analysis.control`) and ``power_statement`` (:mod:`benchmarks.analysis.power`).
``page`` is the report's page object (``heading``, ``para``, ``table``).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from tunebench.benchmarks.analysis.control import zero_note
from tunebench.benchmarks.report.tables import Table


def format_interval(low: float, high: float, fmt: str = ".3f", sep: str = " to ") -> str:
    """``"low to high"``, or ``"n/a"`` when the interval is undefined (NaN bounds, e.g. from
    fewer than 2 seeds, where a bootstrap would give a false zero-width interval)."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return "n/a"
    return f"{low:{fmt}}{sep}{high:{fmt}}"


def _significance(row: Any, alpha: float) -> str:
    if not row.attainable:
        return f"unreachable (min {row.min_p_holm:.2g})"
    return "yes" if row.p_holm < alpha else "no"


def control_table(table: pd.DataFrame, value: str, alpha: float = 0.05) -> Table:
    """The headline table: one row per strategy, Holm-adjusted p and effect sizes."""
    t = table.copy()
    t[f"p<{alpha:g}"] = [_significance(r, alpha) for r in t.itertuples()]
    t = t[["strategy", "problems", "n_nonzero", "wins", "losses", "median_diff",
           "rank_biserial", "p_value", "p_holm", f"p<{alpha:g}"]]
    bold = pd.DataFrame(False, index=t.index, columns=t.columns)
    bold["p_holm"] = table["attainable"] & (table["p_holm"] < alpha)
    return Table("control", t,
                 f"Each strategy against random search: exact Wilcoxon signed-rank test on "
                 f"the per-problem mean (over seeds) of {value}, Holm over {len(t)} "
                 "comparisons (primary analysis)",
                 bold=bold,
                 note="median_diff and rank_biserial are strategy minus random; wins and "
                      "losses count problems; n_nonzero excludes exact ties, and "
                      "median_diff is over the same n_nonzero problems as the test. 'unreachable': "
                      "with this many problems no outcome can give p < alpha after Holm.")


def render_control(page: Any, table: pd.DataFrame, power_statement: str,
                   value: str = "score_test", alpha: float = 0.05) -> None:
    """Write the power statement and the control table (``Summary.control``)."""
    page.heading("Against random search (primary analysis)", 2, "control", nav="Control")
    page.para(power_statement)
    if table.empty:
        page.para("No 'random' strategy in the run: no comparison against the control.")
        return
    page.table(control_table(table, value, alpha))
    note = zero_note(table)
    if note:
        page.para(note)
    page.para("Secondary analyses below: all pairs (Holm over every pair) and "
              "Friedman/Nemenyi on ranks.")
