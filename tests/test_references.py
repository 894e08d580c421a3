"""Reference tables: exact R0, per-seed L*, signatures, null check, bootstrap streams."""

from __future__ import annotations

import dataclasses
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.reference import runs as reference_runs
from tunebench.benchmarks.reference import tables as reference
from tunebench.benchmarks.analysis.normalise import expected_best, min_weights
from tunebench.benchmarks.analysis.nullcheck import final_scores, null_check
from tunebench.benchmarks.analysis.stats import aggregate_scores, probability_of_improvement
from tunebench.benchmarks.reference.signatures import signature_differences, signatures
from tunebench.benchmarks.plan.suite import load
from tunebench.benchmarks.store.rundir import RunDir
from tests.conftest import write_suite

# 12 points with tied validation losses (three 1s, three 2s, two 3s)
VAL = np.array([3, 1, 2, 2, 5, 1, 4, 2, 6, 3, 7, 1], float)
TEST = np.array([30, 11, 25, 21, 50, 13, 40, 22, 60, 35, 70, 10], float)


def _brute_force(t: int) -> tuple[float, float]:
    """Mean over all t-subsets of the min val loss and of the chosen one's test loss
    (uniform among the tied minima)."""
    bv, bt = [], []
    for subset in itertools.combinations(range(len(VAL)), t):
        m = VAL[list(subset)].min()
        bv.append(m)
        bt.append(np.mean([TEST[i] for i in subset if VAL[i] == m]))
    return float(np.mean(bv)), float(np.mean(bt))


def test_r0_equals_brute_force_enumeration_with_ties():
    ev, et = expected_best(VAL, TEST, np.arange(1, 13))
    for t in range(1, 13):
        bv, bt = _brute_force(t)
        assert ev[t - 1] == pytest.approx(bv, rel=1e-12)
        assert et[t - 1] == pytest.approx(bt, rel=1e-12)
    # by hand: t = 12 takes the three tied 1s, test mean (11 + 13 + 10) / 3
    assert et[-1] == pytest.approx(34 / 3)


def test_r0_val_equals_opda_u_tuning_curve():
    from opda.nonparametric import EmpiricalDistribution

    ts = np.arange(1, 13)
    ev, _ = expected_best(VAL, TEST, ts)
    np.testing.assert_allclose(ev, EmpiricalDistribution(VAL).u_tuning_curve(ts, minimize=True),
                               rtol=1e-12)


def test_weights_are_stable_for_large_samples():
    w = min_weights(20000, 500)
    assert w.sum() == pytest.approx(1.0, abs=1e-12) and (w >= 0).all()
    assert w[0] == pytest.approx(500 / 20000) and w[-1] == 0.0


def _fin(strategies: dict[str, float]) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for s, shift in strategies.items():
        for p in ("a", "b", "c"):
            for seed in range(1, 6):
                v = shift + rng.normal()
                rows.append({"problem": p, "strategy": s, "seed": seed, "inc_val": -v,
                             "inc_test": -v, "score_val": v, "score_test": v})
    return pd.DataFrame(rows)


def test_bootstrap_numbers_do_not_depend_on_other_strategies():
    full = _fin({"random": 0.0, "tpe": 0.5, "cmaes": 0.3})
    for drop in ("cmaes", "random"):
        fewer = full[full["strategy"] != drop]
        a = aggregate_scores(full, "score_test").set_index("strategy")
        b = aggregate_scores(fewer, "score_test").set_index("strategy")
        for s in b.index:
            assert a.loc[s].equals(b.loc[s])  # bit-identical, intervals included
    a = probability_of_improvement(full, "inc_test").set_index("strategy")
    b = probability_of_improvement(full[full["strategy"] != "cmaes"], "inc_test")
    assert a.loc["tpe"].equals(b.set_index("strategy").loc["tpe"])
    trials, sample, lstar = _null_inputs()
    n1 = null_check(trials, sample, lstar, n_perm=200).set_index(["strategy", "side"])
    n2 = null_check(trials[trials["strategy"] != "tpe"], sample, lstar,
                    n_perm=200).set_index(["strategy", "side"])
    assert n1.equals(n2) and len(n1) == 2


