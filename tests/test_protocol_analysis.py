"""The protocol analysis on hand-made trials whose answers are computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis import protocol as P


def _trials(rows: list[tuple]) -> pd.DataFrame:
    """rows: (problem, protocol, strategy, seed, trial, val, test, fits)."""
    df = pd.DataFrame(rows, columns=["problem", "protocol", "strategy", "seed", "trial",
                                     "val_loss", "test_loss", "fits"])
    return df.assign(status="ok", reused=False, fit_seconds=0.0, ask_seconds=0.0,
                     tell_seconds=0.0)


# One problem, one seed, one strategy; holdout costs 2 fits, cv-3 costs 4.
HAND = _trials([
    ("p", "cv-3", "r", 1, 0, 0.5, 0.50, 4),
    ("p", "cv-3", "r", 1, 1, 0.4, 0.30, 4),
    ("p", "cv-3", "r", 1, 2, 0.3, 0.35, 4),
    ("p", "holdout-0.2", "r", 1, 0, 0.5, 0.40, 2),
    ("p", "holdout-0.2", "r", 1, 1, 0.2, 0.45, 2),
    ("p", "holdout-0.2", "r", 1, 2, 0.6, 0.20, 2),
])


def test_trajectories_final_and_equal_fits():
    traj = P.trajectories(HAND)
    cv = traj[traj["protocol"] == "cv-3"]
    assert cv["fits_cum"].tolist() == [4, 8, 12]
    assert cv["inc_test"].tolist() == [0.50, 0.30, 0.35]
    fin = P.final_rows(traj).set_index("protocol")
    # cv-3: incumbent test 0.35, best incumbent test 0.30 -> OT 0.05, relOT 0.05/0.20
    assert fin.loc["cv-3", "ot"] == pytest.approx(0.05)
    assert fin.loc["cv-3", "rel_ot"] == pytest.approx(0.25)
    # holdout: incumbent (val 0.2) has test 0.45; best test seen 0.20 -> regret 0.25
    assert fin.loc["holdout-0.2", "test_regret"] == pytest.approx(0.25)
    assert P.common_fit_budget(traj) == 6  # holdout's total
    at = P.at_fits(traj, 6).set_index("protocol")
    assert at.loc["cv-3", "trial"] == 0 and at.loc["cv-3", "inc_test"] == 0.50
    assert at.loc["holdout-0.2", "inc_test"] == 0.45
    assert np.isnan(P.at_fits(traj, 3).set_index("protocol").loc["cv-3", "inc_test"])


def test_rank_correlations_by_hand():
    c = P.rank_correlations(HAND).set_index("protocol")
    # cv-3: val ranks (3,2,1), test ranks (3,1,2): d = (0,1,-1) -> rho = 1 - 6*2/24 = 0.5;
    # pairs: (0,1) concordant, (0,2) concordant, (1,2) discordant -> tau = 1/3
    assert c.loc["cv-3", "spearman"] == pytest.approx(0.5)
    assert c.loc["cv-3", "kendall"] == pytest.approx(1 / 3)
    # holdout: val ranks (2,1,3), test ranks (2,3,1): d = (0,-2,2) -> rho = 1 - 48/24 = -1;
    # all three pairs discordant -> tau = -1
    assert c.loc["holdout-0.2", "spearman"] == pytest.approx(-1.0)
    assert c.loc["holdout-0.2", "kendall"] == pytest.approx(-1.0)


def test_protocol_table_columns():
    traj = P.trajectories(HAND)
    t = P.protocol_table(P.final_rows(traj), P.at_fits(traj, 6),
                         P.rank_correlations(HAND)).set_index("protocol")
    assert t.loc["cv-3", "test_loss"] == pytest.approx(0.35)
    assert t.loc["cv-3", "test_loss_equal_fits"] == pytest.approx(0.50)
    assert t.loc["cv-3", "fits_per_cell"] == 12 and t.loc["holdout-0.2", "fits_per_cell"] == 6
    assert t.loc["cv-3", "share_ot_positive"] == 1.0
    # holdout: incumbent test 0.40 then 0.45 -> OT 0.05 > 0 as well
    assert t.loc["holdout-0.2", "share_ot_positive"] == 1.0
    assert t.loc["holdout-0.2", "median_test_regret"] == pytest.approx(0.25)


def _final(diffs: dict[str, tuple[float, ...]]) -> pd.DataFrame:
    """Final rows of protocols a and b; b's test loss 1.0, a's 1.0 + diff, per seed."""
    rows = []
    for problem, ds in diffs.items():
        for seed, d in enumerate(ds, 1):
            rows += [{"problem": problem, "protocol": "b", "strategy": "r", "seed": seed,
                      "inc_test": 1.0},
                     {"problem": problem, "protocol": "a", "strategy": "r", "seed": seed,
                      "inc_test": 1.0 + d}]
    return pd.DataFrame(rows)


def test_paired_test_exact_wilcoxon_by_hand():
    # per-problem means -0.3, -0.1, +0.2, relative to the problems' mean losses 0.85, 0.95,
    # 1.1: -0.353, -0.105, +0.182: ranks 3, 1, 2; W+ = 2. Of the 8 sign patterns,
    # W+ takes 0,1,2,3,3,4,5,6, so P(W+ <= 2) = 3/8 and the two-sided p = 0.75
    r = P.paired_test(_final({"p1": (-0.2, -0.4), "p2": (-0.1, -0.1), "p3": (0.2, 0.2)}),
                      "a", "b").iloc[0]
    assert (r.pairs, r.problems, r.wins, r.losses) == (6, 3, 4, 2)
    assert r.mean_diff == pytest.approx(-0.4 / 6)
    assert r.mean_rel_diff == pytest.approx((-0.3 / 0.85 - 0.1 / 0.95 + 0.2 / 1.1) / 3)
    assert r.p_value == pytest.approx(0.75)
    # a unanimous win over 6 problems: p = 2 / 2^6
    six = P.paired_test(_final({f"p{i}": (-0.1 * i,) for i in range(1, 7)}), "a", "b")
    assert six.iloc[0].p_value == pytest.approx(2 / 64)
    # a problem whose seeds cancel (0.3 - 0.1 - 0.2 is 5.6e-17 in floating point) is a zero
    # difference, dropped: 5 unanimous problems left, p = 2 / 2^5
    cancel = P.paired_test(_final({"p0": (0.3, -0.1, -0.2),
                                   **{f"p{i}": (-0.1 * i,) for i in range(1, 6)}}), "a", "b")
    assert cancel.iloc[0].zero_problems == 1 and cancel.iloc[0].p_value == pytest.approx(2 / 32)
    # no difference at all: p = 1
    assert P.paired_test(_final({"p1": (0.0,)}), "a", "b").iloc[0].p_value == 1.0


def test_comparisons_and_verdicts():
    names = ["holdout-0.2", "cv-5", "reshuffled-holdout-0.2", "reshuffled-cv-5"]
    assert P.comparisons(names) == [("cv-5", "holdout-0.2"),
                                    ("reshuffled-holdout-0.2", "holdout-0.2"),
                                    ("reshuffled-cv-5", "holdout-0.2"),
                                    ("reshuffled-cv-5", "cv-5")]
    tests = pd.DataFrame([
        {"protocol": "reshuffled-cv-5", "against": "cv-5", "strategy": "r", "pairs": 4,
         "problems": 2, "zero_problems": 0, "mean_diff": 0.01, "mean_rel_diff": 0.02, "wins": 1, "losses": 3, "p_value": 0.5},
        {"protocol": "cv-5", "against": "holdout-0.2", "strategy": "r", "pairs": 4,
         "problems": 2, "zero_problems": 0, "mean_diff": -0.01, "mean_rel_diff": -0.02, "wins": 3, "losses": 1, "p_value": 0.5}])
    (v,) = P.reshuffling_verdicts(tests)
    assert v.startswith("r: reshuffled-cv-5 vs cv-5: mean relative test-loss difference +2.00%")
    assert "does NOT reproduce" in v


def test_default_protocol_and_order():
    suite = {"folds": 5, "protocols": ["holdout-0.2", "cv-3"]}
    assert P.protocols_of(HAND, suite) == ["holdout-0.2", "cv-3"]
    assert P.protocols_of(HAND, {"folds": 3}) == ["cv-3", "holdout-0.2"]
    only = P.default_protocol_only(HAND, suite)
    assert set(only["protocol"]) == {"holdout-0.2"} and len(only) == 3
    legacy = HAND.drop(columns="protocol")
    assert P.protocols_of(legacy, suite) == [] and P.default_protocol_only(legacy, suite) is legacy


def test_cost_curves_stop_at_what_a_protocol_spent():
    c = P.cost_curves(P.trajectories(HAND), points=12).set_index(["protocol", "fits"])
    # best test loss of (p, seed 1) over both protocols: 0.20
    assert c.loc[("cv-3", 6), "regret"] == pytest.approx(0.50 - 0.20)
    assert c.loc[("holdout-0.2", 6), "regret"] == pytest.approx(0.45 - 0.20)
    assert c.xs("holdout-0.2").index.max() == 6 and c.xs("cv-3").index.max() == 12


def test_paired_test_is_scale_free_across_problems():
    # a regression problem (losses ~100) and five classification ones (~0.1): raw ranks
    # would put the regression difference first; relative ones rank it by its 1% change
    rows = []
    for problem, base, d in [("reg", 100.0, 1.0)] + [(f"c{i}", 0.1, -0.001 * (i + 1))
                                                     for i in range(5)]:
        rows += [{"problem": problem, "protocol": "b", "strategy": "r", "seed": 1,
                  "inc_test": base},
                 {"problem": problem, "protocol": "a", "strategy": "r", "seed": 1,
                  "inc_test": base + d}]
    r = P.paired_test(pd.DataFrame(rows), "a", "b").iloc[0]
    # relative: reg +1/100.5 ~ +0.00995 (rank 1); c0..c4 ~ -1%..-5% (ranks 2..6): W+ = 1,
    # P(W+ <= 1) = 2/64 -> p = 4/64. Raw differences would rank reg 6th: W+ = 6, p = 28/64
    assert r.p_value == pytest.approx(4 / 64)
    assert r.mean_diff > 0 > r.mean_rel_diff
