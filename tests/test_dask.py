"""Cells on a real Dask cluster (scheduler + two workers on 127.0.0.1) equal a local run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tunebench.benchmarks.store.schema import DETERMINISTIC
from tests.conftest import write_suite

pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cluster(tmp_path):
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the dask command is not installed")
    env = dict(os.environ, PYTHONPATH=str(ROOT), DASK_DISTRIBUTED__WORKER__DAEMON="False")
    sched_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        end = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < end:
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for i in range(2):
            procs.append(subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--no-dashboard",
                 "--host", "127.0.0.1", "--name", f"w{i}", "--local-directory",
                 str(tmp_path / f"w{i}")], env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, cwd=ROOT))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow
def test_dask_run_equals_local_run(tmp_path, run_cli, cluster):
    suite = write_suite(tmp_path, budget=4, seeds=2, strategies=("random", "optuna-tpe"),
                        problems=("branin", "knn-iris"))
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert run_cli("run", suite, "--out", local, "--jobs", "1", "--no-report") == 0
    assert run_cli("run", suite, "--out", remote, "--scheduler", cluster, "--no-report") == 0
    a = pd.read_parquet(local / "trials.parquet")
    b = pd.read_parquet(remote / "trials.parquet")
    pd.testing.assert_frame_equal(a[DETERMINISTIC], b[DETERMINISTIC])
    m = json.loads((remote / "manifest.json").read_text())
    assert m["backend"] == f"dask:{cluster}"


@pytest.mark.slow
def test_dask_workers_that_cannot_import_a_plugin_model_say_which_module(
        tmp_path, run_cli, cluster, monkeypatch):
    # The client finds docs/my_models.py; the workers (PYTHONPATH = the repository) do not.
    monkeypatch.syspath_prepend(str(ROOT / "docs"))
    suite = write_suite(tmp_path, budget=2, seeds=1, strategies=("random",),
                        problems=("my_models:SGD-wine",))
    out = tmp_path / "remote"
    assert run_cli("run", suite, "--out", out, "--scheduler", cluster, "--no-report") == 1
    errors = list((out / "cells").glob("*.error"))
    assert len(errors) == 1
    text = errors[0].read_text()
    assert "cannot import the plug-in model module 'my_models'" in text
    assert "PYTHONPATH (of the Dask workers too)" in text


@pytest.mark.slow
def test_hung_ask_on_dask_is_stopped_and_the_cluster_stays_usable(tmp_path, run_cli, cluster):
    from tunebench.benchmarks.execution.cell import Cell

    hang = "tests.plugins_hang:HangingAsk"
    suite = write_suite(tmp_path, budget=3, seeds=1, strategies=("random", hang),
                        problems=("branin",), extra="trial_timeout = 0.5\n")
    out = tmp_path / "hang"
    start = time.monotonic()
    assert run_cli("run", suite, "--out", out, "--scheduler", cluster, "--no-report") == 1
    assert time.monotonic() - start < 240
    error = (out / "cells" / f"{Cell('branin', hang, 1).id}.error").read_text()
    assert "'hanging-ask' ask at trial 1 exceeded the trial_timeout of 0.5 s" in error
    # the next run on the same cluster completes every cell
    ok = write_suite(tmp_path, budget=3, seeds=2, problems=("branin",), name="ok.toml")
    assert run_cli("run", ok, "--out", tmp_path / "next", "--scheduler", cluster,
                   "--no-report") == 0
    assert len(pd.read_parquet(tmp_path / "next" / "trials.parquet")) == 12