def _null_inputs(shift: float = 0.0, seeds: int = 2) -> tuple[pd.DataFrame, ...]:
    """Random search (10 evaluations per cell, losses shifted by ``shift``), a TPE and a
    reference sample of 100 per (problem, seed), all standard normal losses."""
    rng = np.random.default_rng(11)
    trials, sample, lstar = [], [], []
    for p in ("a", "b", "c"):
        for seed in range(1, seeds + 1):
            for strategy, n, d in (("random", 10, shift), ("tpe", 10, -1.0), ("ref", 100, 0)):
                v = rng.normal(size=n) + d
                rows = trials if strategy != "ref" else sample
                rows += [{"problem": p, "seed": seed, "strategy": strategy, "status": "ok",
                          "val_loss": x, "test_loss": x + 0.1} for x in v]
            lstar.append({"problem": p, "seed": seed, "lstar_val": -4.0, "lstar_test": -3.9})
    return pd.DataFrame(trials), pd.DataFrame(sample), pd.DataFrame(lstar)


def test_null_check_flags_a_random_search_unlike_the_sample():
    same = null_check(*_null_inputs(0.0, seeds=5), n_perm=1000).set_index("side")
    assert same["consistent"].all() and (same["p_value"] > 0.05).all()
    worse = null_check(*_null_inputs(1.0, seeds=5), n_perm=1000).set_index("side")
    assert not worse["consistent"].any() and (worse["p_value"] < 0.01).all()
    assert (worse["mean"] < worse["null_low"]).all()


def test_permuted_scores_by_hand():
    """Run [2, 5] against sample [1, 3, 4], L* = 0: R0 = w_2 . (1, 3, 4) with
    w_2 = (2/3, 1/3, 0), so the actual split scores (5/3 - 2) / (5/3) = -0.2; the permuted
    splits are the 10 two-element subsets of the pooled five, about equally often."""
    import itertools

    from tunebench.benchmarks.analysis.normalise import expected_best
    from tunebench.benchmarks.analysis.nullcheck import permuted_scores

    val = np.array([2.0, 5.0, 1.0, 3.0, 4.0])
    sv, st = permuted_scores(val[:2], val[:2] + 1, val[2:], val[2:] + 1, 0.0, 1.0,
                             np.random.default_rng(0), 4000)
    assert sv[0] == pytest.approx(-0.2) and st[0] == pytest.approx((8 / 3 - 3) / (5 / 3))
    expected = {}
    for run in itertools.combinations(range(5), 2):
        rest = [i for i in range(5) if i not in run]
        r0 = expected_best(val[rest], val[rest], np.array([2]))[0][0]
        score = round((r0 - val[list(run)].min()) / r0, 9)
        expected[score] = expected.get(score, 0) + 0.1
    got = pd.Series(np.round(sv[1:], 9)).value_counts(normalize=True).to_dict()
    assert set(got) == set(expected)
    for score, share in expected.items():
        assert got[score] == pytest.approx(share, abs=0.03)


def test_final_scores_by_hand():
    fin = pd.DataFrame({"problem": ["a", "a", "b", "b"], "strategy": "random",
                        "seed": [1, 2, 1, 2], "inc_val": 1.0, "inc_test": 2.0,
                        "score_val": [0.1, -0.1, 0.2, -0.2], "score_test": [1.0, 1.0, 1.0, 1.0]})
    fs = final_scores(fin)
    assert list(fs.columns) == ["problem", "strategy", "seed", "final_val_loss",
                                "final_test_loss", "score_val", "score_test"]


def test_signature_differences_catch_a_changed_space_and_objective():
    table = pd.DataFrame({"problem": "p", "seed": 1, "index": [0, 1],
                          "params": ['{"x": 0.5}', '{"x": 0.7}'], "status": "ok",
                          "val_loss": [1.0, 2.0], "test_loss": [1.5, 2.5]})
    assert signature_differences(table, table.copy()) == []
    noise = table.assign(val_loss=table["val_loss"] * (1 + 1e-12))
    assert signature_differences(table, noise) == []
    space = table.assign(params=['{"x": 0.25}', '{"x": 0.7}'])
    msg = signature_differences(table, space)
    assert len(msg) == 1 and "search space changed" in msg[0]
    obj = table.assign(test_loss=[1.5, 2.6])
    assert "test_loss" in signature_differences(table, obj)[0]


