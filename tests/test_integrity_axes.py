"""Issue 27's hung-fit timeout, symlink and multi-fidelity budget fixes hold for the cells
of the newer axes too: parallel cells (``workers``/``parallel``, run by
:mod:`benchmarks.execution.parallel`) and training-size cells (``train_sizes``)."""

from __future__ import annotations

import shutil
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tunebench.benchmarks.execution import cell as cell_mod
from tunebench.benchmarks.execution.cell import run_cell
from tunebench.benchmarks.execution.runner import plan
from tunebench.benchmarks.plan.suite import parse
from tunebench.benchmarks.store.rundir import DETERMINISTIC
from tunebench.problems.catalogue import get_problem
from tests.conftest import write_suite

MF = "optuna-random-successive-halving"
#: Seconds a hung fit sleeps: far beyond the trial_timeout, so a fit that is not stopped
#: finishes with status "ok" and the test fails (rather than hanging the test run).
HANG = 20.0


class _HungFit:
    """A real problem whose fits hang (sleep ``HANG`` s): everything else is the problem's."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def bind(self, seed, **kw):
        objective = self._real.bind(seed, **kw)

        class Hung:
            n_train = getattr(objective, "n_train", None)

            def __call__(self, config):
                time.sleep(HANG)
                return objective(config)

        return Hung()


def _hung(monkeypatch, name: str) -> None:
    hung = _HungFit(get_problem(name))
    monkeypatch.setattr(cell_mod, "get_problem", lambda n: hung)
    monkeypatch.setattr(cell_mod, "with_suite_metric", lambda p, metric: p)


def _suite(**kw):
    return parse({"name": "ax", "budget": 3, "seeds": 1, "folds": 2, "test_fraction": 0.3,
                  "strategies": ["random"], "problems": ["knn-iris"], "trial_timeout": 0.2,
                  **kw})


@pytest.mark.parametrize("axes", [{"workers": [2], "parallel": "batch"},
                                  {"workers": [2], "parallel": "async"},
                                  {"train_sizes": [60]},
                                  {"train_sizes": [60], "workers": [2], "parallel": "async"}],
                         ids=["batch", "async", "train-size", "train-size-async"])
def test_hung_fit_is_stopped_by_the_trial_timeout(monkeypatch, axes):
    suite = _suite(**axes)
    _hung(monkeypatch, "knn-iris")
    (cell,) = plan(suite)
    result = run_cell(cell, suite)
    assert result.ok, result.error
    df = pd.DataFrame(result.rows())
    assert len(df) == 3 and (df["status"] == "timeout").all()
    if "train_sizes" in axes:
        assert (df["n_train"] == 60).all()
    if "workers" in axes:
        assert (df["workers"] == 2).all()


@pytest.mark.parametrize("mode", ["batch", "async"])
def test_hung_ask_batch_fails_the_parallel_cell(monkeypatch, mode):
    from tunebench.strategies.simple import RandomSearch

    class Hanging(RandomSearch):
        name = "hanging-batch"

        def ask(self):
            time.sleep(HANG)
            return super().ask()

    monkeypatch.setattr(cell_mod, "resolve", lambda name: Hanging)
    suite = _suite(workers=[2], parallel=mode, problems=["branin"])
    (cell,) = plan(suite)
    result = run_cell(cell, suite)
    assert not result.ok and "ask_batch(2)" in result.error
    assert "exceeded the trial_timeout of 0.2 s" in result.error


# run directories of parallel and training-size suites ------------------------------------

PARALLEL = 'workers = [1, 2]\nparallel = "async"\n'


@pytest.fixture
def parallel_run(tmp_path, run_cli):
    suite = write_suite(tmp_path, budget=4, seeds=1, strategies=("random",),
                        problems=("branin",), extra=PARALLEL)
    out = tmp_path / "par"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    return suite, out, pd.read_parquet(out / "trials.parquet")


def test_finished_parallel_run_validates_and_resumes_nothing(parallel_run, run_cli):
    suite, out, first = parallel_run
    assert sorted(first["workers"].unique()) == [1, 2]
    assert run_cli("validate", out) == 0
    before = {p.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*.parquet")}
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    assert not (out / "cells" / "quarantine").exists()
    assert {p.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*.parquet")} == before


def test_parallel_cell_link_is_quarantined_not_followed(tmp_path, parallel_run, run_cli):
    suite, out, first = parallel_run
    cell = sorted((out / "cells").glob("*w2*.parquet"))[0]
    outside = tmp_path / "outside.parquet"
    shutil.move(cell, outside)
    cell.symlink_to(outside)
    before = outside.read_bytes()
    assert run_cli("validate", out) == 2
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    assert (out / "cells" / "quarantine" / cell.name).is_symlink()
    assert outside.read_bytes() == before
    pd.testing.assert_frame_equal(first[DETERMINISTIC],
                                  pd.read_parquet(out / "trials.parquet")[DETERMINISTIC])


def test_truncated_parallel_cell_is_rerun(parallel_run, run_cli, caplog):
    suite, out, first = parallel_run
    cell = sorted((out / "cells").glob("*w2*.parquet"))[0]
    pq.write_table(pq.read_table(cell).slice(0, 2), cell)  # its stamp still says 4 trials
    assert run_cli("validate", out) == 2
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    assert (out / "cells" / "quarantine" / cell.name).exists()
    pd.testing.assert_frame_equal(first[DETERMINISTIC],
                                  pd.read_parquet(out / "trials.parquet")[DETERMINISTIC])


def test_multi_fidelity_run_with_training_sizes_is_not_truncated(tmp_path, run_cli, caplog):
    suite = write_suite(tmp_path, budget=3, seeds=1, strategies=(MF,), problems=("knn-iris",),
                        extra="train_sizes = [60, 100]\n")
    out = tmp_path / "mf"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    rows = pd.read_parquet(out / "trials.parquet")
    assert sorted(rows["n_train"].unique()) == [60, 100]
    assert (rows.groupby("n_train").size() > 3).all()  # cheaper trials than the budget
    assert run_cli("validate", out) == 0
    before = {p.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*.parquet")}
    caplog.set_level("INFO")
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    assert not (out / "cells" / "quarantine").exists()
    assert {p.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*.parquet")} == before
    assert any("0 to run" in r.getMessage() for r in caplog.records)
    # a multi-fidelity cell that lost its last trial is still refused (its stamped count)
    cell = sorted((out / "cells").glob("*.parquet"))[0]
    table = pq.read_table(cell)
    pq.write_table(table.slice(0, table.num_rows - 1), cell)
    assert run_cli("validate", out) == 2
