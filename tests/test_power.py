"""Power of the run's design: attainable p-values (hand-computed) and Monte Carlo power."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tunebench.benchmarks.analysis import power as P


def test_min_p_is_two_to_one_minus_n():
    assert P.min_p(6) == pytest.approx(0.03125)
    assert P.min_p(1) == 1.0
    assert P.min_p(0) == 1.0
    # the unanimous case agrees with scipy's exact test
    assert stats.wilcoxon(np.arange(1.0, 7.0), method="exact").pvalue == pytest.approx(P.min_p(6))


def test_holm_numbers_from_science_md():
    assert P.min_holm_p(6, 28) == pytest.approx(0.875)  # 28 * 2**-5
    assert P.min_holm_p(9, 7) == pytest.approx(7 / 256)
    assert P.min_holm_p(3, 28) == 1.0
    assert P.problems_needed(P.comparisons(8, "control")) == 9
    assert P.problems_needed(P.comparisons(8, "pairs")) == 11
    assert P.problems_needed(P.comparisons(15, "control")) == 10
    assert P.problems_needed(P.comparisons(15, "pairs")) == 13
    assert P.comparisons(8, "pairs") == 28 and P.comparisons(8, "control") == 7
    with pytest.raises(ValueError, match="design"):
        P.comparisons(3, "all")


@pytest.mark.parametrize("n", [5, 9, 12])
def test_exact_p_matches_scipy(n):
    rng = np.random.default_rng(n)
    for _ in range(20):
        x = rng.normal(0.3, 1.0, n)
        ranks = stats.rankdata(np.abs(x))
        w = int(ranks[x > 0].sum())
        want = stats.wilcoxon(x, method="exact").pvalue
        assert P.exact_p(np.array([w]), n)[0] == pytest.approx(want)


def test_null_distribution_by_hand():
    # n = 3: W+ takes 0..6 with counts 1,1,1,2,1,1,1 over 8 sign patterns
    assert P._null_cdf(3) * 8 == pytest.approx([1, 2, 3, 5, 6, 7, 8])


def test_detectable_effect_matches_science_md_all_pairs():
    # SCIENCE.md: k = 8, all 28 pairs: d 0.8 needs ~32 problems, 0.5 ~75, 1.2 ~17.
    assert P.detectable_effect(32, 28) == pytest.approx(0.8, abs=0.05)
    assert P.detectable_effect(75, 28) == pytest.approx(0.5, abs=0.05)
    assert P.detectable_effect(17, 28) == pytest.approx(1.2, abs=0.06)
    assert P.detectable_effect(8, 7) == math.inf  # 7 * 2**-7 > 0.05


def test_power_is_monotone_and_seeded():
    ps = [P.power(12, 7, d) for d in (0.0, 0.5, 1.0, 2.0)]
    # exact size of the test at n = 12, alpha/7 is 0.0068; 2000 draws give a 0.002 SE
    assert ps == sorted(ps) and ps[0] < 0.015 and ps[-1] > 0.99
    assert P.power(12, 7, 0.7, seed=3) == P.power(12, 7, 0.7, seed=3)


def test_problems_for_effect_inverts_detectable_effect():
    n = P.problems_for_effect(0.8, 28)
    assert 28 <= n <= 36
    assert P.detectable_effect(n, 28) <= 0.8 < P.detectable_effect(n - 1, 28)


def test_statement_says_when_significance_is_unattainable():
    s = P.power_statement(6, 8)
    assert "0.219" in s and "0.875" in s and "cannot reach p < 0.05" in s
    assert "9 problems against the control and 11 over all pairs" in s
    s = P.power_statement(12, 8)
    assert "0.00342" in s and "d = " in s and "cannot" not in s
    assert "1 comparison)" in P.power_statement(3, 2)
    assert "nothing to compare" in P.power_statement(5, 1)