def test_quick_ships_a_table_that_covers_it():
    quick = load("quick")
    table = reference.find(quick)
    assert table is not None and table.path.name == "quick"
    assert table.provenance["samples"] >= 10 * quick.budget
    sample = table.sample()
    counts = sample.groupby(["problem", "seed"]).size()
    assert len(counts) == len(quick.problems) * len(quick.seeds)
    assert (counts == table.provenance["samples"]).all()
    assert table.hash == reference.content_hash(
        table.path / f"{k}.parquet" for k in ("sample", "lstar", "signatures"))
    lstar = table.lstar().set_index(["problem", "seed"])
    assert lstar.loc[("branin", 1), "source"] == "known optimum"
    assert (lstar["lstar_test"] <= lstar["val_best_test"]).all()


@pytest.mark.slow
def test_reference_build_resumes_and_the_report_refuses_a_changed_objective(
        tmp_path, run_cli, monkeypatch, capsys):
    suite_path = write_suite(tmp_path, budget=3, seeds=1, strategies=("random",),
                             problems=("branin", "knn-iris"))
    tab = tmp_path / "table"
    argv = ["reference", suite_path, "--samples", "12", "--jobs", "1", "--out", tab]
    assert run_cli(*argv) == 0
    prov = json.loads((tab / "provenance.json").read_text())
    assert prov["samples"] == 12 and prov["campaign"]["budget"] == 15
    sample = pd.read_parquet(tab / "sample.parquet")
    assert len(sample) == 24 and set(sample["protocol"]) == {"cv-2"}
    # the sample is independent of the random strategy's draws
    suite = load(suite_path)
    run = tmp_path / "run"
    assert run_cli("run", suite_path, "--out", run, "--jobs", "1", "--no-report") == 0
    rnd = pd.read_parquet(run / "trials.parquet")
    assert not set(rnd["params"]) & set(sample["params"])
    mtime = (tab / "work" / "sample" / "trials.parquet").stat().st_mtime_ns
    assert run_cli(*argv) == 0  # resumes: nothing re-run
    assert json.loads((tab / "work" / "sample" / "manifest.json").read_text())["resumed_at"]
    assert (tab / "work" / "sample" / "trials.parquet").stat().st_mtime_ns >= mtime
    # a run's signatures match; a changed objective is refused with a message
    table = reference.open_table(tab)
    reference_runs.record_run(run, suite, table)
    manifest = RunDir(run).read_manifest()
    assert reference_runs.for_run(run, manifest).hash == table.hash
    from tunebench.problems import catalogue

    real = catalogue.get_problem

    def widened(name):  # knn-iris with n_neighbors up to 30 instead of 25
        problem = real(name)
        if name != "knn-iris":
            return problem
        dims = list(problem.space.dimensions)
        dims[0] = dataclasses.replace(dims[0], high=30)
        return dataclasses.replace(problem, space=dataclasses.replace(problem.space,
                                                                      dimensions=tuple(dims)))
    monkeypatch.setattr(catalogue, "get_problem", widened)
    reference_runs.record_run(run, suite, table)
    with pytest.raises(reference.ReferenceMismatch, match="knn-iris seed 1 signature 0.*search space changed"):
        reference_runs.for_run(run, manifest)


@pytest.mark.slow
def test_a_run_with_failed_cells_is_reported_with_the_rule(tmp_path, run_cli):
    suite = write_suite(tmp_path, budget=3, seeds=2,
                        strategies=("random", "tests.test_references:AlwaysFails"),
                        problems=("branin",))
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1") == 1
    md = (out / "report" / "report.md").read_text()
    assert "Rule for failed cells" in md and "branin__tests.test_references_AlwaysFails" in md
    agg = pd.read_csv(out / "report" / "tables" / "aggregate_test.csv")
    assert list(agg["strategy"]) == ["random"]


