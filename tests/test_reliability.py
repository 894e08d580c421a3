"""Resume after crashes, failing trials and strategies, bad input, determinism."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tunebench.benchmarks.store.schema import DETERMINISTIC
from tests.conftest import write_suite

ROOT = Path(__file__).resolve().parent.parent


def snapshot(directory: Path) -> dict[str, str]:
    """Hash of every file below ``directory`` (to show nothing was modified)."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def cli(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    e = dict(os.environ, **(env or {}))
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, "-m", "tunebench.benchmarks.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e,
                            cwd=ROOT, **kw)


def wait_for(cond, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_resume_runs_only_missing_cells(tmp_path, run_cli, tiny_run):
    out, first = tiny_run
    cells = sorted((out / "cells").glob("*.parquet"))
    kept = {p: p.stat().st_mtime_ns for p in cells[1:]}
    cells[0].unlink()
    (out / "trials.parquet").unlink()
    suite = tmp_path / "tiny.toml"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())  # not rerun
    again = pd.read_parquet(out / "trials.parquet")
    pd.testing.assert_frame_equal(first[DETERMINISTIC], again[DETERMINISTIC])
    m = json.loads((out / "manifest.json").read_text())
    assert len(m["resumed_at"]) == 1


def test_resume_refuses_a_different_suite_and_modifies_nothing(tmp_path, run_cli, tiny_run,
                                                               capsys):
    out, _ = tiny_run
    before = snapshot(out)
    suite = write_suite(tmp_path, budget=6, name="other.toml")
    assert run_cli("run", suite, "--out", out, "--jobs", "1") == 2
    err = capsys.readouterr().err
    assert "suite.budget: stored 5, now 6" in err and "--fresh" in err
    assert snapshot(out) == before


def test_fresh_starts_a_new_run_next_to_the_old(tmp_path, run_cli, tiny_run):
    out, _ = tiny_run
    suite = tmp_path / "tiny.toml"
    assert run_cli("run", suite, "--out", out, "--fresh", "--jobs", "1", "--no-report") == 0
    runs = [p for p in out.parent.iterdir() if (p / "manifest.json").exists()]
    assert len(runs) == 2


def test_corrupt_trials_file_is_set_aside_and_rebuilt(tmp_path, run_cli, tiny_run):
    """trials.parquet is derived from the cells (issue 27): a corrupt one is moved to the
    quarantine and rebuilt; see test_run_damage for the case with no cells to rebuild from."""
    out, first = tiny_run
    (out / "trials.parquet").write_bytes(b"not parquet at all")
    assert run_cli("run", tmp_path / "tiny.toml", "--out", out, "--jobs", "1",
                   "--no-report") == 0
    assert (out / "cells" / "quarantine" / "trials.parquet").read_bytes() == b"not parquet at all"
    pd.testing.assert_frame_equal(first[DETERMINISTIC],
                                  pd.read_parquet(out / "trials.parquet")[DETERMINISTIC])


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before-first-cell", "mid-run", "consolidate"])
def test_sigkill_then_resume_equals_uninterrupted(tmp_path, point):
    suite = write_suite(tmp_path, budget=4, seeds=2, strategies=("random", "optuna-tpe"),
                        problems=("branin", "knn-iris"))
    ref = tmp_path / "ref"
    assert cli("run", suite, "--out", ref, "--jobs", "1", "--no-report").wait(120) == 0
    out = tmp_path / "crash"
    env = {"TUNEBENCH_FAULT": "consolidate"} if point == "consolidate" else {}
    proc = cli("run", suite, "--out", out, "--jobs", "1", "--no-report", env=env)
    if point == "before-first-cell":
        wait_for(lambda: (out / "manifest.json").exists())
        proc.send_signal(signal.SIGKILL)
    elif point == "mid-run":
        wait_for(lambda: len(list((out / "cells").glob("*.parquet"))) >= 3)
        proc.send_signal(signal.SIGKILL)
    assert proc.wait(120) == -signal.SIGKILL
    assert not (out / "trials.parquet").exists() or point != "consolidate"
    # only whole cells on disk: every committed cell file is readable and complete
    for p in (out / "cells").glob("*.parquet"):
        assert len(pd.read_parquet(p)) == 4
    assert cli("run", suite, "--out", out, "--jobs", "1", "--no-report").wait(120) == 0
    a = pd.read_parquet(ref / "trials.parquet")
    b = pd.read_parquet(out / "trials.parquet")
    pd.testing.assert_frame_equal(a[DETERMINISTIC], b[DETERMINISTIC])
    assert not list(out.rglob(".*.tmp")) or point == "consolidate"


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigint_stops_cleanly_and_says_how_to_resume(tmp_path, jobs):
    suite = write_suite(tmp_path, budget=40, seeds=3, strategies=("random", "optuna-tpe"),
                        problems=("svm-breast_cancer", "rf-wine"))
    out = tmp_path / "int"
    proc = cli("run", suite, "--out", out, "--jobs", jobs, "--no-report",
               start_new_session=True)
    wait_for(lambda: len(list((out / "cells").glob("*.parquet"))) >= 1)
    os.killpg(proc.pid, signal.SIGINT)  # like Ctrl-C: the whole process group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert len(list((out / "cells").glob("*.parquet"))) < 12  # it did stop early
    assert "resume with" in err.lower() and str(out) in err
    for p in (out / "cells").glob("*.parquet"):
        assert len(pd.read_parquet(p)) == 40


