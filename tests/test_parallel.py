"""Parallel workers: suite keys, batch and asynchronous cells, simulated clock, analysis."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.analysis import parallel as pa_
from tunebench.benchmarks.execution import durations
from tunebench.benchmarks.execution.cell import run_cell
from tunebench.benchmarks.execution.runner import expected_cells, plan
from tunebench.benchmarks.plan.suite import SuiteError, parse
from tunebench.benchmarks.store.schema import DETERMINISTIC
from tunebench.problems.catalogue import get_problem
from tunebench.strategies.simple import RandomSearch

PAR = ["workers", "round", "worker", "sim_start", "sim_end"]
EVENTS: list[tuple[str, str]] = []


class SpyStrategy(RandomSearch):
    """Random search that logs every ask and tell (in this process)."""

    name = "spy"

    def ask(self):
        config = super().ask()
        EVENTS.append(("ask", repr(sorted(config.items()))))
        return config

    def tell(self, config, loss):
        EVENTS.append(("tell", repr(sorted(config.items()))))


def _suite(**kw):
    data = {"name": "par", "budget": 10, "seeds": 1, "folds": 3, "problems": ["branin"],
            "strategies": ["random"], **kw}
    return parse(data)


def _frame(result):
    assert result.ok, result.error
    return pd.DataFrame(result.rows())


def test_suite_without_the_keys_is_unchanged():
    suite = _suite()
    assert suite.parallel is None and suite.worker_counts == (1,)
    assert "workers" not in suite.to_dict() and "parallel" not in suite.to_dict()
    assert [c.id for c in plan(suite)] == ["branin__random__1"]
    record = run_cell(plan(suite)[0], suite).rows()[0]
    assert not set(PAR) & set(record)


def test_workers_axis_in_cell_ids_only_with_several_values():
    one = _suite(workers=[4])
    assert one.parallel == "batch" and [c.id for c in plan(one)] == ["branin__random__1"]
    two = _suite(workers=[1, 4], parallel="async")
    ids = [c.id for c in plan(two)]
    assert ids == ["branin__w1__random__1", "branin__w4__random__1"]
    assert set(expected_cells(two)) == set(ids) and two.n_cells == 2


@pytest.mark.parametrize("bad, word", [({"workers": [0]}, "workers"),
                                        ({"workers": [2, 2]}, "workers"),
                                        ({"workers": 4}, "workers"),
                                        ({"parallel": "threads"}, "parallel")])
def test_bad_parallel_keys_name_the_key(bad, word):
    with pytest.raises(SuiteError, match=word):
        _suite(**bad)


def test_multi_fidelity_strategies_are_refused_in_parallel_suites():
    with pytest.raises(SuiteError, match="full-fidelity"):
        parse({"name": "p", "budget": 4, "seeds": 1, "problems": ["knn-iris"],
               "strategies": ["optuna-random-hyperband"], "workers": [2]})


def test_every_batch_round_is_proposed_before_any_result():
    EVENTS.clear()
    suite = _suite(strategies=["tests.test_parallel:SpyStrategy"], workers=[4])
    df = _frame(run_cell(plan(suite)[0], suite))
    assert list(df["round"]) == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert list(df["worker"]) == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]
    assert (df["workers"] == 4).all()
    kinds = "".join("a" if k == "ask" else "t" for k, _ in EVENTS)
    assert kinds == "aaaatttt" "aaaatttt" "aatt"
    # each round's tells are exactly its own asks
    for start, n in ((0, 4), (8, 4), (16, 2)):
        asks = {c for _, c in EVENTS[start:start + n]}
        tells = {c for _, c in EVENTS[start + n:start + 2 * n]}
        assert asks == tells


@pytest.mark.parametrize("strategy", ["random", "optuna-tpe", "hyperopt-tpe"])
def test_one_worker_batch_equals_the_sequential_loop(strategy):
    seq = _suite(strategies=[strategy])
    par = _suite(strategies=[strategy], workers=[1])
    a = _frame(run_cell(plan(seq)[0], seq))
    b = _frame(run_cell(plan(par)[0], par))
    cols = [c for c in DETERMINISTIC if c in a and c not in ("fidelity", "cost")]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert list(b["sim_end"]) == [float(t + 1) for t in range(10)]  # 1 s per branin eval


@pytest.mark.parametrize("mode", ["batch", "async"])
def test_parallel_cells_are_reproducible(mode):
    suite = _suite(strategies=["optuna-tpe"], workers=[3], parallel=mode)
    cols = [c for c in DETERMINISTIC if c not in ("fidelity", "cost")] + PAR
    a = _frame(run_cell(plan(suite)[0], suite))[cols]
    b = _frame(run_cell(plan(suite)[0], suite))[cols]
    pd.testing.assert_frame_equal(a, b)


def test_async_schedule_on_uneven_durations(monkeypatch):
    """Durations 1 + x1 / 5: each worker's next trial starts when its previous one ends,
    suggestions are made in order of simulated time, and at most q run at once."""
    from tunebench.benchmarks.execution import parallel

    monkeypatch.setattr(parallel, "duration", lambda p, f, c: 1.0 + (c["x1"] + 5) / 5)
    suite = _suite(workers=[3], parallel="async", budget=12)
    df = _frame(run_cell(plan(suite)[0], suite))
    assert list(df["trial"]) == list(range(12))
    assert np.allclose(df["sim_end"] - df["sim_start"],
                       [1.0 + (x + 5) / 5 for x in pd.json_normalize(
                           df["params"].map(json.loads))["x1"]])
    assert list(df["worker"][:3]) == [0, 1, 2] and (df["sim_start"][:3] == 0).all()
    assert df["sim_start"].is_monotonic_increasing
    for _, g in df.groupby("worker"):
        assert np.allclose(g["sim_start"].to_numpy()[1:], g["sim_end"].to_numpy()[:-1])
    # trial k >= q starts at the k-th (0-based, k - q) earliest end among the earlier trials
    ends = []
    for k in range(3, 12):
        ends = sorted(df["sim_end"][:k])
        assert df["sim_start"][k] == pytest.approx(ends[k - 3])


def test_durations_scale_with_the_training_resource():
    mlp = next(get_problem(n) for n in ("mlp-wine", "mlp-iris", "mlp-breast_cancer")
               if _exists(n))
    d = next(d for d in mlp.space if d.name == "max_iter")
    mean = (d.high - d.low) / np.log(d.high / d.low)
    assert durations.resource_factor(mlp, {"max_iter": d.high}) == pytest.approx(d.high / mean)
    branin = get_problem("branin")
    assert durations.duration(branin, 1, {"x1": 0.0, "x2": 0.0}) == 1.0
    table = durations._costs()[0]
    name = next(iter(table))
    assert durations.seconds_per_fit(get_problem(name)) == pytest.approx(table[name] / 4)


def _exists(name):
    try:
        get_problem(name)
    except (KeyError, ValueError):
        return False
    return True


def _trials(rows):
    """(problem, workers, strategy, seed, trial, sim_end, val_loss) -> a trials frame."""
    df = pd.DataFrame(rows, columns=["problem", "workers", "strategy", "seed", "trial",
                                     "sim_end", "val_loss"])
    return df.assign(status="ok", sim_start=df["sim_end"] - 1)


def test_parallel_analysis_against_hand_computed_values():
    rows = []
    # one problem; random at q=1 reaches 3.0 at t=3 (its final); at q=2 reaches 3.0 at t=2
    for t, v in enumerate([5.0, 4.0, 3.0, 3.5]):
        rows.append(("p", 1, "random", 1, t, t + 1.0, v))
    for t, (e, v) in enumerate([(1, 5.0), (1, 4.0), (2, 3.0), (2, 3.5)]):
        rows.append(("p", 2, "random", 1, t, float(e), v))
    # tpe: q=1 reaches 3.0 at t=2 (final 2.0 at t=4); q=2 reaches 2.5 at t=1
    for t, v in enumerate([4.0, 3.0, 2.5, 2.0]):
        rows.append(("p", 1, "tpe", 1, t, t + 1.0, v))
    for t, (e, v) in enumerate([(1, 4.0), (1, 2.5), (2, 2.2), (2, 9.0)]):
        rows.append(("p", 2, "tpe", 1, t, float(e), v))
    lstar = pd.DataFrame({"problem": ["p"], "seed": [1], "lstar_val": [1.5]})
    out = pa_.parallel_summary(_trials(rows), "batch", lstar=lstar)
    sp = out["speedup"].set_index(["workers", "strategy"])
    assert sp.loc[(1, "random"), "time"] == 3.0 and sp.loc[(2, "random"), "time"] == 2.0
    assert sp.loc[(1, "tpe"), "time"] == 2.0 and sp.loc[(2, "tpe"), "time"] == 1.0
    assert sp.loc[(2, "random"), "speedup"] == pytest.approx(1.5)
    assert sp.loc[(1, "tpe"), "speedup"] == pytest.approx(1.5)
    assert sp.loc[(2, "tpe"), "speedup"] == pytest.approx(3.0)
    assert sp.loc[(2, "random"), "efficiency"] == pytest.approx(3 / (2 * 2))
    assert sp.loc[(2, "tpe"), "efficiency"] == pytest.approx(2 / (2 * 1))
    assert (sp["reached"] == 1.0).all()
    best = out["best"].set_index("workers")["best"]
    assert best[1] == "tpe" and best[2] == "tpe"
    # the seed's frozen L* is 1.5 (not the run's best, 2.0): tpe q=2 at t=2 has 2.2 ->
    # regret 0.7; random q=1 at t=4 has 3.0 -> 1.5; at t=0 nothing has ended: NaN
    def at(out, q, s, t):
        g = out["curves"][(out["curves"]["workers"] == q) & (out["curves"]["strategy"] == s)]
        return g.loc[np.isclose(g["time"], t), "regret"].item()

    assert at(out, 2, "tpe", 2.0) == pytest.approx(0.7)
    assert at(out, 1, "random", 4.0) == pytest.approx(1.5)
    assert np.isnan(at(out, 1, "random", 0.0))
    assert set(out["control"]["workers"]) == {1, 2} and out["without_lstar"] == []
    # removing tpe changes nothing of random's curve (the run's best would have moved)
    alone = pa_.parallel_summary(_trials([r for r in rows if r[2] == "random"]), "batch",
                                 lstar=lstar)
    assert at(alone, 1, "random", 4.0) == pytest.approx(1.5)
    # without a table or known optimum: raw validation loss, and the section says so
    raw = pa_.parallel_summary(_trials(rows), "batch")
    assert at(raw, 2, "tpe", 2.0) == pytest.approx(2.2) and raw["without_lstar"] == ["p"]


def test_sequential_trials_have_no_parallel_section():
    df = _trials([("p", 1, "random", 1, 0, 1.0, 1.0)]).drop(columns=["workers", "sim_end"])
    assert pa_.parallel_summary(df) == {}


@pytest.mark.slow
def test_records_of_parallel_suites_do_not_depend_on_jobs(tmp_path):
    """Issue #26's suite (workers [1, 4], batch; random, optuna-tpe, skopt-gp, optuna-cmaes,
    hyperopt-tpe) gives identical records (parameters, losses and the simulated schedule)
    run in one process or in two worker processes."""
    import tunebench as tb

    suite = {"name": "par-jobs", "budget": 8, "seeds": 1, "folds": 2,
             "problems": ["branin", "svm-iris"], "workers": [1, 4], "parallel": "batch",
             "strategies": ["random", "optuna-tpe", "skopt-gp", "optuna-cmaes",
                            "hyperopt-tpe"]}
    runs = [tb.run(suite, out=tmp_path / f"j{jobs}", jobs=jobs, references=False,
                   report=False) for jobs in (1, 2)]
    assert all(r.finished and not r.failed for r in runs)
    cols = [c for c in DETERMINISTIC if c in runs[0].trials] + PAR
    key = ["problem", "workers", "strategy", "seed", "trial"]
    a, b = (r.trials.sort_values(key)[cols].reset_index(drop=True) for r in runs)
    assert len(a) == 2 * 2 * 5 * 8 and set(a["workers"]) == {1, 4}
    q4 = a[a["workers"] == 4]
    assert (q4.groupby(["problem", "strategy", "round"]).size() == 4).all()  # 8 = 2 rounds
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_parallel_run_reports_regret_to_the_known_optimum(tmp_path):
    """End to end: a parallel run's report has the section, and branin's regret is taken
    to its known optimum (0.397887), so no problem is listed as raw loss."""
    import tunebench as tb

    suite = {"name": "par-report", "budget": 4, "seeds": 1, "problems": ["branin"],
             "workers": [1, 2], "parallel": "batch", "strategies": ["random", "optuna-tpe"]}
    run = tb.run(suite, out=tmp_path / "run", jobs=1, references=False, report=False)
    par = tb.summarise(run).parallel
    assert par["without_lstar"] == [] and par["workers"] == [1, 2]
    curves = par["curves"]
    final = curves[curves["time"] == curves["time"].max()]
    rs = run.trials[(run.trials["strategy"] == "random") & (run.trials["workers"] == 1)]
    got = final[(final["strategy"] == "random") & (final["workers"] == 1)]["regret"].item()
    assert got == pytest.approx(rs["val_loss"].min() - 0.397887, abs=1e-5)
    text = tb.report(run).read_text()
    assert "With parallel workers" in text and "frozen L*" in text