class AlwaysFails(reference.ReferenceSample):
    """A plug-in strategy that raises at its first ask."""

    name = "always-fails"

    def ask(self):  # noqa: ANN201
        raise RuntimeError("this cell fails on purpose")


@pytest.mark.slow
def test_runs_with_different_reference_tables_are_not_combined(tmp_path, run_cli, capsys):
    import shutil

    from tunebench.benchmarks.store.rundir import StoreError

    suite_path = write_suite(tmp_path, budget=3, seeds=1, strategies=("random",),
                             problems=("branin",))
    suite = load(suite_path)
    a, b = tmp_path / "a", tmp_path / "b"
    reference.build(suite, a, samples=30, campaign=())
    reference.build(suite, b, samples=40, campaign=())
    run1, run2 = tmp_path / "run1", tmp_path / "run2"
    assert run_cli("run", suite_path, "--out", run1, "--jobs", "1", "--no-report") == 0
    shutil.copytree(run1, run2)
    df = pd.read_parquet(run2 / "trials.parquet")
    df.assign(strategy="random2").to_parquet(run2 / "trials.parquet")
    reference_runs.record_run(run1, suite, reference.open_table(a))
    reference_runs.record_run(run2, suite, reference.open_table(b))
    manifests = [RunDir(r).read_manifest() for r in (run1, run2)]
    with pytest.raises(StoreError, match="different reference tables"):
        reference_runs.for_runs([run1, run2], manifests)
    assert reference_runs.for_runs([run1], manifests[:1])[0].hash == reference.open_table(a).hash


def test_shipped_quick_table_matches_this_installation():
    """The signature check a `quick` run makes, on two problems and one seed."""
    table = reference.find(load("quick"))
    quick = load("quick")
    now = signatures(["branin", "knn-iris"], [1], quick.folds, quick.test_fraction)
    assert len(now) == 10
    assert signature_differences(table.signatures(), now) == []


def test_r0_val_equals_bayesmark_expected_min_formula():
    """Bayesmark's expected_min (uber/bayesmark expected_max.py): on -x sorted ascending the
    k-th value's weight is proportional to Gamma(k) / Gamma(k - m + 1), normalised."""
    from scipy.special import gammaln, logsumexp

    def bayesmark_expected_min(x: np.ndarray, m: int) -> float:
        y = np.sort(-x)
        k = np.arange(1, len(y) + 1)
        with np.errstate(invalid="ignore"):
            lpdf = gammaln(k) - gammaln(k - (m - 1))
        lpdf = np.where(k >= m, lpdf, -np.inf)
        return float(-(y * np.exp(lpdf - logsumexp(lpdf))).sum())

    ev, _ = expected_best(VAL, TEST, np.arange(1, 13))
    for t in range(1, 13):
        assert ev[t - 1] == pytest.approx(bayesmark_expected_min(VAL, t), rel=1e-10)


@pytest.mark.slow
def test_a_quick_run_uses_the_shipped_table_and_builds_nothing(tmp_path, run_cli, monkeypatch):
    def no_build(*args, **kwargs):
        raise AssertionError("a quick run must not build a reference table")

    monkeypatch.setattr(reference, "build", no_build)
    out = tmp_path / "run"
    assert run_cli("run", "quick", "--budget", "3", "--seeds", "2", "--problems", "branin",
                   "--strategies", "random", "--jobs", "1", "--out", out) == 0
    info = json.loads((out / "reference.json").read_text())
    assert info["name"] == "quick" and info["hash"] == reference.find(load("quick")).hash
    md = (out / "report" / "report.md").read_text()
    assert f"Reference table quick (content hash {info['hash']}" in md


def test_null_check_uses_fewer_permutations_on_huge_runs(monkeypatch):
    from tunebench.benchmarks.analysis import nullcheck

    assert (null_check(*_null_inputs())["permutations"] == nullcheck.N_PERM).all()
    monkeypatch.setattr(nullcheck, "WORK", 1.0)
    assert (null_check(*_null_inputs())["permutations"] == nullcheck.MIN_PERM).all()
