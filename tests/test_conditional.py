"""Conditional search spaces: the space semantics, every strategy's handling, the grid,
the new problems, and flat spaces left exactly as they were."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunebench.problems.base import derive_seed
from tunebench.problems.catalogue import PROBLEMS, get_problem
from tunebench.problems.space import Categorical, Condition, Float, Int, SearchSpace
from tunebench.strategies.conformance import CHECK_COND_SPACE, COND_PATTERNS
from tunebench.strategies.flatten import BoxTranslation, mode_of
from tunebench.strategies.hyperopt_adapter import HyperoptTPE
from tunebench.strategies.optuna_adapter import OptunaCmaEs, OptunaTPE
from tunebench.strategies.registry import BUILTINS
from tunebench.strategies.simple import GridSearch

ROOT = Path(__file__).resolve().parent.parent

SVM = get_problem("svmc-wine").space


def test_flat_spaces_fingerprint_unchanged():
    # the exact manifest text of a flat space from before conditions existed
    space = SearchSpace((Float("C", 0.5, 2.0, log=True), Int("k", 1, 3),
                         Categorical("w", ("a", "b"))))
    assert json.dumps(space.to_dict(), sort_keys=True) == (
        '{"dimensions": [{"high": 2.0, "log": true, "low": 0.5, "name": "C", "type": "Float"}, '
        '{"high": 3, "log": false, "low": 1, "name": "k", "type": "Int"}, '
        '{"choices": ["a", "b"], "name": "w", "type": "Categorical"}]}')
    flat = [p for p in PROBLEMS.values() if not p.space.is_conditional]
    assert flat and all("conditions" not in p.space.to_dict() for p in flat)
    assert "conditions" in SVM.to_dict()


def test_reference_sample_reproduces_the_shipped_quick_sample():
    """Flat behaviour is byte-identical: the reference sample redraws the stored configs."""
    from tunebench.benchmarks.reference.tables import ReferenceSample

    sample = pd.read_parquet(ROOT / "benchmarks/references/quick/sample.parquet")
    rows = sample[(sample.problem == "svm-wine") & (sample.seed == 1)].sort_values("index")
    assert len(rows) > 5
    space = PROBLEMS["svm-wine"].space
    strat = ReferenceSample(space, derive_seed(1, "strategy", "svm-wine"), len(rows))
    asked = [json.dumps(space.canonical(strat.ask()), sort_keys=True) for _ in range(5)]
    assert [json.loads(a) for a in asked] == [json.loads(p) for p in rows.params[:5]]


def test_validation_names_the_parameter():
    SVM.validate({"kernel": "linear", "C": 1.0})
    SVM.validate({"kernel": "poly", "C": 1.0, "gamma": 0.5, "degree": 3, "coef0": 0.0})
    with pytest.raises(ValueError, match=r"gamma is inactive \(active only when kernel in"):
        SVM.validate({"kernel": "linear", "C": 1.0, "gamma": 0.5})
    with pytest.raises(ValueError, match=r"missing \['degree'\]"):
        SVM.validate({"kernel": "poly", "C": 1.0, "gamma": 0.5, "coef0": 0.0})
    with pytest.raises(ValueError, match="gamma is inactive"):
        SVM.canonical({"kernel": "linear", "C": 1.0, "gamma": 0.5})
    with pytest.raises(ValueError, match="parent 'x' must be a Categorical or an Int"):
        SearchSpace((Float("x", 0, 1), Float("y", 0, 1)), (Condition("y", "x", (0.5,)),))
    with pytest.raises(ValueError, match="must come before it"):
        SearchSpace((Float("y", 0, 1), Int("n", 1, 2)), (Condition("y", "n", (2,)),))
    with pytest.raises(ValueError, match=r"values \[7\] are not in 'n'"):
        SearchSpace((Int("n", 1, 2), Float("y", 0, 1)), (Condition("y", "n", (7,)),))


def test_nested_sample_unit_round_trip_and_canonical():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(200):
        c = CHECK_COND_SPACE.sample(rng)
        CHECK_COND_SPACE.validate(c)
        seen.add(tuple(c))
        assert CHECK_COND_SPACE.from_unit(CHECK_COND_SPACE.to_unit(c)) == pytest.approx(c)
    assert seen == {tuple(p) for p in COND_PATTERNS}  # nesting: y only with depth 2
    u = CHECK_COND_SPACE.to_unit({"kind": "a", "z": 0.0})
    assert u[1] == u[2] == u[3] == 0.5  # inactive dimensions sit at the centre


def test_box_translation_tells_the_proposed_point_or_the_centre():
    t = BoxTranslation(SVM)
    full = {"kernel": "linear", "C": 2.0, "gamma": 3.0, "degree": 4, "coef0": 0.5}
    assert t.reduce(full) == {"kernel": "linear", "C": 2.0}
    assert t.expand({"kernel": "linear", "C": 2.0}) == full
    filled = t.expand({"kernel": "linear", "C": 2.0})  # not proposed (again): centres
    assert filled["gamma"] == pytest.approx(1.0) and filled["coef0"] == 0.0
    assert filled["degree"] in (3, 4)


@pytest.mark.parametrize("budget", [4, 10, 50, 200])
def test_grid_covers_every_kernel_with_valid_points_within_budget(budget):
    g = GridSearch(SVM, 0, budget)
    assert len(g.points) <= budget
    assert {p["kernel"] for p in g.points} == {"linear", "rbf", "poly", "sigmoid"}
    for p in g.points:
        SVM.validate(p)
    assert len({json.dumps(p, sort_keys=True) for p in g.points}) == len(g.points)
    if budget >= 50:
        assert len(g.points) >= 0.8 * budget  # the budget is used, not lost to duplicates


def test_grid_reaches_every_layer_count():
    space = get_problem("mlpc-iris").space
    g = GridSearch(space, 0, 20)
    assert {p["n_layers"] for p in g.points} == {1, 2, 3} and len(g.points) <= 20


def test_modes_declared():
    assert mode_of(OptunaTPE) == "native" and mode_of(HyperoptTPE) == "native"
    assert mode_of(OptunaCmaEs) == "flattened" and mode_of(GridSearch) == "flattened"
    assert all(mode_of(c) in ("native", "flattened") for c in BUILTINS.values())


def test_native_tpe_models_only_active_parameters():
    s = OptunaTPE(SVM, 0, 20)
    for _ in range(15):
        c = s.ask()
        SVM.validate(c)
        s.tell(c, c["C"])
    linear = [t for t in s.study.trials if t.params["kernel"] == "linear"]
    assert linear and all(set(t.params) == {"kernel", "C"} for t in linear)


def test_hyperopt_branches_and_unasked_tell():
    s = HyperoptTPE(SVM, 0, 30)
    assert {"gamma|kernel=1", "gamma|kernel=2", "degree|kernel=2"} <= set(s.domain.params)
    s.tell({"kernel": "poly", "C": 1.0, "gamma": 0.5, "degree": 3, "coef0": 0.0}, 0.1)
    kernels = set()
    for _ in range(25):
        c = s.ask()
        SVM.validate(c)
        kernels.add(c["kernel"])
        s.tell(c, math.log(c["C"]) ** 2)
    assert kernels == {"linear", "rbf", "poly", "sigmoid"}


def test_new_problems_are_conditional_and_default_is_valid():
    for name in ("svmc-wine", "mlpc-iris", "rfc-wine", "gbc-iris"):
        p = get_problem(name)
        assert p.space.is_conditional
        p.space.validate(p.default_config)
    assert get_problem("svmc-wine").default_config == {
        "kernel": "rbf", "C": 1.0, "gamma": pytest.approx(1 / 13)}
    assert len(get_problem("gbc-iris").space) >= 7


def test_conditional_svm_evaluates_each_kernel():
    p = get_problem("svmc-iris")
    objective = p.bind(0, folds=2)
    for c in ({"kernel": "linear", "C": 1.0},
              {"kernel": "poly", "C": 1.0, "gamma": 0.1, "degree": 2, "coef0": 0.5},
              {"kernel": "sigmoid", "C": 1.0, "gamma": 0.1, "coef0": 0.0}):
        e = objective(c)
        assert e.status.value == "ok" and 0 <= e.val_loss <= 1


@pytest.mark.slow
def test_every_builtin_runs_a_conditional_suite(tmp_path, run_cli):
    """svmc + mlpc x every built-in available here, started from the default: each cell
    completes and every stored configuration holds exactly its active parameters."""
    from tests.conftest import write_suite
    from tunebench.strategies.registry import missing_requirement

    names = tuple(n for n, c in BUILTINS.items() if not missing_requirement(c))
    suite = write_suite(tmp_path, budget=4, seeds=1, strategies=names, sfd=True,
                        problems=("svmc-iris", "mlpc-iris"))
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    trials = pd.read_parquet(out / "trials.parquet")
    assert set(trials.strategy) == set(names)
    assert (trials.status == "ok").all()
    for problem, params in zip(trials.problem, trials.params, strict=True):
        space = get_problem(problem).space
        config = json.loads(params)
        space.validate(config)  # raises on an inactive parameter present or active missing
        assert set(config) == set(space.active_names(config))
    # grid without the default first: its four points are the four kernels
    suite = write_suite(tmp_path, budget=4, seeds=1, strategies=("grid",),
                        problems=("svmc-iris",), name="grid.toml")
    assert run_cli("run", suite, "--out", tmp_path / "grid", "--jobs", "1", "--no-report") == 0
    grid = pd.read_parquet(tmp_path / "grid" / "trials.parquet")
    assert sorted(json.loads(p)["kernel"] for p in grid.params) == [
        "linear", "poly", "rbf", "sigmoid"]


def test_by_mode_groups_final_ranks_by_native_and_flattened():
    from tunebench.benchmarks.analysis.conditional import by_mode

    fin = pd.DataFrame({
        "problem": ["svmc-iris"] * 3 + ["svm-iris"] * 3,
        "seed": [0] * 6,
        "strategy": ["optuna-tpe", "hyperopt-tpe", "random"] * 2,
        "inc_test": [0.1, 0.2, 0.3, 0.3, 0.2, 0.1],
        "score_test": [0.9, 0.8, 0.0, 0.0, 0.5, 0.7],
    })
    out = by_mode(fin).set_index(["space", "mode"])
    assert out.loc[("conditional", "native"), "mean_rank"] == 1.5  # ranks 1 and 2
    assert out.loc[("conditional", "flattened"), "mean_rank"] == 3.0
    assert out.loc[("flat", "native"), "mean_rank"] == 2.5
    assert out.loc[("conditional", "native"), "mean_score_test"] == pytest.approx(0.85)
    assert out.loc[("flat", "flattened"), "strategies"] == 1
    assert by_mode(fin[fin.problem == "svm-iris"]).empty  # no conditional problem
