"""Training size as an axis: one test split for every size, nested training parts,
n_train and the test SE in the records, cell ids, validation, and the scaling analysis
against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis import scaling as S
from tunebench.benchmarks.execution.runner import plan
from tunebench.benchmarks.plan.suite import SuiteError, parse
from tunebench.problems.catalogue import get_problem
from tunebench.problems.metrics import Predictions
from tunebench.problems.test_se import hanley_mcneil, standard_error
from tunebench.problems.train_size import nested_order, subsample, train_rows

BASE = {"name": "s", "budget": 3, "seeds": [1], "folds": 2, "strategies": ["random"]}


def test_test_rows_identical_and_training_parts_nested():
    p = get_problem("logreg-breast_cancer")  # 569 rows, 426 training rows
    objs = {n: p.bind(2, folds=2, n_train=n) for n in (100, 200, 400)}
    full = p.bind(2, folds=2)
    for o in objs.values():
        assert np.array_equal(o.test_idx, full.test_idx)
        assert not set(o.train_idx) & set(o.test_idx)
    a, b, c = (set(objs[n].train_idx) for n in (100, 200, 400))
    assert a < b < c < set(full.train_idx)
    assert [objs[n].n_train for n in (100, 200, 400)] == [100, 200, 400]
    assert full.n_train == train_rows(569, 0.25) == 426
    # stratified: each prefix holds each class in its share, within one row
    y = p.dataset.load()[1]
    share = np.mean(y[full.train_idx] == y[full.train_idx][0])
    for n, o in objs.items():
        assert abs(np.sum(y[o.train_idx] == y[full.train_idx][0]) - share * n) <= 1


def test_subsample_depends_on_seed_only_and_refuses_too_large():
    idx, y = np.arange(50, 150), np.repeat([0, 1], 50)
    first = nested_order(idx, np.r_[np.zeros(50), y], 1, "p", stratify=False)
    assert np.array_equal(first, nested_order(idx, np.r_[np.zeros(50), y], 1, "p",
                                              stratify=False))
    assert not np.array_equal(first, nested_order(idx, np.r_[np.zeros(50), y], 2, "p",
                                                  stratify=False))
    assert np.array_equal(subsample(idx, y, 100, 1, "p", stratify=False), idx)
    with pytest.raises(ValueError, match="largest possible size"):
        subsample(idx, y, 101, 1, "p", stratify=False)


def test_cell_ids_unchanged_for_one_size_and_sized_for_several():
    one = plan(parse({**BASE, "problems": ["logreg-iris"]}))
    same = plan(parse({**BASE, "problems": ["logreg-iris"], "train_sizes": [50]}))
    assert [c.id for c in one] == [c.id for c in same] == ["logreg-iris__random__1"]
    two = plan(parse({**BASE, "problems": ["logreg-iris"], "train_sizes": [50, "all"]}))
    assert [c.id for c in two] == ["logreg-iris__n50__random__1",
                                   "logreg-iris__nall__random__1"]


def test_too_large_size_names_problem_and_largest(tmp_path, run_cli, capsys):
    with pytest.raises(SuiteError, match=r"'logreg-iris': its largest possible size is 112"):
        parse({**BASE, "problems": ["logreg-iris"], "train_sizes": [50, 113]})
    with pytest.raises(SuiteError, match="train_sizes must be"):
        parse({**BASE, "problems": ["logreg-iris"], "train_sizes": [50, 50]})
    with pytest.raises(SuiteError, match="has no training rows"):
        parse({**BASE, "problems": ["branin"], "train_sizes": [50]})
    path = tmp_path / "s.toml"
    path.write_text('name = "s"\nstrategies = ["random"]\nproblems = ["logreg-iris"]\n'
                    "train_sizes = [500]\n")
    assert run_cli("validate", path) == 2
    assert "largest possible size is 112" in capsys.readouterr().err


def test_run_records_n_train_and_summary_has_scaling(tmp_path):
    import tunebench

    suite = {**BASE, "name": "sizes", "seeds": [1, 2], "train_sizes": [60, 110],
             "strategies": ["random", "optuna-tpe"],
             "problems": ["logreg-breast_cancer", "knn-breast_cancer"]}
    tunebench.run(suite, out=tmp_path / "run", jobs=1)
    s = tunebench.summarise(tmp_path / "run")
    t = s.all_trials
    assert sorted(t["n_train"].unique()) == [60, 110]
    assert t["test_loss_se"].notna().all() and (t["test_loss_se"] > 0).all()
    # the same seed's test rows: random's test loss differs across sizes, the split not
    assert set(s.trials["n_train"]) == {110}
    table = s.scaling["table"]
    assert list(table["n_train"].unique()) == [60, 110]
    assert set(table["strategy"]) == {"random", "optuna-tpe"}
    assert (table.loc[table["strategy"] == "random", "val_gain"] == 0).all()


def _trials(rows: list[tuple]) -> pd.DataFrame:
    """rows: (problem, n_train, strategy, seed, trial, val, test, se)."""
    df = pd.DataFrame(rows, columns=["problem", "n_train", "strategy", "seed", "trial",
                                     "val_loss", "test_loss", "test_loss_se"])
    return df.assign(status="ok", reused=False, fit_seconds=0.0, ask_seconds=0.0,
                     tell_seconds=0.0)


HAND = _trials([
    # size 100: tpe beats random on validation on both problems, loses on test on "a"
    ("a", 100, "random", 1, 0, 0.50, 0.40, 0.05), ("a", 100, "random", 1, 1, 0.45, 0.42, 0.05),
    ("a", 100, "tpe", 1, 0, 0.40, 0.50, 0.06), ("a", 100, "tpe", 1, 1, 0.30, 0.46, 0.07),
    ("b", 100, "random", 1, 0, 2.00, 2.00, 0.10), ("b", 100, "random", 1, 1, 3.00, 1.00, 0.1),
    ("b", 100, "tpe", 1, 0, 1.00, 1.50, 0.20), ("b", 100, "tpe", 1, 1, 1.50, 1.00, 0.30),
    # size 400: equal on "a", tpe better on "b" on both sides
    ("a", 400, "random", 1, 0, 0.30, 0.30, 0.02), ("a", 400, "random", 1, 1, 0.35, 0.20, 0.02),
    ("a", 400, "tpe", 1, 0, 0.30, 0.30, 0.03), ("a", 400, "tpe", 1, 1, 0.40, 0.25, 0.03),
    ("b", 400, "random", 1, 0, 1.00, 1.00, 0.04), ("b", 400, "random", 1, 1, 1.20, 0.90, 0.04),
    ("b", 400, "tpe", 1, 0, 0.80, 0.80, 0.05), ("b", 400, "tpe", 1, 1, 0.90, 0.70, 0.05),
])


def test_scaling_against_hand_computed_values():
    out = S.scaling(HAND)
    assert out["sizes"] == [100, 400]
    t = out["table"].set_index(["n_train", "strategy"])
    r = t.loc[(100, "tpe")]
    # a: random inc (val .45, test .42), tpe inc (val .30, test .46): gains .15, -.04
    # b: random inc (val 2.0, test 2.0), tpe inc (val 1.0, test 1.5): gains 1.0, 0.5
    assert r["val_gain"] == pytest.approx((0.15 + 1.0) / 2)
    assert r["test_gain"] == pytest.approx((-0.04 + 0.5) / 2)
    assert r["val_gain_rel"] == pytest.approx((0.15 / 0.45 + 1.0 / 2.0) / 2)
    assert r["test_gain_rel"] == pytest.approx((-0.04 / 0.42 + 0.5 / 2.0) / 2)
    assert r["test_se"] == pytest.approx((0.07 + 0.20) / 2)  # incumbents: a trial 1, b trial 0
    assert r["test_se_rel"] == pytest.approx((0.07 / 0.42 + 0.20 / 2.0) / 2)
    # |test gain| < 2 SE: a |-.04| < .14 yes; b .5 < .40 no
    assert r["noise_share"] == pytest.approx(0.5)
    assert math.isnan(t.loc[(100, "random"), "noise_share"])
    # tpe OT: a 0.46 - 0.46 = 0 (incumbent test .50 then .46); b: trial 0 stays, OT 0
    assert r["ot_share"] == 0.0
    # random on b: incumbent stays trial 0 (val 2.0 < 3.0) -> OT 0; on a: 0.42 - 0.40 > 0
    assert t.loc[(100, "random"), "ot_share"] == pytest.approx(0.5)
    # relative OT: .02 / (first .40 - best .40) is undefined (no progress), so NaN
    assert math.isnan(t.loc[(100, "random"), "rel_ot"])
    # exact Wilcoxon on 2 positive differences: p = 0.5; Holm over the 2 sizes
    assert r["val_p"] == pytest.approx(0.5)
    r4 = t.loc[(400, "tpe")]
    assert r4["val_gain"] == pytest.approx((0.0 + 0.2) / 2)
    assert r4["test_gain"] == pytest.approx((0.0 + 0.2) / 2)
    assert r4["val_p"] == pytest.approx(1.0)  # one non-zero difference
    assert r["val_p_holm"] == pytest.approx(min(1.0, 2 * 0.5))
    # 2 problems: the exact test cannot go below 2 / 2**2 = 0.5, x 2 sizes after Holm
    assert len(out["verdicts"]) == 2 and "tpe" in out["verdicts"][1]
    assert out["verdicts"][0].startswith("Underpowered: with 2 problems")
    assert "p = 1 after Holm over 2 sizes" in out["verdicts"][0]
    assert "at least 7 problems" in out["verdicts"][0]  # 2 x 2 / 2**7 = 0.031


def test_smallest_attainable_p_by_hand():
    assert S.smallest_p(4) == pytest.approx(0.125)
    assert S.smallest_p(4, 3) == pytest.approx(0.375)
    assert S.smallest_p(8, 3) == pytest.approx(3 * 2 / 256)
    assert S.smallest_p(0) == 1.0


def test_main_size_only_keeps_the_largest():
    assert set(S.main_size_only(HAND)["n_train"]) == {400}
    one = HAND[HAND["n_train"] == 100]
    assert S.main_size_only(one) is one


def test_standard_errors_by_hand():
    y = np.array([0, 1, 1, 0])
    labels = np.array([0, 1])
    pred = Predictions(labels=np.array([0, 1, 0, 0]),
                       scores=np.array([[.9, .1], [.2, .8], [.6, .4], [.7, .3]]),
                       probabilities=True)
    errs = np.array([0, 0, 1, 0.0])
    assert standard_error("1-accuracy", 0.25, y, pred, labels) == pytest.approx(
        np.std(errs, ddof=1) / 2)
    ll = -np.log([.9, .8, .4, .7])
    assert standard_error("log-loss", ll.mean(), y, pred, labels) == pytest.approx(
        np.std(ll, ddof=1) / 2)
    v = Predictions(values=np.array([1.0, 2.0, 4.0]))
    yr = np.array([1.0, 3.0, 2.0])
    sq = np.array([0.0, 1.0, 4.0])
    rmse = math.sqrt(sq.mean())
    assert standard_error("rmse", rmse, yr, v, None) == pytest.approx(
        np.std(sq, ddof=1) / math.sqrt(3) / (2 * rmse))
    assert math.isnan(standard_error("balanced-error", 0.2, y, pred, labels))
    # Hanley & McNeil (1982) eq. 2 at A = 0.8, 50 + 50: Q1 = 2/3, Q2 = 32/45,
    # var = (0.16 + 49 (2/3 - 0.64) + 49 (32/45 - 0.64)) / 2500
    var = (0.16 + 49 * (2 / 3 - 0.64) + 49 * (32 / 45 - 0.64)) / 2500
    assert hanley_mcneil(0.8, 50, 50) == pytest.approx(math.sqrt(var))
    assert hanley_mcneil(0.8, 50, 50) == pytest.approx(0.0445, abs=1e-4)


def test_one_size_per_problem_is_not_a_size_axis():
    """Without train_sizes each problem's n_train is its whole training part, different per
    problem: the report must keep every problem (a regression: it kept only the largest)."""
    import pandas as pd

    from tunebench.benchmarks.analysis.scaling import main_size_only, sizes_of

    trials = pd.DataFrame({"problem": ["iris", "iris", "penguins", "branin"],
                           "n_train": pd.array([112, 112, 257, None], dtype="Int64")})
    assert sizes_of(trials) == []
    assert main_size_only(trials).equals(trials)
    axis = pd.DataFrame({"problem": ["a", "a", "b", "b", "c"],
                         "n_train": pd.array([500, 2000, 500, 2000, None], dtype="Int64")})
    assert sizes_of(axis) == [500, 2000]
    assert main_size_only(axis)["n_train"].tolist() == [2000, 2000, pd.NA]


def test_protocol_section_reads_the_largest_size_only(tmp_path):
    """With sizes and protocols both as axes, the Protocol section compares protocols at the
    largest size: each cell is one (problem, protocol, strategy, seed) of 3 trials, and its
    validation-test Spearman is computed from those 3 trials by hand."""
    import tunebench as tb

    suite = {"name": "sz-proto", "problems": ["knn-wine"], "strategies": ["random"],
             "budget": 3, "seeds": 1, "train_sizes": [60, 120],
             "protocols": ["holdout-0.2", "cv-3"]}
    run = tb.run(suite, out=tmp_path / "run", jobs=1, references=False, report=False)
    table = tb.summarise(run).protocols["table"].set_index("protocol")
    assert table["fits_per_cell"].to_dict() == {"holdout-0.2": 3 * 2, "cv-3": 3 * 4}
    largest = run.trials[run.trials["n_train"] == 120]
    for proto, g in largest.groupby("protocol"):
        rho = g["val_loss"].rank().corr(g["test_loss"].rank())
        assert table.loc[proto, "spearman"] == pytest.approx(rho)
