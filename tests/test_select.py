"""Problem selection: reasons on a 3-problem fixture, cost estimate and picking by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.devtools.select import (
    OVERHEAD,
    Criteria,
    _verdict,
    assess,
    pick_default,
    suite_seconds,
    update_suite,
)
from tunebench.problems.catalogue import get_problem

TINY = Criteria(pilot_budget=4, pilot_seeds=(1,), folds=2, max_eval_seconds=5.0, skip_slow=False)


def test_fixture_reasons():
    assert assess(get_problem("logreg-wine"), TINY)["why"] == "degenerate: one dimension"
    assert assess(get_problem("knn-iris"), TINY)["why"].startswith("small test set: 38 rows")
    row = assess(get_problem("knn-breast_cancer"), TINY)
    assert row["seconds_per_eval"] > 0 and row["test_rows"] == 142
    assert row["why"] == "kept" or row["why"].startswith(("saturated", "ties"))
    assert row["kept"] == (row["why"] == "kept")


def test_verdict_rules():
    crit = Criteria(saturation=0.05, tie_share=0.5)
    p = get_problem("knn-breast_cancer")
    assert _verdict(p, crit, [{"gap": 0.2, "tie_share": 0.1, "best": 0, "r0": 1}]) == ""
    assert _verdict(p, crit, [{"gap": 0.01, "tie_share": 0.1, "best": 0, "r0": 1}]
                    ).startswith("saturated")
    assert _verdict(p, crit, [{"gap": 0.9, "tie_share": 0.6, "best": 0, "r0": 1}]
                    ).startswith("ties")


def test_suite_seconds_by_hand():
    t = pd.DataFrame({"seconds_per_eval": [0.1, 0.2]})
    got = suite_seconds(t, budget=10, seeds=2, strategies=("random", "defaults", "skopt-gp"),
                        cores=2)
    # random: (0.1 + 0.2) * 10 + 2 * 0.001 * 10; defaults: 0.3 * 1; gp: 3 + 2 * 0.14 * 10
    want = ((3 + 2 * OVERHEAD["random"] * 10) + 0.3 + (3 + 2 * OVERHEAD["skopt-gp"] * 10)) * 2 / 2
    assert got == pytest.approx(want)


def test_cost_is_the_mean_over_the_pilot_evaluations(monkeypatch):
    """The default configuration only gates "too slow"; the budgeted cost is the pilot's mean
    evaluation time, and the gap is computed from the pilot's losses (by hand below)."""
    import tunebench.benchmarks.devtools.select as sel

    runs = {"random": ([0.5, 0.4, 0.3, 0.2], [1.0, 2.0, 3.0, 4.0]),
            "optuna-tpe": ([0.25, 0.2, 0.15, 0.1], [0.5, 0.5, 0.5, 0.5])}
    monkeypatch.setattr(sel, "_run_strategy", lambda name, *a: runs[name])
    monkeypatch.setattr(sel, "measure_cost", lambda *a: 0.01)
    row = sel.assess(get_problem("knn-breast_cancer"), TINY)
    assert row["seconds_per_eval"] == pytest.approx((10.0 + 2.0) / 8)
    # best 0.1 (TPE); R0 = E[min of 2 of random's 4] = (3*0.2 + 2*0.3 + 0.4) / 6;
    # spread = median(random) - best = 0.35 - 0.1
    assert row["gap"] == pytest.approx(round((1.6 / 6 - 0.1) / 0.25, 4))
    assert row["why"] == "kept"
    monkeypatch.setattr(sel, "measure_cost", lambda *a: 10.0)
    assert sel.assess(get_problem("knn-breast_cancer"), TINY)["why"].startswith("too slow")


def _fixture(**extra: list[object]) -> pd.DataFrame:
    t = pd.DataFrame({
        "problem": ["a-x", "a-y", "b-x", "c-x", "c-y"], "model": ["a", "a", "b", "c", "c"],
        "task": ["classification", "regression", "classification", "regression",
                 "classification"],
        "kept": [True, True, True, True, False], "test_rows": [100, 200, 50, 80, 500],
        "seconds_per_eval": [0.01, 0.01, 0.01, 0.01, 0.01]})
    return pd.concat([t, pd.DataFrame(extra)], ignore_index=True) if extra else t


