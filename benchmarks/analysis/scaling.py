"""Training size as an experimental axis: "Does tuning transfer as data grows?"

Pure computations for the report's scaling section. A cell is (problem, size, strategy,
seed); sizes are ``n_train`` values. Per size the incumbent machinery runs unchanged on that
size's trials; then, per (problem, size, seed), each strategy's final incumbent is compared
with random search's (``random``, the baseline) on the same seed, hence the same test rows:

* raw gain ``loss(random) - loss(strategy)`` on validation (the incumbent's ``val_loss``)
  and on test (its ``test_loss``); positive: the strategy is better;
* relative gain: the raw gain divided by random's loss (``|loss|``, left raw when 0), so
  problems with different loss scales average;
* overtuning share (cells with ``OT > 0``) and mean relative overtuning (Schneider, Bischl
  & Feurer 2025; see :mod:`benchmarks.analysis.overfitting`) at the final budget;
* Spearman's rho between validation and test loss over the configurations a cell tried;
* ``test_se``: the test-set standard error of the final incumbent's loss (recorded per
  trial, :mod:`problems.test_se`), to set against the test gain; ``test_se_rel`` the same
  divided by random search's test loss (the scale of ``test_gain_rel``);
  ``noise_share``: the share of problems whose mean raw test gain is below 2 test SEs
  (compared within each problem, in its own units): there one split cannot show the gain.

Seeds are averaged within a problem; means over problems. The paired test is the exact
two-sided Wilcoxon signed-rank test over problems on the relative gains (zeros dropped),
per size and strategy; Holm's correction runs across the sizes of one strategy and side.
``band`` columns are mean +- 1.96 standard errors over problems (normal approximation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from tunebench.benchmarks.analysis.overfitting import overfitting
from tunebench.benchmarks.analysis.protocol import _zero_noise, rank_correlations
from tunebench.benchmarks.analysis.stats import holm
from tunebench.benchmarks.analysis.trajectory import CELL, final, incumbents

BASELINE = "random"
TABLE = ["n_train", "strategy", "problems", "val_gain", "test_gain", "val_gain_rel",
         "test_gain_rel", "val_band", "test_band", "ot_share", "rel_ot", "spearman", "test_se",
         "test_se_rel", "noise_share", "val_p", "test_p", "val_p_holm", "test_p_holm"]
#: Columns of the report's table: unitless ones only (raw gains and SEs are means over
#: problems with different units and loss scales, so the largest-loss problem dominates).
SHOWN = ["n_train", "strategy", "problems", "val_gain_rel", "test_gain_rel", "val_band",
         "test_band", "test_se_rel", "noise_share", "ot_share", "rel_ot", "spearman",
         "val_p_holm", "test_p_holm"]


def sizes_of(trials: pd.DataFrame) -> list[int]:
    """The run's training sizes, ascending: the ``n_train`` values of the problems run at
    several sizes. Empty for a run with one size per problem (each problem's ``n_train`` is
    then its own whole training part, which differs between problems), for runs without an
    ``n_train`` column, and for synthetic functions."""
    if "n_train" not in trials.columns:
        return []
    per = trials.dropna(subset=["n_train"]).groupby("problem")["n_train"].unique()
    return sorted({int(n) for sizes in per if len(sizes) > 1 for n in sizes})


def main_size_only(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials of each problem's largest training size: the rest of the report keys cells
    by (problem, strategy, seed), so it reads one size; the scaling section reads them all.
    Unchanged for a run with one size per problem."""
    if not sizes_of(trials):
        return trials
    largest = trials.groupby("problem")["n_train"].transform("max")
    keep = trials["n_train"].isna() | (trials["n_train"] == largest)
    return trials[keep].reset_index(drop=True)


def final_cells(trials: pd.DataFrame) -> pd.DataFrame:
    """Per (problem, strategy, seed) of one size: the final incumbent's val/test loss and
    test SE, overtuning, relative overtuning and the validation-test Spearman rho."""
    fin = final(overfitting(incumbents(trials)))
    keyed = trials[CELL + ["trial"] + (["test_loss_se"] if "test_loss_se" in trials else [])]
    fin = fin.merge(keyed.rename(columns={"trial": "inc_trial"}), on=CELL + ["inc_trial"],
                    how="left")
    if "test_loss_se" not in fin:
        fin["test_loss_se"] = np.nan
    rho = rank_correlations(trials.assign(protocol=trials.get("protocol", "")))
    return fin.merge(rho[CELL + ["spearman"]], on=CELL, how="left")


def _wilcoxon(per_problem: pd.Series) -> float:
    nz = _zero_noise(per_problem).to_numpy()
    nz = nz[nz != 0]
    return float(stats.wilcoxon(nz, method="exact").pvalue) if len(nz) else 1.0


