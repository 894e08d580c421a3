"""Report section: how the ``defaults`` strategy's configurations differ from the library's.

Rendering only: the table and notes are the summary's ``default_moves`` and ``fixed_notes``
(:mod:`benchmarks.analysis.defaults`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.benchmarks.report.tables import Table


def render_default_moves(page: Any, strategies: list[str], moves: pd.DataFrame,
                         notes: dict[str, str]) -> None:
    """Write the section when the run has the ``defaults`` strategy."""
    if "defaults" not in strategies:
        return
    page.heading("Library defaults and where they were moved", 3, "defaults")
    page.para("'defaults' evaluates scikit-learn's own defaults of the tuned hyperparameters; "
              "a default outside the search space is moved to its nearest point (moved = "
              "True). It is not run on synthetic functions, which have no library default.")
    if not moves.empty:
        page.table(Table("default_moves", moves, "Library defaults resolved for each dataset "
                         "and moved into the search space"))
    for family, note in notes.items():
        page.para(f"{family}: {note}")
