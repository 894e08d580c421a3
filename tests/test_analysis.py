"""Analysis functions against numbers computed by hand on small fixtures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis.aggregate import bootstrap_band, iqm
from tunebench.benchmarks.analysis.normalise import best_known, expected_best, normalised_scores
from tunebench.benchmarks.analysis.overfitting import overfitting, overfitting_table, rank_reversals
from tunebench.benchmarks.analysis.ranks import ranks_over_time
from tunebench.benchmarks.analysis.stats import (
    _rank_biserial,
    friedman,
    probability_of_improvement,
    stratified_bootstrap,
    wilcoxon_holm,
)
from tunebench.benchmarks.analysis.trajectory import final, incumbents

NAN = math.nan


def trials(cells: dict[tuple[str, str, int], list[tuple[float, float]]]) -> pd.DataFrame:
    rows = []
    for (problem, strategy, seed), evals in cells.items():
        for t, (v, s) in enumerate(evals):
            ok = not (math.isnan(v) or math.isnan(s))
            rows.append({"problem": problem, "strategy": strategy, "seed": seed, "trial": t,
                         "val_loss": v, "test_loss": s, "status": "ok" if ok else "error",
                         "fit_seconds": 1.0, "ask_seconds": 0.5, "tell_seconds": 0.25})
    return pd.DataFrame(rows)


CELL = [(0.5, 0.6), (NAN, NAN), (0.3, 0.5), (0.3, 0.1), (0.4, 0.2), (0.2, 0.35), (0.1, 0.45)]


def test_incumbent_trajectory_by_hand():
    traj = incumbents(trials({("p", "s", 1): CELL}))
    assert traj["inc_trial"].tolist() == [0, 0, 2, 2, 2, 5, 6]  # tie at 3 keeps trial 2
    assert traj["inc_val"].tolist() == [0.5, 0.5, 0.3, 0.3, 0.3, 0.2, 0.1]
    assert traj["inc_test"].tolist() == [0.6, 0.6, 0.5, 0.5, 0.5, 0.35, 0.45]
    assert traj["best_test_seen"].tolist() == [0.6, 0.6, 0.5, 0.1, 0.1, 0.1, 0.1]
    assert traj["elapsed"].tolist() == [1.75 * k for k in range(1, 8)]


def test_failed_first_trial_means_no_incumbent_yet():
    traj = incumbents(trials({("p", "s", 1): [(NAN, NAN), (0.4, 0.5)]}))
    assert math.isnan(traj["inc_val"].iloc[0]) and traj["inc_val"].iloc[1] == 0.4


def test_cells_do_not_leak_into_each_other():
    traj = incumbents(trials({("p", "a", 1): [(0.1, 0.1), (0.5, 0.5)],
                              ("p", "b", 1): [(0.9, 0.9), (0.8, 0.7)]}))
    b = traj[traj["strategy"] == "b"]
    assert b["inc_val"].tolist() == [0.9, 0.8]
    assert final(traj)["inc_val"].tolist() == [0.1, 0.8]


def test_overfitting_statistics_by_hand():
    out = overfitting(incumbents(trials({("p", "s", 1): CELL})))
    np.testing.assert_allclose(out["gap"], [0.1, 0.1, 0.2, 0.2, 0.2, 0.15, 0.35])
    np.testing.assert_allclose(out["ot"], [0, 0, 0, 0, 0, 0, 0.10], atol=1e-12)
    # relOT_6 = 0.10 / (0.6 - 0.35); at t=0,1 the denominator is 0: "no progress"
    assert math.isnan(out["rel_ot"].iloc[0]) and math.isnan(out["rel_ot"].iloc[1])
    assert out["rel_ot"].iloc[6] == pytest.approx(0.4)
    np.testing.assert_allclose(out["test_regret"], [0, 0, 0, 0.4, 0.4, 0.25, 0.35], atol=1e-12)
    table = overfitting_table(final(out))
    row = table.iloc[0]
    assert row["share_ot_positive"] == 1.0 and row["share_rel_ot_above_1"] == 0.0
    assert row["median_gap"] == pytest.approx(0.35)


def test_rank_reversals_by_hand():
    fin = pd.DataFrame({"problem": "p", "strategy": ["a", "b", "c"], "seed": 1,
                        "inc_val": [0.1, 0.2, 0.3], "inc_test": [0.3, 0.2, 0.1]})
    r = rank_reversals(fin).iloc[0]
    assert r["pairs"] == 3 and r["discordant_share"] == 1.0
    assert r["best_by_val"] == "a" and r["best_by_test"] == "c" and r["winner_changes"]


def test_expected_best_without_replacement_by_hand():
    # t=2 of 3: min is v(1) w.p. 2/3, v(2) w.p. 1/3
    ev, et = expected_best(np.array([3.0, 1.0, 2.0]), np.array([30.0, 10.0, 20.0]),
                           np.array([1, 2, 3]))
    np.testing.assert_allclose(ev, [2.0, 4 / 3, 1.0])
    np.testing.assert_allclose(et, [20.0, 40 / 3, 10.0])


def test_normalised_score_by_hand_per_seed():
    df = trials({("p", "tpe", 1): [(1.0, 5.0)], ("p", "tpe", 2): [(1.0, 5.0)]})
    r0 = pd.DataFrame({"problem": "p", "seed": [1, 2], "trial": 0, "r0_val": [2.0, 3.0],
                       "r0_test": [20.0, 10.0]})
    lstar = pd.DataFrame({"problem": "p", "seed": [1, 2], "lstar_val": [0.0, 1.0],
                          "lstar_test": [0.0, 5.0]})
    s = normalised_scores(incumbents(df), r0, lstar).set_index("seed")
    assert s.loc[1, "score_val"] == pytest.approx(0.5)
    assert s.loc[1, "score_test"] == pytest.approx(0.75)
    assert s.loc[2, "score_val"] == pytest.approx(1.0)
    assert s.loc[2, "score_test"] == pytest.approx(1.0)


def test_best_known_sources():
    assert best_known("branin", "value", 0.397, {}) == (0.397, "known optimum")
    assert best_known("x", "rmse", None, {"x": 1.5}) == (1.5, "suite reference")
    with pytest.raises(ValueError, match="reference"):
        best_known("x", "weird", None, {})


def test_ranks_over_time_by_hand():
    df = trials({("p", "a", 1): [(0.1, 0), (0.1, 0)], ("p", "b", 1): [(0.2, 0), (0.05, 0)],
                 ("q", "a", 1): [(0.3, 0), (0.3, 0)], ("q", "b", 1): [(0.3, 0), (0.1, 0)]})
    r = ranks_over_time(incumbents(df)).set_index(["strategy", "trial"])["mean_rank"]
    assert r[("a", 0)] == pytest.approx((1 + 1.5) / 2)  # p: a best; q: tie
    assert r[("b", 0)] == pytest.approx((2 + 1.5) / 2)
    assert r[("a", 1)] == 2.0 and r[("b", 1)] == 1.0


def test_iqm_and_bootstrap():
    assert iqm(np.arange(1.0, 9.0)) == pytest.approx(4.5)  # mean of 3,4,5,6
    point, lo, hi = stratified_bootstrap(np.arange(1.0, 9.0).reshape(2, 4), "iqm", 500)
    assert point == pytest.approx(4.5) and lo <= point <= hi
    same = np.full((3, 5), 2.0)
    assert stratified_bootstrap(same, "mean") == (2.0, 2.0, 2.0)
    p, lo, hi = bootstrap_band(np.array([[1.0, 5.0], [3.0, 5.0], [2.0, 5.0]]))
    np.testing.assert_allclose(p, [2.0, 5.0])
    assert lo[1] == hi[1] == 5.0 and lo[0] >= 1.0 and hi[0] <= 3.0


def test_friedman_by_hand():
    # a always best, b second, c third on 4 problems: rank sums 4, 8, 12
    rows = [{"problem": f"p{i}", "strategy": s, "seed": 1, "inc_test": v}
            for i in range(4) for s, v in [("a", 0.1), ("b", 0.2 + i), ("c", 9.0 + i)]]
    res = friedman(pd.DataFrame(rows), "inc_test")
    assert res["statistic"] == pytest.approx(12 / (4 * 3 * 4) * (16 + 64 + 144) - 3 * 4 * 4)
    assert res["p_value"] == pytest.approx(math.exp(-8 / 2))  # chi2 with 2 dof
    assert res["kendalls_w"] == pytest.approx(1.0)
    assert res["mean_ranks"].to_dict() == {"a": 1.0, "b": 2.0, "c": 3.0}
    # Demsar's CD for k=3, N=4 at alpha=0.05: q=2.343 -> 2.343*sqrt(3*4/24)
    assert res["critical_difference"] == pytest.approx(2.343 * math.sqrt(0.5), abs=2e-3)
    assert res["nemenyi"].shape == (3, 3)
    assert "skipped" in friedman(pd.DataFrame(rows[:3]), "inc_test")  # one problem


def test_friedman_leaves_out_a_strategy_not_run_everywhere_by_design():
    # the by-hand case above plus "defaults", run on 2 of the 4 problems only
    rows = [{"problem": f"p{i}", "strategy": s, "seed": 1, "inc_test": v}
            for i in range(4) for s, v in [("a", 0.1), ("b", 0.2 + i), ("c", 9.0 + i)]]
    rows += [{"problem": f"p{i}", "strategy": "defaults", "seed": 1, "inc_test": 5.0}
             for i in range(2)]
    by_design = friedman(pd.DataFrame(rows), "inc_test", partial={"defaults"})
    assert by_design["excluded"] == ["defaults"] and by_design["problems"] == 4
    assert by_design["statistic"] == pytest.approx(8.0)  # as without "defaults" at all
    gaps = friedman(pd.DataFrame(rows), "inc_test")  # any other gap drops the problem
    assert gaps["excluded"] == [] and gaps["problems"] == 2 and gaps["strategies"] == 4
    # ranks a 1, b 2, defaults 3, c 4 on both: chi2 = 12/(2*4*5) * 2^2 * (1+4+9+16) - 3*2*5
    assert gaps["statistic"] == pytest.approx(12 / 40 * 4 * 30 - 30)


def test_wilcoxon_holm_and_effect_size_by_hand():
    assert _rank_biserial(np.array([1.0, 2.0, 3.0, -0.5])) == pytest.approx(0.8)
    rows = []
    for seed, (a, b, c) in enumerate([(1, 2, 5), (2, 4, 6), (3, 5, 7), (4, 7, 9), (5, 8, 9.5),
                                      (6, 9, 12)]):
        rows += [{"problem": "p", "seed": seed, "strategy": "a", "v": a},
                 {"problem": "p", "seed": seed, "strategy": "b", "v": b},
                 {"problem": "p", "seed": seed, "strategy": "c", "v": c}]
    out = wilcoxon_holm(pd.DataFrame(rows), "v", ["problem", "seed"]).set_index(["a", "b"])
    ab = out.loc[("a", "b")]
    # a < b on all 6 pairs: exact two-sided p = 2 / 2^6, rank-biserial -1
    assert ab["p_value"] == pytest.approx(2 / 64)
    assert ab["rank_biserial"] == -1.0 and ab["median_diff"] == pytest.approx(-2.5)
    # Holm: the three equal p-values 2/64 are multiplied by 3 (capped by monotonicity)
    assert out["p_holm"].max() == pytest.approx(min(1.0, 3 * 2 / 64))


def test_probability_of_improvement_by_hand():
    fin = pd.DataFrame({"problem": "p", "strategy": ["x", "x", "random", "random"],
                        "seed": [1, 2, 1, 2], "v": [1.0, 2.0, 2.0, 3.0]})
    res = probability_of_improvement(fin, "v", n_boot=200).iloc[0]
    assert res["p_improve"] == pytest.approx(0.875)  # 3 wins, 1 tie of 4 pairs
    assert 0 <= res["low"] <= res["p_improve"] <= res["high"] <= 1


def test_vectorised_curves_equal_the_per_group_path():
    from tunebench.benchmarks.analysis.aggregate import _curves_by_group, curves

    rng = np.random.default_rng(3)
    cells = {(p, s, seed): [(v, v) for v in rng.random(6)]
             for p in ["p", "q"] for s in ["a", "b"] for seed in range(1, 6)}
    cells[("p", "a", 1)][0] = (NAN, NAN)  # no incumbent at t=0 for one seed
    traj = incumbents(trials(cells))
    fast = curves(traj, "inc_val")
    cols = ["problem", "strategy", "trial", "center", "low", "high", "n_seeds"]
    slow = _curves_by_group(traj[["problem", "strategy", "seed", "trial", "inc_val"]],
                            "inc_val", "median", 200, 0, cols)
    pd.testing.assert_frame_equal(fast[cols].reset_index(drop=True),
                                  slow[cols].reset_index(drop=True), check_dtype=False)
    assert len(fast) == 2 * 2 * 6 - 1


def test_holm_equals_statsmodels():
    from statsmodels.stats.multitest import multipletests

    from tunebench.benchmarks.analysis.stats import holm

    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5, 0.04])
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1])
    # by hand: sorted 0.005*6, 0.01*5, 0.03*4, 0.04*3, 0.04*2 -> max-accumulated, 0.5*1
    np.testing.assert_allclose(holm(p), [0.05, 0.12, 0.12, 0.03, 0.5, 0.12])


def test_pairwise_tests_do_not_depend_on_a_third_strategys_missing_blocks():
    from tunebench.benchmarks.analysis.stats import wilcoxon_holm

    rng = np.random.default_rng(0)
    df = pd.DataFrame([{"problem": f"p{i}", "strategy": s, "v": rng.normal()}
                       for i in range(8) for s in "ABC"])
    alone = wilcoxon_holm(df[df["strategy"] != "C"], "v", ["problem"])
    gappy = df[~((df["strategy"] == "C") & (df["problem"] == "p3"))]  # C failed on p3
    both = wilcoxon_holm(gappy, "v", ["problem"]).set_index(["a", "b"])
    assert both.loc[("A", "B"), "n"] == 8 and both.loc[("A", "C"), "n"] == 7
    assert both.loc[("A", "B"), "p_value"] == alone["p_value"].iloc[0]


def test_multi_fidelity_scores_compare_with_random_search_at_equal_cost():
    from tunebench.benchmarks.analysis.normalise import normalised_scores

    r0 = pd.DataFrame({"problem": "p", "seed": 1, "trial": [0, 1], "r0_val": [4.0, 2.0],
                       "r0_test": [4.0, 2.0]})
    lstar = pd.DataFrame({"problem": ["p"], "seed": [1], "lstar_val": [0.0],
                          "lstar_test": [0.0]})
    # four trials at half cost: after trial 3 the cell has spent 2 full evaluations
    traj = pd.DataFrame({"problem": "p", "strategy": "mf", "seed": 1, "trial": [0, 1, 2, 3],
                         "inc_val": [3.0, 3.0, 1.0, 1.0], "inc_test": [3.0, 3.0, 1.0, 1.0],
                         "cost_spent": [0.5, 1.0, 1.5, 2.0]})
    out = normalised_scores(traj, r0, lstar)
    # R0 at cost 1 is 4 (trials 0, 1), at cost 2 it is 2 (trials 2, 3)
    assert out["score_val"].tolist() == pytest.approx([0.25, 0.25, 0.5, 0.5])