def _band(x: pd.Series) -> float:
    return float(1.96 * x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else np.nan


def gains(fin: pd.DataFrame) -> pd.DataFrame:
    """Per (problem, strategy, seed): raw and relative gains over random search on
    validation and test (rows of cells whose seed has a random-search cell)."""
    base = fin[fin["strategy"] == BASELINE][["problem", "seed", "inc_val", "inc_test"]]
    m = fin.merge(base, on=["problem", "seed"], suffixes=("", "_rs"))
    out = m[CELL + ["ot", "rel_ot", "spearman", "test_loss_se"]].copy()
    for side, col in (("val", "inc_val"), ("test", "inc_test")):
        out[f"{side}_gain"] = m[f"{col}_rs"] - m[col]
        scale = m[f"{col}_rs"].abs()
        out[f"{side}_gain_rel"] = out[f"{side}_gain"] / scale.where(scale > 0, 1.0)
    scale = m["inc_test_rs"].abs()
    out["test_se_rel"] = out["test_loss_se"] / scale.where(scale > 0, 1.0)
    return out


def size_rows(fin: pd.DataFrame, n_train: int) -> list[dict]:
    """The table rows of one size (one per strategy)."""
    g = gains(fin)
    rows = []
    for strategy, s in g.groupby("strategy", sort=True):
        pp = s.groupby("problem")[["val_gain", "test_gain", "val_gain_rel",
                                   "test_gain_rel", "test_loss_se", "test_se_rel"]].mean()
        known = pp["test_loss_se"].notna()
        cells = fin[fin["strategy"] == strategy]
        rows.append({
            "n_train": n_train, "strategy": strategy, "problems": len(pp),
            **{c: float(pp[c].mean()) for c in ("val_gain", "test_gain", "val_gain_rel",
                                                "test_gain_rel")},
            "val_band": _band(pp["val_gain_rel"]), "test_band": _band(pp["test_gain_rel"]),
            "ot_share": float((cells["ot"] > 0).mean()),
            "rel_ot": float(cells["rel_ot"].mean()) if cells["rel_ot"].notna().any() else np.nan,
            "spearman": float(cells["spearman"].mean()) if cells["spearman"].notna().any()
            else np.nan,
            "test_se": float(pp["test_loss_se"].mean()) if known.any() else np.nan,
            "test_se_rel": float(pp["test_se_rel"].mean()) if known.any() else np.nan,
            "noise_share": (float((pp["test_gain"].abs()[known]
                                   < 2 * pp["test_loss_se"][known]).mean())
                            if known.any() and strategy != BASELINE else np.nan),
            "val_p": np.nan if strategy == BASELINE else _wilcoxon(pp["val_gain_rel"]),
            "test_p": np.nan if strategy == BASELINE else _wilcoxon(pp["test_gain_rel"]),
        })
    return rows


def scaling(trials: pd.DataFrame) -> dict:
    """The scaling section's numbers; empty when the run has fewer than two sizes or no
    random-search baseline. Keys: ``sizes``, ``table`` (columns :data:`TABLE`, one row per
    size and strategy), ``verdicts`` (one sentence per strategy)."""
    sizes = sizes_of(trials)
    if len(sizes) < 2 or BASELINE not in set(trials["strategy"]):
        return {}
    rows = []
    for n in sizes:
        rows += size_rows(final_cells(trials[trials["n_train"] == n]), n)
    table = pd.DataFrame(rows, columns=TABLE)
    for side in ("val", "test"):
        for _, idx in table.groupby("strategy").groups.items():
            p = table.loc[idx, f"{side}_p"]
            ok = p.notna()
            table.loc[p[ok].index, f"{side}_p_holm"] = holm(p[ok].to_numpy()) if ok.any() else []
    return {"sizes": sizes, "table": table, "verdicts": verdicts(table)}


def smallest_p(problems: int, tests: int = 1) -> float:
    """The smallest p-value the exact two-sided Wilcoxon signed-rank test can give with
    ``problems`` pairs (all of one sign, no zeros: ``2 / 2**n``), times ``tests`` for Holm's
    first step: what a table of that many problems can detect at all."""
    return min(1.0, tests * 2.0 / 2 ** problems) if problems else 1.0


def verdicts(table: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """Per strategy: the smallest size at which its validation gain over random search
    also shows on test (test gain > 0 with Holm-adjusted p < alpha), if any; first, when
    the run has too few problems for any size to reach ``alpha``, a sentence saying so."""
    out = []
    rest = table[table["strategy"] != BASELINE]
    if len(rest):
        n, k = int(rest["problems"].min()), int(rest["n_train"].nunique())
        floor = smallest_p(n, k)
        if floor >= alpha:
            out.append(f"Underpowered: with {n} problems the exact Wilcoxon test cannot go "
                       f"below p = {floor:.3g} after Holm over {k} sizes, so no size can "
                       f"show a gain at alpha {alpha}; read the gains, bands and test SEs "
                       f"(at least {_problems_needed(k, alpha)} problems are needed).")
    for strategy, g in rest.groupby("strategy", sort=True):
        hit = g[(g["test_gain_rel"] > 0) & (g["test_p_holm"] < alpha)]
        val = g[(g["val_gain_rel"] > 0) & (g["val_p_holm"] < alpha)]
        said = (f"from {int(hit['n_train'].min())} training rows" if len(hit) else
                "at none of the sizes")
        out.append(f"{strategy}: better than random search on validation at "
                   f"{len(val)} of {len(g)} sizes; its gain shows on test {said} "
                   f"(exact Wilcoxon over problems, Holm across sizes, alpha {alpha}).")
    return out


def _problems_needed(tests: int, alpha: float) -> int:
    n = 1
    while smallest_p(n, tests) >= alpha:
        n += 1
    return n


__all__ = ["BASELINE", "SHOWN", "TABLE", "final_cells", "gains", "main_size_only", "scaling",
           "size_rows", "sizes_of", "smallest_p", "verdicts"]
