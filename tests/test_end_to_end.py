"""The harness end to end on a tiny suite, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunebench.benchmarks.store.schema import COLUMNS, DETERMINISTIC
from tests.conftest import write_suite


def test_rows_columns_and_no_nan(tiny_run):
    out, df = tiny_run
    # budget 5 x 2 strategies x 2 problems x 2 seeds
    assert len(df) == 5 * 2 * 2 * 2
    assert list(df.columns) == COLUMNS
    assert not df["val_loss"].isna().any()
    assert set(df["status"]) == {"ok"}
    counts = df.groupby(["problem", "strategy", "seed"]).size()
    assert (counts == 5).all() and len(counts) == 8
    assert df["trial"].tolist()[:5] == [0, 1, 2, 3, 4]
    # params are JSON text with the problem's dimensions
    first = json.loads(df.loc[df["problem"] == "logreg-iris", "params"].iloc[0])
    assert set(first) == {"C"}


def test_manifest_records_provenance(tiny_run):
    out, _ = tiny_run
    m = json.loads((out / "manifest.json").read_text())
    assert m["suite"]["budget"] == 5 and m["suite"]["seeds"] == [1, 2]
    assert m["finished_at"] is not None
    libs = m["environment"]["libraries"]
    for name in ["numpy", "scikit-learn", "optuna", "hyperopt", "scikit-optimize", "pandas"]:
        assert libs[name] != "not installed"
    assert m["environment"]["cpu_count"] >= 1
    assert m["strategies"]["random"]["library"] == "numpy"
    assert m["problems"]["logreg-iris"]["dataset"]["licence"]


def test_parquet_reads_without_tunebench(tiny_run):
    out, df = tiny_run
    code = ("import sys, pandas as pd; df = pd.read_parquet(sys.argv[1]); "
            "assert not any(m.startswith(('benchmarks', 'strategies', 'problems', 'tunebench')) "
            "for m in sys.modules); print(len(df))")
    res = subprocess.run([sys.executable, "-c", code, str(out / "trials.parquet")],
                         capture_output=True, text=True, check=True, cwd="/")
    assert int(res.stdout) == len(df)


def _rerun(tmp_path, run_cli, name: str, jobs: str) -> pd.DataFrame:
    """The tiny suite again, in another run directory."""
    suite = write_suite(tmp_path, name=f"{name}.toml")
    out = tmp_path / name
    assert run_cli("run", suite, "--out", out, "--jobs", jobs, "--no-report") == 0
    return pd.read_parquet(out / "trials.parquet")


def test_same_suite_twice_gives_identical_records(tmp_path, run_cli, tiny_run):
    _, first = tiny_run
    second = _rerun(tmp_path, run_cli, "again", "1")
    pd.testing.assert_frame_equal(first[DETERMINISTIC], second[DETERMINISTIC])


@pytest.mark.slow
def test_jobs_1_and_2_give_identical_records(tmp_path, run_cli, tiny_run):
    _, first = tiny_run
    second = _rerun(tmp_path, run_cli, "par", "2")
    pd.testing.assert_frame_equal(first[DETERMINISTIC], second[DETERMINISTIC])


def test_common_random_numbers_across_strategies(tmp_path, run_cli):
    """Every strategy starts from the default configuration: same config -> same losses."""
    suite = write_suite(tmp_path, budget=3, seeds=2, sfd=True,
                        strategies=("random", "grid", "optuna-tpe", "hyperopt-tpe"),
                        problems=("svm-breast_cancer", "noisy-hartmann6"))
    out = tmp_path / "crn"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    df = pd.read_parquet(out / "trials.parquet")
    first = df[df["trial"] == 0]
    per = first.groupby(["problem", "seed"]).agg(
        configs=("params", "nunique"), vals=("val_loss", "nunique"),
        tests=("test_loss", "nunique"), n=("strategy", "nunique"))
    assert (per["n"] == 4).all()
    assert (per["configs"] == 1).all() and (per["vals"] == 1).all() and (per["tests"] == 1).all()
    # ... while the seed does change the split (and the noise)
    by_seed = first.groupby("problem")["val_loss"].nunique()
    assert (by_seed == 2).all()


def test_strategies_see_identical_folds_when_they_meet(tmp_path, run_cli):
    """Any configuration two strategies both evaluate gets identical losses."""
    suite = write_suite(tmp_path, budget=12, seeds=1, strategies=("grid", "defaults"),
                        problems=("knn-iris",))
    out = tmp_path / "meet"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    df = pd.read_parquet(out / "trials.parquet")
    g = df.groupby("params").agg(strategies=("strategy", "nunique"),
                                 vals=("val_loss", "nunique"), tests=("test_loss", "nunique"))
    assert (g["vals"] == 1).all() and (g["tests"] == 1).all()


def test_report_written(tmp_path, run_cli):
    out = tmp_path / "run"  # with the report: the run builds its reference table
    assert run_cli("run", write_suite(tmp_path), "--out", out, "--jobs", "1") == 0
    assert run_cli("report", out) == 0
    index = out / "report" / "index.html"
    page = index.read_text()
    assert "<img" in page
    for section in ["Summary verdict", "Aggregate over problems", "Final-budget statistics",
                    "Per problem", "Validation overfitting", "Timing", "Provenance",
                    "How to cite", "Method notes"]:
        assert section in page
    tables = out / "report" / "tables"
    for name in ["aggregate_test", "final_test_loss", "overfitting", "timing"]:
        assert (tables / f"{name}.csv").exists() and (tables / f"{name}.tex").exists()
    assert (out / "report" / "report.md").exists()
    assert (out / "report" / "figures" / "convergence_val.pdf").exists()


def test_cli_overrides_are_recorded(tmp_path, run_cli):
    suite = write_suite(tmp_path)
    out = tmp_path / "ovr"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--budget", "3", "--seeds", "1",
                   "--strategies", "random", "--problems", "branin", "--no-report") == 0
    df = pd.read_parquet(out / "trials.parquet")
    assert len(df) == 3
    m = json.loads((out / "manifest.json").read_text())
    assert m["suite"]["budget"] == 3 and m["suite"]["strategies"] == ["random"]


def test_defaults_strategy_reuses_its_single_evaluation(tmp_path, run_cli):
    suite = write_suite(tmp_path, budget=4, seeds=1, strategies=("defaults",),
                        problems=("svm-wine",))
    out = tmp_path / "def"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    df = pd.read_parquet(out / "trials.parquet")
    assert df["reused"].tolist() == [False, True, True, True]
    assert df["val_loss"].nunique() == 1
    assert (df.loc[df["reused"], "fit_seconds"] == 0).all()
    assert np.isfinite(df["test_loss"]).all()


def test_bad_input_exit_code_2(tmp_path, run_cli, capsys):
    assert run_cli("run", "no-such-suite") == 2
    assert "Built-in suites" in capsys.readouterr().err
    suite = write_suite(tmp_path, strategies=("randon",))
    assert run_cli("run", suite, "--out", tmp_path / "x") == 2
    err = capsys.readouterr().err
    assert "randon" in err and "random" in err
    assert not (tmp_path / "x").exists()


def test_list_commands(run_cli, capsys):
    for what in ["strategies", "problems", "datasets", "suites"]:
        assert run_cli("list", what) == 0
    out = capsys.readouterr().out
    assert "hyperopt-tpe" in out and "svm-breast_cancer" in out and "quick" in out


def test_console_script_help():
    res = subprocess.run([sys.executable, "-m", "tunebench.benchmarks.cli", "run", "--help"],
                         capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert res.returncode == 0 and "--jobs" in res.stdout and "--scheduler" in res.stdout


def test_builtin_suites_validate(run_cli, capsys):
    from tunebench.benchmarks.plan.suite import builtin_suites, load

    assert set(builtin_suites()) == {"quick", "default", "paper", "scaling"}
    for name in builtin_suites():
        assert run_cli("validate", name) == 0
    default = load("default")
    assert default.budget >= 30 and len(default.seeds) >= 5 and len(default.problems) >= 12
    from tunebench.problems.catalogue import get_problem

    tasks = {get_problem(p).task for p in default.problems}
    assert tasks == {"classification", "regression"}
    assert set(default.strategies) >= {"grid", "random", "skopt-gp", "hyperopt-tpe",
                                       "optuna-tpe", "optuna-cmaes", "optuna-ga", "defaults"}
    paper = load("paper")
    assert paper.budget == 100 and len(paper.seeds) >= 20
