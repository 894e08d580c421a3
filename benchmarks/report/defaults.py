"""Report section: how the ``defaults`` strategy's configurations differ from the library's.

Lists, per model family in the run, each default scikit-learn states symbolically or
outside the search space, its equivalent on the space and the value actually used, plus
the hyperparameters no strategy tunes (:data:`problems.models.FIXED_NOTES`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from benchmarks.report.tables import Table
from problems.catalogue import default_moves, get_problem
from problems.models import FIXED_NOTES


def moves_table(problems: list[str]) -> pd.DataFrame:
    """One row per (problem, parameter) whose default was resolved or moved."""
    rows = []
    for name in problems:
        for m in default_moves(get_problem(name)):
            rows.append({"problem": name, "parameter": m["parameter"],
                         "scikit-learn": str(m["library"]), "equivalent": m["equivalent"],
                         "used": m["used"], "moved": m["equivalent"] != m["used"]})
    return pd.DataFrame(rows, columns=["problem", "parameter", "scikit-learn", "equivalent",
                                       "used", "moved"])


def render_default_moves(page: Any, problems: list[str], strategies: list[str]) -> None:
    """Write the section when the run has the ``defaults`` strategy."""
    if "defaults" not in strategies:
        return
    table = moves_table(problems)
    page.heading("Library defaults and where they were moved", 3, "defaults")
    page.para("'defaults' evaluates scikit-learn's own defaults of the tuned hyperparameters; "
              "a default outside the search space is moved to its nearest point (moved = "
              "True). It is not run on synthetic functions, which have no library default.")
    if not table.empty:
        page.table(Table("default_moves", table, "Library defaults resolved for each dataset "
                         "and moved into the search space"))
    families = sorted({get_problem(p).model.name for p in problems
                       if getattr(get_problem(p), "model", None) is not None})
    for f in families:
        if f in FIXED_NOTES:
            page.para(f"{f}: {FIXED_NOTES[f]}")