def test_pick_default_covers_families_then_round_robin():
    crit = Criteria(default_problems=3, default_families=2, default_seconds=1e9,
                    calibration=1.0)
    # coverage: a and b (cheapest families, a's biggest test set a-y); then a's other task
    assert pick_default(_fixture(), crit) == ["a-x", "a-y", "b-x"]
    crit = Criteria(default_problems=3, default_families=3, default_seconds=1e9,
                    calibration=1.0)
    assert pick_default(_fixture(), crit) == ["a-y", "b-x", "c-x"]  # one per family
    small = Criteria(default_problems=3, default_seconds=1.0, calibration=1.0)
    assert pick_default(_fixture(), small) == []


def test_pick_default_keeps_room_for_the_problem_count():
    """A costlier family first in the round-robin ("aa") would leave no room for a fourth
    problem: it is skipped, and the cheaper ones fill the suite."""
    one = suite_seconds(pd.DataFrame({"seconds_per_eval": [0.01]}), 30, 5)
    pricey = suite_seconds(pd.DataFrame({"seconds_per_eval": [0.0189]}), 30, 5)
    budget = 4 * one + 2.0
    assert pricey <= budget / 3 and 3 * one + pricey > budget  # the rule's two conditions
    table = _fixture(problem=["aa-x"], model=["aa"], task=["regression"], kept=[True],
                     test_rows=[1000], seconds_per_eval=[0.0189])
    crit = Criteria(default_problems=4, default_families=2, default_seconds=budget,
                    calibration=1.0)
    assert pick_default(table, crit) == ["a-x", "a-y", "b-x", "c-x"]


