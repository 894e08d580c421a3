"""The report section "Does the verdict depend on the metric?" (rendering only)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.benchmarks.report.tables import Table


def render_metric_agreement(page: Any, ranks: pd.DataFrame, agreement: pd.DataFrame,
                            label: str) -> None:
    """Add the section to ``page`` (a ``build.Page``): rankings under every recorded
    metric and Kendall's tau with the ranking under the primary metric ``label``
    (``Summary.metric_ranks``, ``metric_agreement`` and ``metric_label``)."""
    page.heading("Does the verdict depend on the metric?", 2, "metrics", nav="Metrics")
    if agreement.empty:
        page.para("No secondary metrics were recorded (synthetic problems only, or a run "
                  "written before tunebench recorded every metric).")
        return
    page.table(Table("metric_agreement", agreement,
                     f"Ranking of strategies by each metric's test value of the final "
                     f"incumbent (chosen by validation {label}), and Kendall's tau with the "
                     f"ranking by test {label} on the same problems",
                     note="Mean rank over problems of the median over seeds; tau 1: same "
                          "order as the primary metric, -1: reversed."))
    wide = ranks.pivot(index="strategy", columns="metric", values="mean_rank").reset_index()
    page.table(Table("metric_mean_ranks", wide, "Mean rank per strategy under each metric "
                     "(1 = best)"))
