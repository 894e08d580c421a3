"""The regression gate: is one strategy significantly worse than a baseline?

For tuner developers' CI (``tunebench compare``). The comparison is the control analysis
(:func:`benchmarks.analysis.control.against_control`) with the baseline as the control:
exact Wilcoxon signed-rank test on the per-problem means over seeds, Holm over every
strategy of the runs against that baseline. The strategy is *significantly worse* when its
Holm-adjusted p is below alpha and the signed ranks point its way (a positive
rank-biserial correlation of losses, a negative one of normalised scores).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from tunebench.benchmarks.analysis.control import against_control


@dataclass(frozen=True)
class Gate:
    """The outcome of :func:`regression_gate`."""

    strategy: str
    baseline: str
    value: str
    alpha: float
    comparisons: int
    row: pd.Series

    @property
    def lower_is_better(self) -> bool:
        return not self.value.startswith("score_")

    @property
    def worse(self) -> bool:
        r = self.row
        direction = r["rank_biserial"] > 0 if self.lower_is_better else r["rank_biserial"] < 0
        return bool(r["attainable"] and r["p_holm"] < self.alpha and direction)

    def lines(self) -> list[str]:
        """What ``tunebench compare`` prints."""
        r = self.row
        better = "lower" if self.lower_is_better else "higher"
        verdict = ("SIGNIFICANTLY WORSE" if self.worse else
                   "not significantly worse" + ("" if r["attainable"] else
                                               " (significance unreachable with this many "
                                               "problems)"))
        return [
            f"{self.strategy} vs {self.baseline} on {int(r['problems'])} problems "
            f"({self.value}, per-problem mean over seeds; {better} is better)",
            f"  wins {int(r['wins'])}, losses {int(r['losses'])}, ties "
            f"{int(r['problems'] - r['n_nonzero'])}; median difference {r['median_diff']:.4g}; "
            f"rank-biserial {r['rank_biserial']:.3f}",
            f"  exact Wilcoxon signed-rank p = {r['p_value']:.4g}; Holm-adjusted over "
            f"{self.comparisons} comparison(s) against {self.baseline}: p = {r['p_holm']:.4g}",
            f"  alpha = {self.alpha:g}: {self.strategy} is {verdict} than {self.baseline}",
        ]


def regression_gate(final_rows: pd.DataFrame, strategy: str, baseline: str,
                    value: str = "score_test", alpha: float = 0.05) -> Gate:
    """Compare ``strategy`` with ``baseline`` on final rows (one per problem, strategy and
    seed; see :func:`benchmarks.analysis.trajectory.final`). ValueError naming the valid
    strategies when either is absent."""
    present = sorted(final_rows["strategy"].unique())
    missing = [s for s in (strategy, baseline) if s not in present]
    if missing:
        raise ValueError(f"strategy {missing[0]!r} is not in the run(s); valid: {present}")
    if strategy == baseline:
        raise ValueError("--strategy and --baseline name the same strategy")
    lower = not value.startswith("score_")
    table = against_control(final_rows, value, baseline, alpha, lower_is_better=lower)
    row = table[table["strategy"] == strategy].iloc[0]
    return Gate(strategy, baseline, value, alpha, len(table), row)
