"""Report section for multi-fidelity runs: convergence against cost, full-evaluation counts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.benchmarks.report import figures
from tunebench.benchmarks.report.tables import Table

BUDGET_RULE = (
    "Budget rule: an evaluation at fidelity f costs f/f_max full-evaluation equivalents "
    "(the share of trees, boosting iterations, epochs or training rows it used), and every "
    "cell, full- or multi-fidelity, stops once its summed cost reaches the suite's budget "
    "(overshooting by less than one evaluation). The incumbent is the best configuration "
    "evaluated at full fidelity: low-fidelity losses never become incumbents."
)


def render_fidelity(page: Any, fidelity: dict[str, pd.DataFrame], problems: list[str],
                    colours: dict[str, object]) -> None:
    """Add the multi-fidelity section to ``page`` when any trial ran below full fidelity
    (``fidelity`` is ``Summary.fidelity``, empty otherwise)."""
    if not fidelity:
        return
    page.heading("Multi-fidelity: convergence against cost", 2, "fidelity", nav="Fidelity")
    page.para(BUDGET_RULE)
    curves = fidelity["cost_curves"]
    page.figure(figures.convergence(curves, problems, "test loss of incumbent", colours,
                                    x="cost", xlabel="cost (full-evaluation equivalents)"),
                "convergence_cost", "Test loss of the full-fidelity incumbent against cost "
                "in full-evaluation equivalents: median over seeds, inter-quartile band")
    page.table(Table("fidelity_evaluations", fidelity["evaluations"],
                     "Trials, full-fidelity evaluations, cost and wall time per cell "
                     "(medians over seeds)"))
