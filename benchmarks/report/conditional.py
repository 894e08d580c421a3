"""Report section comparing native and flattened handling of conditional search spaces."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.benchmarks.report.tables import Table

ABOUT = (
    "Strategies meet a conditional search space either natively (optuna's define-by-run "
    "random and TPE samplers and pruned studies, hyperopt's nested hp.choice, SMAC's "
    "ConfigSpace conditions) or flattened (every other strategy searches the box of all "
    "dimensions and drops the inactive values). Mean rank of the final test loss among "
    "all strategies of the same problem and seed (1 = best), and mean normalised test "
    "score, per mode, on the conditional and on the flat problems."
)


def render_conditional(page: Any, modes: pd.DataFrame) -> None:
    """Add the native-against-flattened table when the run has conditional problems
    (``modes`` is ``Summary.conditional_modes``, empty otherwise)."""
    if modes is None or modes.empty:
        return
    page.heading("Conditional spaces: native against flattened", 2, "conditional",
                 nav="Conditional")
    page.para(ABOUT)
    page.table(Table("conditional_modes", modes,
                     "Final incumbents grouped by how each strategy handles conditions"))