def test_update_suite(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name = "s"\nproblems = ["old"]\nbudget = 5\n')
    update_suite(f, ["a", "b"])
    assert f.read_text() == 'name = "s"\nproblems = ["a", "b"]\nbudget = 5\n'


def test_estimate_uses_measured_costs(monkeypatch):
    from tunebench.benchmarks.plan import estimate as est
    from tunebench.benchmarks.plan.suite import Suite

    table = pd.DataFrame({"problem": ["knn-wine"], "model": ["knn"],
                          "seconds_per_eval": [0.1]})
    monkeypatch.setattr(est, "measured_costs", lambda: table)
    s = Suite("t", ("random", "defaults"), ("knn-wine", "knn-iris", "branin"), budget=10,
              seeds=(1, 2), folds=3)
    seconds, guessed = est.estimate(s, cores=2)
    # knn-wine and knn-iris (guessed at knn's median 0.1): random 0.1*10 + 0.001*10,
    # defaults 0.1; branin: random only, evaluations free; all x 2 seeds / 2 cores
    per_real = 0.1 * 10 + OVERHEAD["random"] * 10 + 0.1
    assert guessed == 1
    assert seconds == pytest.approx(2 * per_real + OVERHEAD["random"] * 10)
    assert "min on 2 worker(s)" in est.estimate_sentence(s, 2)


def test_committed_lists_are_reproduced_from_the_committed_table():
    from importlib import resources

    from tunebench.benchmarks.devtools.select import choose
    from tunebench.benchmarks.plan.suite import load

    path = resources.files("tunebench.benchmarks") / "suites" / "selection.csv"
    with path.open() as f:
        table = choose(pd.read_csv(f, comment="#"), Criteria())
    assert sorted(load("default").problems) == sorted(table.loc[table["default"], "problem"])
    assert sorted(load("paper").problems) == sorted(table.loc[table["paper"], "problem"])
    default = table[table["default"]]
    picked = default[default["kept"]]  # the pilot's pick; the rest is the coverage top-up
    assert len(picked) >= 12 and len(default) >= 14
    assert (default["test_rows"] >= 1000).sum() >= 4  # issue 23: large test sets
    assert any(get_problem(p).space.is_conditional for p in default["problem"])  # issue 24
    extra = default[~default["kept"]]
    assert all(r.test_rows >= 1000 or get_problem(r.problem).space.is_conditional
               for r in extra.itertuples())
    assert set(default["task"]) == {"classification", "regression"}
    assert default["model"].nunique() >= 6
    assert table["paper"].sum() >= 40


def test_time_limit_records_problems_as_not_piloted():
    from tunebench.benchmarks.devtools.select import select

    t = select(["knn-breast_cancer", "logreg-wine", "knn-iris"], TINY, time_limit=0.0)
    why = dict(zip(t["problem"], t["why"], strict=True))
    assert why["knn-breast_cancer"] == "slow: not piloted, pilot time limit reached"
    assert why["logreg-wine"] == "degenerate: one dimension"
    assert t["seconds_per_eval"].isna().all()
    assert t.set_index("problem").loc["knn-breast_cancer", "paper"]
    assert not t["default"].any() and not t["kept"].any()


def test_expected_min_by_brute_force():
    import itertools

    from tunebench.benchmarks.devtools.select import expected_min

    v = [3.0, 1.0, 4.0, 1.5, 9.0]
    want = sum(min(c) for c in itertools.combinations(v, 2)) / 10
    assert expected_min(v, 2) == pytest.approx(want)
    assert expected_min(v, 1) == pytest.approx(sum(v) / 5)
    assert expected_min(v, 5) == 1.0


def test_measured_costs_override_the_pilot(tmp_path):
    from tunebench.benchmarks.devtools.select import MEASURED, measured_costs, problem_seconds, with_measured

    for name, rows in (("old", {"problem": ["a", "a"], "fit_seconds": [9.0, 9.0],
                                "reused": [False, False]}),
                       ("new", {"problem": ["a", "a", "a", "b"],
                                "fit_seconds": [1.0, 2.0, 0.0, 0.5],
                                "reused": [False, False, True, False]})):
        (tmp_path / name).mkdir()
        pd.DataFrame(rows).to_parquet(tmp_path / name / "trials.parquet")
    m = measured_costs([tmp_path / "old", tmp_path / "new"])  # the later run wins
    assert dict(zip(m["problem"], m[MEASURED], strict=True)) == {"a": 1.5, "b": 0.5}
    table = with_measured(pd.DataFrame({"problem": ["a", "c"], "seconds_per_eval": [0.1, 0.1]}),
                          m)
    assert table[MEASURED].tolist()[0] == 1.5 and np.isnan(table[MEASURED].tolist()[1])
    crit = Criteria(calibration=2.0)
    got = problem_seconds(table, crit).tolist()
    one = lambda spe: suite_seconds(pd.DataFrame({"seconds_per_eval": [spe]}),  # noqa: E731
                                    crit.default_budget, crit.default_seeds)
    assert got == pytest.approx([one(1.5), 2.0 * one(0.1)])  # measured: no calibration


def test_measured_needs_a_run_directory(tmp_path, capsys):
    from tunebench.benchmarks.devtools.select import main

    with pytest.raises(SystemExit) as exc:
        main(["--from-table", "x.csv", "--measured", str(tmp_path / "nope")])
    assert exc.value.code == 2 and "no trials.parquet" in capsys.readouterr().err


def test_top_up_adds_the_cheapest_per_test_row_from_a_new_dataset():
    from types import SimpleNamespace

    from tunebench.benchmarks.devtools.coverage import top_up

    table = pd.DataFrame({
        "problem": ["a-small", "b-big", "c-big", "d-big", "knn-iris"],
        "dataset": ["small", "big1", "big1", "big2", "iris"],
        "test_rows": [50, 2000, 2000, 1500, 38],
        "seconds_per_eval": [0.01, 0.2, 0.1, 0.3, 0.01]})
    crit = SimpleNamespace(min_large=2, large_test_rows=1000, min_conditional=0)
    # c-big is cheaper per test row than b-big; d-big is the only other dataset left
    assert top_up(table, ["a-small"], crit) == ["a-small", "c-big", "d-big"]
    crit.min_large = 1
    assert top_up(table, ["b-big"], crit) == ["b-big"]  # the rule already holds
