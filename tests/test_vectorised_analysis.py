"""The vectorised analysis and table code (issue 28: a 5M-row report in a minute) gives the
very values of the straightforward per-cell code it replaced, kept here as the reference:
every comparison is exact (``check_exact``), on inputs with ties, zeros, NaNs, cells of
different lengths and cells that cannot afford an evaluation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from tunebench.benchmarks.analysis import protocol as P
from tunebench.benchmarks.analysis.curves import time_curves
from tunebench.benchmarks.analysis.overfitting import overfitting, rank_reversals
from tunebench.benchmarks.analysis.significance import final_by_problem
from tunebench.benchmarks.analysis.stats import (
    _poi,
    _poi_resampled,
    _rank_biserial,
    _rank_biserial_columns,
    wilcoxon_holm,
)
from tunebench.benchmarks.analysis.trajectory import final, incumbents
from tunebench.benchmarks.report.tables import Table, booktabs


def _trials(seed: int = 0, protocols: tuple[str, ...] = ("cv-3", "holdout")) -> pd.DataFrame:
    """Random trials: 3 problems x protocols x 3 strategies x 4 seeds, 6-11 evaluations a
    cell, fits 0-7 (0: reused), failed trials, rounded losses (ties)."""
    rng = np.random.default_rng(seed)
    rows = []
    for p, proto, s, sd in itertools.product(["pa", "pb", "pc"], protocols, ["r", "s", "t"],
                                             range(1, 5)):
        for t in range(int(rng.integers(6, 12))):
            rows.append((p, proto, s, sd, t))
    df = pd.DataFrame(rows, columns=["problem", "protocol", "strategy", "seed", "trial"])
    n = len(df)
    df["val_loss"] = rng.random(n).round(1)
    df["test_loss"] = (df["val_loss"] + rng.normal(0, 0.1, n)).round(2)
    df["fits"] = rng.integers(0, 8, n)
    df.loc[df.sample(frac=0.05, random_state=1).index, ["val_loss", "test_loss"]] = np.nan
    df["status"] = np.where(df["val_loss"].isna(), "error", "ok")
    df["reused"] = df["fits"] == 0
    for c in ("fit_seconds", "ask_seconds", "tell_seconds"):
        df[c] = rng.random(n) * 0.01
    return df


def _old_at_fits(traj: pd.DataFrame, budget: int) -> pd.DataFrame:
    within = traj[traj["fits_cum"] <= budget]
    last = within.groupby(P.PCELL, sort=True).tail(1).set_index(P.PCELL)
    return last.reindex(traj.groupby(P.PCELL, sort=True).size().index).reset_index()


def _old_cost_curves(traj: pd.DataFrame, points: int = 40) -> pd.DataFrame:
    best = traj.groupby(["problem", "seed"])["best_test_seen"].transform("min")
    t = traj.assign(regret=traj["inc_test"] - best)
    grid = np.unique(np.linspace(1, t["fits_cum"].max(), points).round().astype(int))
    spent = t.groupby(P.PCELL)["fits_cum"].max().groupby(["protocol", "strategy"]).min()
    rows = []
    for f in grid:
        m = _old_at_fits(t, int(f)).groupby(["protocol", "strategy"], sort=False)["regret"].mean()
        rows += [{"protocol": p, "strategy": s, "fits": int(f), "regret": v}
                 for (p, s), v in m.items() if f <= spent[(p, s)]]
    return pd.DataFrame(rows, columns=["protocol", "strategy", "fits", "regret"])


def test_at_fits_and_cost_curves_equal_the_grouped_filter() -> None:
    traj = P.trajectories(_trials())
    for budget in (0, 1, 5, 13, 40, 1000):  # 0 and 1: most cells cannot afford a trial
        assert_frame_equal(P.at_fits(traj, budget), _old_at_fits(traj, budget),
                           check_exact=True)
    assert_frame_equal(P.cost_curves(traj), _old_cost_curves(traj), check_exact=True)
    assert_frame_equal(P.cost_curves(traj, points=7), _old_cost_curves(traj, points=7),
                       check_exact=True)


def test_protocols_of_lists_each_protocol_once() -> None:
    df = _trials()
    df.loc[3, "protocol"] = None
    assert P.protocols_of(df, {"folds": 5}) == ["cv-3", "holdout"]
    assert P.protocols_of(df, {"protocols": ["holdout", "cv-3"]}) == ["holdout", "cv-3"]


def _old_incumbent_columns(trials: pd.DataFrame) -> pd.DataFrame:
    """incumbents' grouped columns computed with the three key columns, as before."""
    cell = ["problem", "strategy", "seed"]
    df = trials.sort_values(cell + ["trial"], kind="stable").reset_index(drop=True)
    keys = [df[c] for c in cell]
    ok = (df["status"] == "ok") & np.isfinite(df["val_loss"]) & np.isfinite(df["test_loss"])
    val = df["val_loss"].where(ok, np.inf)
    prev = val.groupby(keys, sort=False).cummin().groupby(keys, sort=False).shift(1)
    new_best = ok & (val < prev.fillna(np.inf))
    row = pd.Series(np.where(new_best, np.arange(len(df)), np.nan))
    inc_row = row.groupby(keys, sort=False).ffill()
    wall = df["fit_seconds"] + df["ask_seconds"] + df["tell_seconds"]
    return pd.DataFrame({
        "inc_val": np.where(inc_row.notna(), df["val_loss"].to_numpy()[
            inc_row.fillna(0).astype(np.int64).to_numpy()], np.nan),
        "best_test_seen": df["test_loss"].where(ok, np.inf).groupby(keys, sort=False)
        .cummin().replace(np.inf, np.nan).to_numpy(),
        "elapsed": wall.groupby(keys, sort=False).cumsum().to_numpy()})


