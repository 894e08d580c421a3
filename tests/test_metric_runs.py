"""Metrics through the harness: the suite key, stored columns, schema versions, fingerprints."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import tunebench.problems.catalogue as catalogue
from tunebench.benchmarks.store.rundir import BASE_COLUMNS, COLUMNS, read_trials
from tunebench.benchmarks.plan.suite import SuiteError, parse
from tunebench.problems.datasets import DATASETS
from tunebench.problems.metrics import METRIC_COLUMNS, Prediction
from tunebench.problems.models import MODELS
from tunebench.problems.space import Float, SearchSpace
from tests.conftest import write_suite

LOGLOSS = 'metric = "log-loss"\n'


def _linear_svc(task: str, p: dict, rs: int):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=p["C"], random_state=rs)


@pytest.fixture
def decision_only(monkeypatch: pytest.MonkeyPatch) -> str:
    """A catalogue problem whose model gives decision values only (no probabilities)."""
    spec = dataclasses.replace(MODELS["logreg"], name="linsvc", build=_linear_svc,
                               scores=Prediction.DECISION)
    problem = catalogue.make_problem(spec, DATASETS["wine"])
    monkeypatch.setitem(catalogue.PROBLEMS, problem.name, problem)
    return problem.name


def _suite(**extra: object) -> dict:
    return {"name": "t", "strategies": ["random"], "problems": ["knn-iris", "ridge-diabetes",
                                                                 "branin"], **extra}


def test_suite_metric_key_is_validated(decision_only: str) -> None:
    assert parse(_suite()).metric is None
    assert parse(_suite(metric="log-loss")).metric == "log-loss"
    both = {"classification": "balanced-error", "regression": "mae"}
    assert parse(_suite(metric=both)).metric == both
    with pytest.raises(SuiteError, match="did you mean 'log-loss'"):
        parse(_suite(metric="logloss"))
    with pytest.raises(SuiteError, match="not a regression metric"):
        parse(_suite(metric={"regression": "log-loss"}))
    with pytest.raises(SuiteError, match="not a task"):
        parse(_suite(metric={"synthetic": "rmse"}))
    bad = _suite(metric="log-loss", problems=["knn-iris", decision_only])
    with pytest.raises(SuiteError, match=r"'log-loss' does not apply to \['linsvc-wine'\]"):
        parse(bad)
    assert parse(_suite(metric="1-auc", problems=["knn-iris", decision_only])).metric == "1-auc"
    with pytest.raises(SuiteError, match=r"does not apply to \['svm-wine'\]"):
        parse(_suite(metric={"classification": "log-loss"}, problems=["knn-iris", "svm-wine"]))
    pref = {"classification": ["log-loss", "1-auc"]}
    assert parse(_suite(metric=pref, problems=["knn-iris", "svm-wine"])).metric == pref
    with pytest.raises(SuiteError, match="'mae' is not a classification metric"):
        parse(_suite(metric={"classification": ["log-loss", "mae"]}))


def test_primary_metric_per_problem(decision_only: str) -> None:
    get, choose = catalogue.get_problem, catalogue.with_suite_metric
    assert get("knn-iris").metric == "log-loss" and get("ridge-diabetes").metric == "rmse"
    assert get(decision_only).metric == "1-auc"  # the documented fallback
    assert choose(get("ridge-diabetes"), "log-loss").metric == "rmse"  # other task: default
    assert choose(get("branin"), {"regression": "mae"}).metric == "value"
    assert choose(get("ridge-diabetes"), {"regression": "mae"}).metric == "mae"
    pref = {"classification": ["log-loss", "1-auc"]}
    assert choose(get("svm-wine"), pref).metric == "1-auc"
    assert choose(get("knn-iris"), pref).metric == "log-loss"
    assert get("svm-wine").metric == "1-auc"


def test_decision_only_model_records_what_it_can(decision_only: str) -> None:
    problem = catalogue.get_problem(decision_only)
    ev = problem.bind(1, folds=3)({"C": 1.0})
    assert ev.status == "ok", ev.error
    assert set(ev.metrics) == {"balanced-error", "1-auc", "1-accuracy"}
    assert (ev.val_loss, ev.test_loss) == ev.metrics["1-auc"]


def test_log_loss_suite_end_to_end_and_report(tmp_path: Path, run_cli) -> None:
    suite = write_suite(tmp_path, budget=4, seeds=1, strategies=("random", "optuna-tpe"),
                        problems=("knn-iris", "logreg-iris"), extra=LOGLOSS)
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1") == 0
    df = read_trials(out)
    assert list(df.columns) == COLUMNS and set(df["metric"]) == {"log-loss"}
    assert np.allclose(df["val_loss"], df["val:log-loss"])
    assert np.allclose(df["test_loss"], df["test:log-loss"])
    for c in ("val:1-auc", "test:balanced-error", "test:1-accuracy"):
        assert df[c].notna().all()
    assert df[["val:rmse", "test:mae", "test:1-r2"]].isna().all().all()
    assert pq.read_schema(out / "trials.parquet").metadata[b"tunebench.schema"] == b"2"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "tunebench-run/2"
    fp = manifest["problems"]["knn-iris"]["fingerprint"]
    assert fp["metric"] == "log-loss" and fp["space"]["dimensions"][0]["name"] == "n_neighbors"
    assert len(fp["data"]) == 16
    report = (out / "report" / "report.md").read_text()
    assert "Primary metric (what strategies minimise): log-loss." in report
    assert "Median test log-loss of the final incumbent" in report
    assert "Does the verdict depend on the metric?" in report
    agreement = pd.read_csv(out / "report" / "tables" / "metric_agreement.csv")
    assert set(agreement["metric"]) == {"log-loss", "balanced-error", "1-auc", "1-accuracy"}
    # log-loss is the primary: the same order (tau undefined only if every mean rank ties)
    tau = agreement.set_index("metric").loc["log-loss", "kendall_tau"]
    ranks = pd.read_csv(out / "report" / "tables" / "metric_mean_ranks.csv")
    assert tau == pytest.approx(1.0) or (np.isnan(tau) and ranks["log-loss"].nunique() == 1)


def _v1(out: Path) -> None:
    """Rewrite a finished run as tunebench 1 wrote it: no metric columns, no metadata."""
    table = pq.read_table(out / "trials.parquet").select(BASE_COLUMNS)
    pq.write_table(table.replace_schema_metadata(None), out / "trials.parquet")
    for p in (out / "cells").glob("*.parquet"):
        pq.write_table(pq.read_table(p).select(BASE_COLUMNS).replace_schema_metadata(None), p)
    m = json.loads((out / "manifest.json").read_text())
    m["format"] = "tunebench-run/1"
    for info in m["problems"].values():
        info.pop("fingerprint")
    (out / "manifest.json").write_text(json.dumps(m))


def test_schema_1_run_is_read_and_not_resumed(tmp_path: Path, run_cli, capsys) -> None:
    suite = write_suite(tmp_path, budget=3, seeds=1, problems=("branin", "knn-iris"))
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    before = read_trials(out)
    _v1(out)
    old = read_trials(out)
    assert list(old.columns) == COLUMNS
    assert old[list(METRIC_COLUMNS)].isna().all().all()
    assert (old["metric"] == before["metric"]).all()
    assert set(old["metric"]) == {"value", "log-loss"}
    assert np.allclose(old["val_loss"], before["val_loss"])
    capsys.readouterr()
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 2
    err = capsys.readouterr().err
    assert "format: stored 'tunebench-run/1', now 'tunebench-run/2'" in err


def test_resume_refused_when_a_search_space_changed(tmp_path: Path, run_cli, capsys,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    suite = write_suite(tmp_path, budget=2, seeds=1, problems=("branin", "logreg-iris"))
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    stored = (out / "trials.parquet").read_bytes()
    changed = dataclasses.replace(catalogue.PROBLEMS["logreg-iris"],
                                  space=SearchSpace((Float("C", 1e-3, 1e2, log=True),)))
    monkeypatch.setitem(catalogue.PROBLEMS, "logreg-iris", changed)
    capsys.readouterr()
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 2
    err = capsys.readouterr().err
    assert "problem 'logreg-iris': search space differs" in err
    assert "stored C in [0.01, 100.0] log, now C in [0.001, 100.0] log" in err
    assert (out / "trials.parquet").read_bytes() == stored  # nothing destroyed


@pytest.mark.slow
def test_strategies_no_longer_tie_under_continuous_metrics(tmp_path: Path, run_cli) -> None:
    """Issue 11's check: under 1-accuracy strategies tie on these problems; under log loss
    (knn-penguins) and AUC (svm-wine: the SVM's fallback) their final validation losses
    differ. Measured at budget 15, seed 1: 4 of 4 distinct on both."""
    suite = write_suite(tmp_path, budget=15, seeds=1,
                        strategies=("random", "grid", "optuna-tpe", "hyperopt-tpe"),
                        problems=("knn-penguins", "svm-wine"),
                        extra='metric = { classification = ["log-loss", "1-auc"] }\n')
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    df = read_trials(out)
    assert df.groupby("problem")["metric"].first().to_dict() == {"knn-penguins": "log-loss",
                                                                  "svm-wine": "1-auc"}
    best = df.groupby(["problem", "strategy"])["val_loss"].min().unstack()
    assert (best.nunique(axis=1) >= 3).all(), best


def test_report_refuses_runs_with_different_fingerprints(tmp_path: Path, run_cli) -> None:
    import shutil

    from tunebench.benchmarks.analysis.summary import load
    from tunebench.benchmarks.store.rundir import StoreError

    suite = write_suite(tmp_path, budget=2, seeds=1, problems=("branin", "logreg-iris"))
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    other = tmp_path / "other"
    shutil.copytree(out, other)
    m = json.loads((other / "manifest.json").read_text())
    m["problems"]["logreg-iris"]["fingerprint"]["data"] = "0123456789abcdef"
    (other / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StoreError, match="problem 'logreg-iris': dataset content differs"):
        load([out, other])
