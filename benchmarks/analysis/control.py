"""The headline comparison: every strategy against one control (``random``) over problems.

Each problem contributes one value per strategy, the mean over seeds of the final value
(seeds share a problem, so they are not independent observations of the population of
problems). For each strategy the per-problem differences ``strategy - control`` are tested
with the exact two-sided Wilcoxon signed-rank test; problems where the difference is exactly
zero are dropped (Wilcoxon's original treatment), which lowers the test's ``n`` and so the
smallest p it can reach; the table reports both counts. The ``k - 1`` p-values are
Holm-corrected together. Effect sizes: the median per-problem difference and the
matched-pairs rank-biserial correlation (negative: the strategy's losses are lower), both
over the same problems as the test (exact ties dropped; 0 when every problem ties).

All pairs (``stats.wilcoxon_holm``) and Friedman/Nemenyi remain secondary analyses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as st

from tunebench.benchmarks.analysis.power import min_holm_p
from tunebench.benchmarks.analysis.stats import _rank_biserial, holm

COLUMNS = ["strategy", "control", "problems", "n_nonzero", "wins", "losses", "median_diff",
           "rank_biserial", "statistic", "p_value", "p_holm", "min_p_holm", "attainable"]


def per_problem_means(final_rows: pd.DataFrame, value: str) -> pd.DataFrame:
    """Problems x strategies table of the mean over seeds of ``value``."""
    return final_rows.groupby(["problem", "strategy"])[value].mean().unstack("strategy")


def _one(d: np.ndarray, sign: int) -> dict[str, float | int]:
    """Exact Wilcoxon test of the differences ``d`` with zeros dropped; ``sign`` is -1 when
    lower values are better, +1 when higher are."""
    nz = d[d != 0]
    row: dict[str, float | int] = {
        "problems": len(d), "n_nonzero": len(nz), "wins": int((sign * nz > 0).sum()),
        "losses": int((sign * nz < 0).sum()),
        "median_diff": float(np.median(nz)) if len(nz) else 0.0 if len(d) else np.nan,
        "rank_biserial": _rank_biserial(d), "statistic": np.nan, "p_value": 1.0,
    }
    if len(nz) >= 1:
        res = st.wilcoxon(nz, method="exact")
        row["statistic"], row["p_value"] = float(res.statistic), float(res.pvalue)
    return row


def against_control(final_rows: pd.DataFrame, value: str, control: str = "random",
                    alpha: float = 0.05, lower_is_better: bool = True) -> pd.DataFrame:
    """Each strategy vs ``control`` on per-problem means of ``value``, Holm over ``k - 1``.

    ``median_diff`` and ``rank_biserial`` are strategy minus control; ``wins`` counts the
    problems where the strategy is better (lower loss, or higher normalised score with
    ``lower_is_better=False``). Normalised scores are the better input when problems mix
    scales: the signed-rank test ranks differences across problems.

    ``min_p_holm`` is the smallest Holm-adjusted p the comparison could have reached with
    its ``n_nonzero`` problems; ``attainable`` says whether that is below ``alpha`` (when
    it is not, an empty significance column would be a false promise). Empty when the
    control is absent.
    """
    means = per_problem_means(final_rows, value)
    if control not in means.columns:
        return pd.DataFrame(columns=COLUMNS)
    others = [s for s in sorted(means.columns) if s != control]
    rows = []
    for s in others:
        pair = means[[s, control]].dropna()
        row = _one((pair[s] - pair[control]).to_numpy(float), -1 if lower_is_better else 1)
        rows.append({"strategy": s, "control": control, **row})
    out = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("p_holm", "min_p_holm",
                                                                       "attainable")])
    m = len(out)
    out["p_holm"] = holm(out["p_value"].to_numpy()) if m else []
    out["min_p_holm"] = [min_holm_p(int(n), m) for n in out["n_nonzero"]]
    out["attainable"] = out["min_p_holm"] < alpha
    return out[COLUMNS].sort_values(["p_holm", "strategy"], ignore_index=True)


def zero_note(table: pd.DataFrame) -> str:
    """A sentence naming the comparisons whose tied problems were dropped ("" if none)."""
    tied = table[table["n_nonzero"] < table["problems"]]
    if tied.empty:
        return ""
    parts = [f"{r.strategy} ({r.problems - r.n_nonzero} of {r.problems})"
             for r in tied.itertuples()]
    return ("Problems where a strategy's mean equals the control's exactly are dropped from "
            "its test, which lowers n and the smallest reachable p: " + ", ".join(parts) + ".")

