"""Control comparison: exact Wilcoxon on per-problem means, zeros dropped, Holm over k - 1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis.control import against_control, per_problem_means, zero_note


def _rows(values: dict[str, list[list[float]]]) -> pd.DataFrame:
    """strategy -> per problem a list of per-seed values."""
    out = []
    for s, probs in values.items():
        for i, seeds in enumerate(probs):
            for j, v in enumerate(seeds):
                out.append({"problem": f"p{i}", "strategy": s, "seed": j + 1, "inc_test": v})
    return pd.DataFrame(out)


def test_means_over_seeds_not_seeds_as_blocks():
    df = _rows({"random": [[1.0, 3.0], [2.0, 2.0]], "a": [[0.0, 1.0], [5.0, 5.0]]})
    m = per_problem_means(df, "inc_test")
    assert m.loc["p0", "random"] == 2.0 and m.loc["p0", "a"] == 0.5
    t = against_control(df, "inc_test")
    assert t["problems"].tolist() == [2]


def test_unanimous_win_hand_computed():
    # 7 problems, 'a' lower everywhere, 'b' equal to random on 2 problems, higher on 5.
    rnd = [[float(i + 10)] for i in range(7)]
    a = [[v[0] - (i + 1)] for i, v in enumerate(rnd)]
    b = [[v[0] + (1.0 if i >= 2 else 0.0) * i] for i, v in enumerate(rnd)]
    t = against_control(_rows({"random": rnd, "a": a, "b": b}), "inc_test").set_index("strategy")
    # a: p = 2 * 2**-7 = 0.015625; Holm over 2 -> 0.03125
    assert t.loc["a", "p_value"] == pytest.approx(2 ** -6)
    assert t.loc["a", "p_holm"] == pytest.approx(2 ** -5)
    assert t.loc["a", "wins"] == 7 and t.loc["a", "rank_biserial"] == pytest.approx(-1.0)
    assert t.loc["a", "median_diff"] == pytest.approx(-4.0)
    # b: 2 zeros dropped -> n = 5, all losses: p = 2**-4 = 0.0625; Holm keeps max(2*p_a, p_b)
    assert t.loc["b", "n_nonzero"] == 5 and t.loc["b", "losses"] == 5
    # the median difference is over the same 5 problems as the test (2..6), not all 7 (3)
    assert t.loc["b", "median_diff"] == pytest.approx(4.0)
    assert t.loc["b", "p_value"] == pytest.approx(0.0625)
    assert t.loc["b", "p_holm"] == pytest.approx(0.0625)
    assert t.loc["b", "min_p_holm"] == pytest.approx(2 * 2 ** -4)
    assert not t.loc["b", "attainable"] and t.loc["a", "attainable"]
    assert "b (2 of 7)" in zero_note(t.reset_index())


def test_mixed_signs_match_scipy_exact():
    from scipy import stats

    d = np.array([-3.0, -1.0, 2.0, -4.0, -5.0, 0.5])
    df = _rows({"random": [[10.0]] * 6, "a": [[10.0 + x] for x in d]})
    t = against_control(df, "inc_test")
    assert t.loc[0, "p_value"] == pytest.approx(stats.wilcoxon(d, method="exact").pvalue)
    # ranks of |d|: 4,2,3,5,6,1; positive: 3+1 = 4 of 21 -> (4 - 17) / 21
    assert t.loc[0, "rank_biserial"] == pytest.approx(-13 / 21)


def test_without_control_is_empty():
    df = _rows({"a": [[1.0]], "b": [[2.0]]})
    assert against_control(df, "inc_test").empty


def test_higher_is_better_counts_wins_the_other_way():
    df = _rows({"random": [[0.0]] * 3, "a": [[0.5], [0.2], [-0.1]]})
    t = against_control(df, "inc_test", lower_is_better=False)
    assert (t.loc[0, "wins"], t.loc[0, "losses"]) == (2, 1)
