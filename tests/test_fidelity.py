"""Multi-fidelity: lower-fidelity objectives, cost accounting, strategies, loop and report."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis.fidelity import cost_curves, fidelity_table
from tunebench.benchmarks.analysis.trajectory import incumbents
from tunebench.problems import fidelity as F
from tunebench.problems.catalogue import get_problem
from tunebench.strategies.base import MultiFidelityStrategy
from tunebench.strategies.conformance import check_strategy
from tunebench.strategies.optuna_mf import max_resource
from tunebench.strategies.registry import resolve
from tests.conftest import write_suite

MF = ["optuna-random-hyperband", "optuna-tpe-hyperband", "optuna-random-successive-halving",
      "optuna-tpe-successive-halving"]


@pytest.mark.parametrize("name", ["rf-wine", "svm-wine"])
def test_full_fidelity_is_the_ordinary_objective(name):
    problem = get_problem(name)
    obj = problem.bind(0, folds=2)
    config = problem.space.canonical(problem.default_config)
    assert obj.at(1.0) is obj
    a, b = obj(config), problem.bind(0, folds=2).at(1.0)(config)
    assert (a.val_loss, a.test_loss, a.fold_losses) == (b.val_loss, b.test_loss, b.fold_losses)


def test_low_fidelity_changes_the_fit_and_leaves_the_objective_alone():
    problem = get_problem("svm-wine")
    obj = problem.bind(0, folds=2)
    config = problem.space.canonical(problem.default_config)
    full = obj(config)
    low = obj.at(1 / 9)(config)
    assert obj.fidelity == 1.0 and low.status == "ok" and low.val_loss != full.val_loss
    assert obj(config).val_loss == full.val_loss


def test_cost_is_the_share_of_the_resource_used():
    # rf: 10 trees -> round(10/3) = 3 trees; hgb: 100 iterations -> round(100/9) = 11.
    assert F.cost("rf", {"n_estimators": 10}, 1 / 3, 0) == pytest.approx(0.3)
    assert F.cost("hgb", {"max_iter": 100}, 1 / 9, 0) == pytest.approx(0.11)
    # mlp: the configuration's own epochs, 200 -> round(66.7) = 67.
    assert F.cost("mlp", {"max_iter": 200}, 1 / 3, 0) == pytest.approx(0.335)
    # subsample: ceil(133 / 9) = 15 of 133 rows; never below one tree/row.
    assert F.cost("svm", {}, 1 / 9, 133) == pytest.approx(15 / 133)
    assert F.cost("rf", {"n_estimators": 10}, 0.01, 0) == pytest.approx(0.1)
    assert F.cost("svm", {}, 1.0, 133) == 1.0
    with pytest.raises(ValueError, match="fidelity"):
        F.check_fidelity(0.0)


def test_objective_cost_of_a_tabular_problem():
    problem = get_problem("svm-wine")  # 178 rows, 25% test -> 133 training rows
    obj = problem.bind(0, folds=2)
    config = problem.space.canonical(problem.default_config)
    assert F.objective_cost(obj, config, 1 / 9) == pytest.approx(15 / 133)


def test_subsamples_are_nested_and_keep_every_class():
    y = np.array([0] * 50 + [1] * 45 + [2] * 5)
    small, large = F.subsample_rows(y, 0.05, 7), F.subsample_rows(y, 0.5, 7)
    assert set(np.unique(y[small])) == {0, 1, 2}
    assert len(large) == 50 and set(small) <= set(large)  # nested
    prefix = F.subsample_rows(y.astype(float), 0.05, 7)  # regression: the prefix only
    assert len(prefix) == 5 and set(prefix) <= set(small)


def test_forest_at_low_fidelity_has_fewer_trees():
    from sklearn.ensemble import RandomForestClassifier

    est = F.reduce_estimator(RandomForestClassifier(n_estimators=10), "rf", 1 / 3)
    assert est.n_estimators == 3


def test_max_resource_is_a_power_of_eta():
    assert max_resource(1 / 27, 3) == 27 and max_resource(0.111, 3) == 9
    assert max_resource(0.3, 2) == 4 and max_resource(1.0, 3) == 3


@pytest.mark.parametrize("name", MF + ["smac-hyperband"])
def test_multi_fidelity_strategies_are_registered(name):
    # Conformance of every built-in runs in tests/test_strategies.py.
    cls = resolve(name)
    assert issubclass(cls, MultiFidelityStrategy) and cls.multi_fidelity
    assert ("hyperband" in name or "successive-halving" in name)


def test_conformance_catches_a_fidelity_below_the_minimum():
    base = resolve("optuna-random-successive-halving")

    class TooLow(base):  # type: ignore[misc, valid-type]
        name = "too-low"

        def ask_at(self):
            config, _ = super().ask_at()
            return config, 0.01

    report = check_strategy(TooLow, budget=4)
    assert not report.passed
    assert any("fidelity 0.01" in f for f in report.failures())


def test_hyperband_rungs_follow_the_bracket():
    from tunebench.strategies.conformance import CHECK_SPACE

    s = resolve("optuna-random-hyperband")(CHECK_SPACE, 0, 10, min_fidelity=1 / 9)
    firsts = set()
    for _ in range(30):
        config, f = s.ask_at()
        firsts.add(round(f * 9))
        while True:
            s.tell_at(config, f, 1.0 - f)  # never pruned: lower loss at higher fidelity
            if s._trial is None:
                break
            config, f = s.ask_at()
    assert firsts == {1, 3, 9}  # three brackets: first rungs at steps 1, 3 and 9


def _frame(rows):
    cols = ["problem", "strategy", "seed", "trial", "val_loss", "test_loss", "status",
            "fidelity", "cost", "fit_seconds", "ask_seconds", "tell_seconds"]
    return pd.DataFrame(rows, columns=cols)


def test_low_fidelity_losses_never_become_incumbents():
    df = _frame([
        ("p", "hb", 1, 0, 0.5, 0.6, "ok", 1 / 9, 1 / 9, 0.1, 0, 0),
        ("p", "hb", 1, 1, 0.1, 0.1, "ok", 1 / 3, 1 / 3, 0.1, 0, 0),  # best, low fidelity
        ("p", "hb", 1, 2, 0.4, 0.45, "ok", 1.0, 1.0, 0.1, 0, 0),
        ("p", "hb", 1, 3, 0.3, 0.2, "ok", 1.0, 1.0, 0.1, 0, 0),
    ])
    traj = incumbents(df)
    assert traj["inc_trial"].iloc[:2].isna().all()
    assert traj["inc_trial"].tolist()[2:] == [2, 3]
    assert traj["inc_test"].tolist()[2:] == [0.45, 0.2]
    assert traj["cost_spent"].to_numpy() == pytest.approx([1 / 9, 4 / 9, 13 / 9, 22 / 9])


def test_cost_curves_and_the_full_evaluation_table():
    df = _frame([
        ("p", "hb", 1, 0, 0.5, 0.6, "ok", 0.5, 0.5, 1.0, 0, 0),
        ("p", "hb", 1, 1, 0.4, 0.3, "ok", 1.0, 1.0, 2.0, 0, 0),
        ("p", "hb", 1, 2, 0.2, 0.1, "ok", 1.0, 1.0, 2.0, 0, 0),
        ("p", "rs", 1, 0, 0.4, 0.5, "ok", 1.0, 1.0, 2.0, 0, 0),
        ("p", "rs", 1, 1, 0.3, 0.4, "ok", 1.0, 1.0, 2.0, 0, 0),
    ])
    curves = cost_curves(incumbents(df), grid=np.array([0.5, 1.0, 1.5, 2.0, 2.5]))
    hb = curves[curves["strategy"] == "hb"]
    assert hb["cost"].tolist() == [1.5, 2.0, 2.5] and hb["center"].tolist() == [0.3, 0.3, 0.1]
    rs = curves[curves["strategy"] == "rs"]
    assert rs["cost"].tolist() == [1.0, 1.5, 2.0, 2.5]
    assert rs["center"].tolist() == [0.5, 0.5, 0.4, 0.4]
    table = fidelity_table(df).set_index("strategy")
    assert table.loc["hb", "median_full_evals"] == 2 and table.loc["hb", "median_trials"] == 3
    assert table.loc["hb", "median_cost"] == 2.5 and table.loc["hb", "median_wall_s"] == 5.0
    assert bool(table.loc["hb", "multi_fidelity"]) and not bool(table.loc["rs", "multi_fidelity"])


MF_OPTIONS = "".join(f'\n[options.{n}]\nmin_fidelity = 0.111\n' for n in MF)


def _mf_run(tmp_path, run_cli, jobs: str, name: str) -> pd.DataFrame:
    suite = write_suite(tmp_path, budget=3, seeds=1, name=f"{name}.toml",
                        strategies=("random", *MF),
                        problems=("svm-wine", "rf-iris", "mlp-iris"), extra=MF_OPTIONS)
    out = tmp_path / name
    assert run_cli("run", suite, "--out", out, "--jobs", jobs) == 0
    return pd.read_parquet(out / "trials.parquet")


@pytest.mark.slow
def test_mixed_suite_end_to_end_equal_cost_and_identical_across_jobs(tmp_path, run_cli):
    from tunebench.benchmarks.store.schema import DETERMINISTIC

    df = _mf_run(tmp_path, run_cli, "1", "one")
    cells = df.groupby(["problem", "strategy", "seed"])
    assert len(cells) == 3 * 5
    spent = cells["cost"].sum()
    assert ((spent >= 3) & (spent < 4)).all()  # the budget, within one evaluation
    # the last trial is the one that reached the budget
    before = spent - cells["cost"].last()
    assert (before < 3).all()
    full = df[~df["strategy"].isin(MF)]
    assert (full["fidelity"] == 1.0).all() and (full["cost"] == 1.0).all()
    assert (df.loc[df["strategy"].isin(MF), "fidelity"] < 1).any()
    assert (tmp_path / "one" / "report" / "figures" / "convergence_cost.png").exists()
    assert "Budget rule" in (tmp_path / "one" / "report" / "report.md").read_text()
    again = _mf_run(tmp_path, run_cli, "2", "two")
    pd.testing.assert_frame_equal(df[DETERMINISTIC], again[DETERMINISTIC])


def test_multi_fidelity_strategy_on_a_synthetic_problem_is_a_clear_cell_error():
    from tunebench.benchmarks.execution.cell import Cell, run_cell
    from tunebench.benchmarks.plan.suite import Suite

    suite = Suite(name="s", strategies=("optuna-random-hyperband",), problems=("branin",),
                  budget=2, folds=2, test_fraction=0.3)
    result = run_cell(Cell("branin", "optuna-random-hyperband", 1), suite)
    assert not result.ok and "has no lower fidelity" in result.error


NEVERGRAD = ["nevergrad-de", "nevergrad-pso", "nevergrad-oneplusone", "nevergrad-ngopt"]


@pytest.mark.parametrize("name", NEVERGRAD)
def test_nevergrad_strategies_are_optional_built_ins(name):
    cls = resolve(name)
    assert cls.requires == "nevergrad" and cls.library == "nevergrad"
    assert not issubclass(cls, MultiFidelityStrategy)


def test_nevergrad_failures_are_told_as_the_worst_finite_loss():
    pytest.importorskip("nevergrad")
    from tunebench.strategies.conformance import CHECK_SPACE

    s = resolve("nevergrad-oneplusone")(CHECK_SPACE, 0, 10)
    told = []
    s.opt.tell = lambda cand, value: told.append(value)  # record what nevergrad is told
    for loss in [math.nan, 0.3, 0.7, math.inf, 0.5]:
        s.tell(s.ask(), loss)
    assert told == [0.3, 0.7, 0.7, 0.5]  # the first failure (no finite loss yet) is not told



def test_suite_mixing_multi_fidelity_strategies_and_synthetic_problems_is_refused(
        tmp_path, run_cli, capsys):
    suite = write_suite(tmp_path, budget=2, seeds=1,
                        strategies=("random", "optuna-tpe-hyperband"),
                        problems=("branin", "svm-wine"))
    assert run_cli("run", suite, "--out", tmp_path / "bad", "--jobs", "1") == 2
    assert "no lower fidelity" in capsys.readouterr().err
    assert not (tmp_path / "bad" / "trials.parquet").exists()
