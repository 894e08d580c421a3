"""Bad input is caught before any work, with a clear message and exit code 2."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunebench.benchmarks.plan.suite import SuiteError, parse
from tests.conftest import write_suite
from tests.test_reliability import snapshot

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"name": "t", "budget": 3, "seeds": 1, "folds": 2, "test_fraction": 0.3,
        "strategies": ["random"], "problems": ["branin"]}

CATALOGUE = [
    ("malformed TOML", 'name = "t"\nbudget = = 3\n', r"malformed TOML.*line 2"),
    ("unknown key", 'name = "t"\nbudgett = 3\nstrategies=["random"]\nproblems=["branin"]\n',
     r"unknown key.*'budgett'.*did you mean 'budget'"),
    ("unknown strategy", 'name="t"\nstrategies=["optuna-tpee"]\nproblems=["branin"]\n',
     r"unknown strategy 'optuna-tpee'.*optuna-tpe"),
    ("unknown problem", 'name="t"\nstrategies=["random"]\nproblems=["svm-breast_cancr"]\n',
     r"unknown problem 'svm-breast_cancr'.*svm-breast_cancer"),
    ("unknown dataset", 'name="t"\nstrategies=["random"]\nproblems=["svm-csv:/no/such.csv:y"]\n',
     r"no/such.csv"),
    ("budget zero", 'name="t"\nbudget=0\nstrategies=["random"]\nproblems=["branin"]\n',
     r"budget must be >= 1, got 0"),
    ("seeds zero", 'name="t"\nseeds=0\nstrategies=["random"]\nproblems=["branin"]\n',
     r"seeds must be >= 1"),
    ("folds one", 'name="t"\nfolds=1\nstrategies=["random"]\nproblems=["branin"]\n',
     r"folds must be >= 2, got 1"),
    ("test fraction", 'name="t"\ntest_fraction=1.5\nstrategies=["random"]\nproblems=["branin"]\n',
     r"test_fraction must be a number in \(0, 1\), got 1.5"),
    ("wrong type", 'name="t"\nbudget="ten"\nstrategies=["random"]\nproblems=["branin"]\n',
     r"budget must be an integer"),
    ("incompatible model", 'name="t"\nstrategies=["random"]\nproblems=["logreg-diabetes"]\n',
     r"unknown problem 'logreg-diabetes'"),
    ("plug-in import", 'name="t"\nstrategies=["no_such_pkg.mod:Thing"]\nproblems=["branin"]\n',
     r"cannot import plug-in module 'no_such_pkg.mod'"),
    ("unknown option", 'name="t"\nstrategies=["optuna-ga"]\nproblems=["branin"]\n'
     '[options.optuna-ga]\npopulation=8\n', r"unknown option\(s\) \['population'\].*population_size"),
    ("duplicate", 'name="t"\nstrategies=["random","random"]\nproblems=["branin"]\n',
     r"lists \['random'\] more than once"),
]


@pytest.mark.parametrize("label,text,message", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_suite_gives_message_and_exit_2(tmp_path, run_cli, capsys, label, text, message):
    suite = tmp_path / "bad.toml"
    suite.write_text(text)
    out = tmp_path / "out"
    assert run_cli("run", suite, "--out", out) == 2
    err = capsys.readouterr().err
    assert re.search(message, err, re.S), err
    assert not out.exists()
    assert run_cli("validate", suite) == 2


def test_incompatible_csv_task_is_named(tmp_path, run_cli, capsys):
    csv = tmp_path / "reg.csv"
    csv.write_text("a,y\n" + "\n".join(f"{i},{i * 0.37:.3f}" for i in range(40)))
    suite = write_suite(tmp_path, problems=(f"logreg-csv:{csv}:y",))
    assert run_cli("validate", suite) == 2
    assert "supports ['classification']" in capsys.readouterr().err


def test_unwritable_output_directory(tmp_path, run_cli, capsys):
    if os.geteuid() == 0:
        target = Path("/proc/tunebench-cannot-write-here")
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
        target = locked / "run"
    suite = write_suite(tmp_path)
    assert run_cli("run", suite, "--out", target) == 2
    assert "cannot create the run directory" in capsys.readouterr().err


def test_foreign_directory_is_not_used(tmp_path, run_cli, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "trials.parquet").write_text("someone else's")
    before = snapshot(foreign)
    assert run_cli("run", write_suite(tmp_path), "--out", foreign) == 2
    assert "not a tunebench run directory" in capsys.readouterr().err
    assert snapshot(foreign) == before


def test_bad_cli_flag_exit_2():
    res = subprocess.run([sys.executable, "-m", "tunebench.benchmarks.cli", "run", "quick", "--jobs", "0"],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2 and "expected a whole number >= 1" in res.stderr


@settings(max_examples=60, deadline=None)
@given(budget=st.integers(-5, 500), folds=st.integers(-2, 20),
       tf=st.floats(-1, 2, allow_nan=False), seeds=st.integers(-3, 50))
def test_suite_parsing_accepts_exactly_the_valid_ranges(budget, folds, tf, seeds):
    data = dict(GOOD, budget=budget, folds=folds, test_fraction=tf, seeds=seeds)
    valid = budget >= 1 and folds >= 2 and 0 < tf < 1 and seeds >= 1
    if valid:
        suite = parse(data)
        assert suite.budget == budget and len(suite.seeds) == seeds
        assert parse(suite.to_dict()) == suite  # round trip
    else:
        with pytest.raises(SuiteError):
            parse(data)


README_PLUGIN = re.compile(r"```python\n(import numpy as np\n\n?from tunebench.strategies import Strategy.*?)```",
                           re.S)


def test_readme_plugin_example_runs_and_conforms(tmp_path, monkeypatch, run_cli):
    code = README_PLUGIN.search((ROOT / "README.md").read_text()).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 20
    assert code.strip() in (ROOT / "docs" / "my_strategies.py").read_text()
    (tmp_path / "readme_plugin.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert run_cli("check-strategy", "readme_plugin:LocalSearch") == 0
    suite = write_suite(tmp_path, budget=4, seeds=1,
                        strategies=("random", "readme_plugin:LocalSearch"), problems=("branin",),
                        extra='[options."readme_plugin:LocalSearch"]\nstep = 0.2\n')
    out = tmp_path / "plug"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    import pandas as pd

    assert set(pd.read_parquet(out / "trials.parquet")["strategy"]) == {"random",
                                                                        "local-search"}


def test_entry_point_plugins_resolve(monkeypatch):
    from tunebench.strategies import registry
    from tunebench.strategies.simple import RandomSearch

    class EP:
        name = "ep-random"

        def load(self):
            return RandomSearch

    monkeypatch.setattr(registry, "_entry_points", lambda: {"ep-random": EP()})
    assert registry.resolve("ep-random") is RandomSearch