def test_incumbents_equal_grouping_by_key_columns() -> None:
    trials = _trials(protocols=("cv-3",))
    traj = incumbents(trials)
    assert_frame_equal(traj[["inc_val", "best_test_seen", "elapsed"]],
                       _old_incumbent_columns(trials), check_exact=True)
    o = overfitting(traj)
    keys = [traj[c] for c in ["problem", "strategy", "seed"]]
    best = traj["inc_test"].groupby(keys, sort=False).cummin()
    np.testing.assert_array_equal(o["ot"].to_numpy(), (traj["inc_test"] - best).to_numpy())


def _old_rank_reversals(final_rows: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for problem, g in final_rows.groupby("problem", sort=True):
        med = g.groupby("strategy")[["inc_val", "inc_test"]].median()
        disc = pairs = 0
        for i, j in itertools.combinations(range(len(med)), 2):
            dv = med["inc_val"].iloc[i] - med["inc_val"].iloc[j]
            dt = med["inc_test"].iloc[i] - med["inc_test"].iloc[j]
            if dv == 0 or dt == 0:
                continue
            pairs += 1
            disc += (dv > 0) != (dt > 0)
        rows.append({"problem": problem, "pairs": pairs,
                     "discordant_share": disc / pairs if pairs else np.nan,
                     "best_by_val": med["inc_val"].idxmin(),
                     "best_by_test": med["inc_test"].idxmin(),
                     "winner_changes": med["inc_val"].idxmin() != med["inc_test"].idxmin()})
    return pd.DataFrame(rows)


def test_rank_reversals_equal_the_pair_loop() -> None:
    fin = final(overfitting(incumbents(_trials(protocols=("cv-3",)))))
    fin.loc[fin.index[:3], "inc_val"] = np.nan  # a NaN median counts as in the loop
    assert_frame_equal(rank_reversals(fin), _old_rank_reversals(fin), check_exact=True)


def test_rank_biserial_columns_equal_per_column() -> None:
    rng = np.random.default_rng(3)
    d = rng.integers(-3, 4, size=(12, 40)).astype(float) / 4  # zeros and ties
    d[:, 0] = 0.0
    got = _rank_biserial_columns(d)
    want = np.array([_rank_biserial(d[:, j]) for j in range(d.shape[1])])
    np.testing.assert_array_equal(got, want)
    d[2, 5] = np.nan  # NaN: the per-column path
    np.testing.assert_array_equal(_rank_biserial_columns(d),
                                  [_rank_biserial(d[:, j]) for j in range(d.shape[1])])
    w = wilcoxon_holm(pd.DataFrame({"seed": np.repeat(np.arange(6), 3),
                                    "strategy": ["a", "b", "c"] * 6,
                                    "v": rng.integers(0, 3, 18) / 2}), "v", ["seed"])
    assert w["rank_biserial"].between(-1, 1).all()


def test_poi_bootstrap_equals_resampled_comparisons() -> None:
    rng = np.random.default_rng(5)
    X, Y = rng.integers(0, 4, (7, 5)) / 4, rng.integers(0, 4, (7, 6)) / 4  # ties
    ix, iy = rng.integers(0, 5, (50, 7, 5)), rng.integers(0, 6, (50, 7, 6))
    Xb = np.take_along_axis(np.broadcast_to(X, (50, 7, 5)), ix, axis=2)
    Yb = np.take_along_axis(np.broadcast_to(Y, (50, 7, 6)), iy, axis=2)
    np.testing.assert_array_equal(_poi_resampled(X, Y, ix, iy), _poi(Xb, Yb))


def _old_time_curves(traj: pd.DataFrame, points: int = 60) -> pd.DataFrame:
    rows = []
    for problem, gp in traj.groupby("problem", sort=True):
        lo, hi = max(gp["elapsed"].min(), 1e-4), gp["elapsed"].max()
        grid = np.geomspace(lo, hi, points) if hi > lo else np.array([hi])
        for strategy, gs in gp.groupby("strategy", sort=True):
            vals = []
            for _, cell in gs.groupby("seed"):
                e, v = cell["elapsed"].to_numpy(), cell["inc_val"].to_numpy()
                i = np.searchsorted(e, grid, side="right") - 1
                vals.append(np.where(i >= 0, v[np.clip(i, 0, None)], np.nan))
            arr = np.array(vals)
            with np.errstate(all="ignore"):
                ok = ~np.isnan(arr).any(axis=0)
            if ok.any():
                med = np.median(arr[:, ok], axis=0)
                rows.append(pd.DataFrame({"problem": problem, "strategy": strategy,
                                          "time": grid[ok], "center": med, "low": med,
                                          "high": med}))
    return pd.concat(rows, ignore_index=True)


def test_time_curves_equal_the_per_cell_loop() -> None:
    traj = incumbents(_trials(protocols=("cv-3",)))
    assert_frame_equal(time_curves(traj), _old_time_curves(traj), check_exact=True)
    assert_frame_equal(time_curves(traj, points=5), _old_time_curves(traj, points=5),
                       check_exact=True)
    assert time_curves(traj.iloc[:0]).empty


def test_final_by_problem_marks_significant_differences_from_the_baseline() -> None:
    fin = pd.DataFrame({"problem": ["p"] * 3 + ["q"] * 3, "strategy": ["random", "s", "t"] * 2,
                        "inc_test": [0.3, 0.2, 0.4, 0.5, 0.6, 0.5]})
    within = pd.DataFrame({"problem": ["p", "p", "p", "q"], "a": ["random", "random", "s", "s"],
                           "b": ["s", "t", "t", "random"],
                           "median_diff": [0.1, -0.1, -0.2, 0.1],
                           "p_holm": [0.01, 0.02, 0.001, 0.04]})
    med, marks = final_by_problem(fin, within)
    assert med.loc["p", "s"] == 0.2
    # s beats random on p (random - s > 0), t loses; s vs t is not against the baseline
    assert marks.loc["p", "s"] == "+" and marks.loc["p", "t"] == "-"
    assert marks.loc["q", "s"] == "-" and marks.loc["q", "t"] == ""
    within.loc[0, "p_holm"] = 0.2
    assert final_by_problem(fin, within)[1].loc["p", "s"] == ""


def test_latex_tables_equal_pandas_styler() -> None:
    rows = [["a\\_b", "0.100 [0.000, 0.200]"], ["c", "\\textbf{x}$^{+}$"]]
    for body in (rows, []):
        want = (pd.DataFrame(body, columns=["Problem", "IQM"]).style.hide(axis="index")
                .to_latex(hrules=True, column_format="lr", environment="table", position="t",
                          position_float="centering", caption="cap", label="tab:x"))
        assert booktabs(["Problem", "IQM"], body, "lr", "cap", "tab:x") == want


def test_table_cells_formatted_per_column() -> None:
    df = pd.DataFrame({"problem": ["p_long_name_number_one-x", "q"], "iqm": [0.29, np.nan],
                       "iqm_low": [0.21, np.nan], "iqm_high": [0.35, np.nan],
                       "p_value": [0.0004, 0.5], "ok": [True, False], "n": [3, 4]})
    bold = pd.DataFrame(False, index=df.index, columns=df.columns)
    bold.loc[0, "iqm"] = True
    marks = pd.DataFrame("", index=df.index, columns=df.columns)
    marks.loc[1, "n"] = "+"
    t = Table("x", df, "A & B", bold=bold, marks=marks)
    md = t.to_markdown()
    assert "| p_long_name_number_one-x | **0.290 [0.210, 0.350]** | <0.001 | yes | 3 |" in md
    assert "| q | – | 0.500 | no | 4<sup>+</sup> |" in md
    assert "<td><b>0.290 [0.210, 0.350]</b></td>" in t.to_html()
    tex = t.to_latex()
    assert r"\textbf{0.290 [0.210, 0.350]}" in tex and r"4$^{+}$" in tex
    assert r"A \& B" in tex and "Problems: " in tex


def _old_kendall(v: np.ndarray, t: np.ndarray) -> np.ndarray:
    sa = np.nan_to_num(np.sign(v[:, :, None] - v[:, None, :]))
    sb = np.nan_to_num(np.sign(t[:, :, None] - t[:, None, :]))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sa * sb).sum((1, 2)) / np.sqrt(np.abs(sa).sum((1, 2)) * np.abs(sb).sum((1, 2)))


def test_kendall_with_int8_signs_equals_float_signs() -> None:
    rng = np.random.default_rng(7)
    v, t = rng.integers(0, 5, (300, 12)) / 4, rng.integers(0, 5, (300, 12)) / 4  # ties
    v[rng.random(v.shape) < 0.2] = np.nan  # padding
    t[0, :] = 1.0  # constant: 0 / 0
    v[1, 0], t[2, 3] = np.inf, -np.inf
    got, want = P._kendall(v, t, chunk=64), _old_kendall(v, t)
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got[0]) and np.isfinite(got[5])
