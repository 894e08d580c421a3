"""Timeouts that cover the whole trial; workers that die with their parent or crash
(issue 16, parts 3 and 4)."""

from __future__ import annotations

import json
import os
import signal
import time

import pandas as pd
import pytest

from tunebench.benchmarks.execution.cell import Cell
from tests.conftest import write_suite
from tests.test_reliability import cli, wait_for

HANG = "tests.plugins_hang:HangingAsk"


def _hang_suite(tmp_path, strategies=("random", HANG), timeout=0.5):
    return write_suite(tmp_path, budget=3, seeds=1, strategies=strategies,
                       problems=("branin",), extra=f"trial_timeout = {timeout}\n")


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])
def test_hung_ask_is_stopped_by_trial_timeout(tmp_path, run_cli, jobs):
    out = tmp_path / "hang"
    start = time.monotonic()
    assert run_cli("run", _hang_suite(tmp_path), "--out", out, "--jobs", jobs,
                   "--no-report") == 1
    assert time.monotonic() - start < 60
    error = (out / "cells" / f"{Cell('branin', HANG, 1).id}.error").read_text()
    assert "'hanging-ask' ask at trial 1 exceeded the trial_timeout of 0.5 s" in error
    df = pd.read_parquet(out / "trials.parquet")
    assert set(df["strategy"]) == {"random"} and len(df) == 3


def test_hung_tell_is_stopped_by_trial_timeout(tmp_path, run_cli):
    spec = "tests.plugins_hang:HangingTell"
    out = tmp_path / "tell"
    assert run_cli("run", _hang_suite(tmp_path, ("random", spec)), "--out", out, "--jobs", "1",
                   "--no-report") == 1
    error = (out / "cells" / f"{Cell('branin', spec, 1).id}.error").read_text()
    assert "'hanging-tell' tell at trial 0 exceeded the trial_timeout" in error


@pytest.mark.slow
def test_dying_worker_fails_only_its_cell(tmp_path, run_cli):
    spec = "tests.plugins_hang:DyingAsk"
    suite = write_suite(tmp_path, budget=3, seeds=2, strategies=("random", spec),
                        problems=("branin",))
    out = tmp_path / "dying"
    assert run_cli("run", suite, "--out", out, "--jobs", "2", "--no-report") == 1
    for seed in (1, 2):
        error = (out / "cells" / f"{Cell('branin', spec, seed).id}.error").read_text()
        assert error == "the worker process running this cell died (exit code 7)"
    df = pd.read_parquet(out / "trials.parquet")
    assert set(df["strategy"]) == {"random"} and len(df) == 6
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["failed_cells"]) == 2


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (dead, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().split(")")[-1].split()[1]) == pid:
                        kids.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return kids


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to find the workers")
def test_workers_die_after_kill_9_of_the_parent(tmp_path):
    suite = write_suite(tmp_path, budget=10, seeds=8,
                        strategies=("tests.plugins_hang:SlowAsk",), problems=("branin",))
    out = tmp_path / "orphans"
    proc = cli("run", suite, "--out", out, "--jobs", "2", "--no-report")
    # once a cell is stored the workers are running cells (past their initializer)
    wait_for(lambda: list((out / "cells").glob("*.parquet")), timeout=180)
    workers = _children(proc.pid)
    assert len(workers) >= 2
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    time.sleep(10)
    assert [w for w in workers if _alive(w)] == []


def test_death_code_waits_for_the_pool_thread_to_record_it():
    """The race behind a rare "exit code unknown": the pool's thread reaped the dead worker
    first, so join() here returned with no exit code; it is recorded a moment later."""
    import threading

    from tunebench.benchmarks.execution.runner import _death_code

    class Reaped:
        exitcode = None

        def join(self, timeout=None) -> None:  # returns at once, as after ECHILD
            threading.Timer(0.2, setattr, (self, "exitcode", 7)).start()

    class Terminated:
        exitcode = -15

        def join(self, timeout=None) -> None:
            pass

    assert _death_code({1: Terminated(), 2: Reaped()}) == 7
