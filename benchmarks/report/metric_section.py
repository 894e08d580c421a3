"""The report section "Does the verdict depend on the metric?" (rendering only)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from benchmarks.analysis.metric_agreement import metric_rankings, primary_label
from benchmarks.report.tables import Table


def render_metric_agreement(page: Any, trials: pd.DataFrame) -> None:
    """Add the section to ``page`` (a ``build.Page``): rankings under every recorded
    metric and Kendall's tau with the ranking under the primary metric."""
    ranks, agreement = metric_rankings(trials)
    page.heading("Does the verdict depend on the metric?", 2, "metrics", nav="Metrics")
    if agreement.empty:
        page.para("No secondary metrics were recorded (synthetic problems only, or a run "
                  "written before tunebench recorded every metric).")
        return
    label = primary_label(trials)
    page.table(Table("metric_agreement", agreement,
                     f"Ranking of strategies by each metric's test value of the final "
                     f"incumbent (chosen by validation {label}), and Kendall's tau with the "
                     f"ranking by test {label} on the same problems",
                     note="Mean rank over problems of the median over seeds; tau 1: same "
                          "order as the primary metric, -1: reversed."))
    wide = ranks.pivot(index="strategy", columns="metric", values="mean_rank").reset_index()
    page.table(Table("metric_mean_ranks", wide, "Mean rank per strategy under each metric "
                     "(1 = best)"))