PLUGIN = '''
import math
from tunebench.strategies.simple import RandomSearch

class Crashing(RandomSearch):
    name = "crashing"
    def ask(self):
        if getattr(self, "n", 0) == 2:
            raise RuntimeError("boom at the third ask")
        self.n = getattr(self, "n", 0) + 1
        return super().ask()
'''


def test_failing_strategy_is_a_failed_cell_others_finish(tmp_path, run_cli, monkeypatch, capsys):
    (tmp_path / "myplugins.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    suite = write_suite(tmp_path, budget=4, seeds=1, strategies=("random", "myplugins:Crashing"),
                        problems=("branin",))
    out = tmp_path / "fail"
    assert run_cli("run", suite, "--out", out, "--jobs", "1") == 1
    from tunebench.benchmarks.execution.cell import Cell

    cell_id = Cell("branin", "myplugins:Crashing", 1).id
    err = (out / "cells" / f"{cell_id}.error").read_text()
    assert "boom at the third ask" in err
    df = pd.read_parquet(out / "trials.parquet")
    assert set(df["strategy"]) == {"random"} and len(df) == 4
    assert cell_id in json.loads((out / "manifest.json").read_text())["failed_cells"]
    page = (out / "report" / "index.html").read_text()
    assert cell_id in page


def test_failing_trials_are_stored_and_the_cell_goes_on(tmp_path, run_cli):
    # 24 rows, 2 folds, test 0.3: fits see ~8 rows, so n_neighbors > 8 fails in scikit-learn
    lines = ["a,b,y"] + [f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(24)]
    (tmp_path / "small.csv").write_text("\n".join(lines))
    problem = f"knn-csv:{tmp_path / 'small.csv'}:y"
    suite = write_suite(tmp_path, budget=12, seeds=1, strategies=("random", "optuna-tpe"),
                        problems=(problem,))
    out = tmp_path / "trialfail"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    df = pd.read_parquet(out / "trials.parquet")
    bad = df[df["status"] == "error"]
    assert len(bad) > 0 and bad["error"].str.contains("n_neighbors|n_samples").all()
    assert bad["val_loss"].isna().all()
    assert len(df) == 24  # the budget is honoured despite failures


def test_trial_timeout_is_recorded(tmp_path, run_cli):
    suite = write_suite(tmp_path, budget=2, seeds=1, strategies=("defaults",),
                        problems=("mlp-digits",), extra="trial_timeout = 0.05\n")
    out = tmp_path / "timeout"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    df = pd.read_parquet(out / "trials.parquet")
    assert (df["status"] == "timeout").all()
    assert df["error"].str.contains("trial_timeout").all()
