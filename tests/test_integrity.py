"""Cell integrity: bad cell files are found, moved aside and rerun; report and validate
refuse them; one writer per run directory (issue 16, parts 1 and 2)."""

from __future__ import annotations

import json
import logging
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tunebench.benchmarks.store.schema import DETERMINISTIC
from tests.conftest import write_suite


def _truncate(cells: list, tmp_path) -> None:
    """Rewrite the first cell with 3 of its 5 rows, its metadata kept."""
    table = pq.read_table(cells[0])
    pq.write_table(table.slice(0, 3), cells[0])


def _swap(cells: list, tmp_path) -> None:
    shutil.copyfile(cells[1], cells[0])


def _foreign(cells: list, tmp_path) -> None:
    """The same cell from a run of another suite (budget 5 too, but other folds)."""
    other = write_suite(tmp_path, name="other.toml").read_text().replace("folds = 2",
                                                                         "folds = 3")
    (tmp_path / "other.toml").write_text(other)
    from tunebench.benchmarks.cli import main

    assert main(["run", str(tmp_path / "other.toml"), "--out", str(tmp_path / "o"), "--jobs",
                 "1", "--no-report"]) == 0
    shutil.copyfile(tmp_path / "o" / "cells" / cells[0].name, cells[0])


def _flip(cells: list, tmp_path) -> None:
    data = bytearray(cells[0].read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 8):
        data[i] ^= 0xFF
    cells[0].write_bytes(bytes(data))


def _stranger(cells: list, tmp_path) -> None:
    """A cell file whose name is no cell of the suite."""
    shutil.copyfile(cells[1], cells[0].with_name("knn-iris__random__9.parquet"))
    shutil.copyfile(cells[1], cells[0])


DAMAGE = {"truncated": _truncate, "swapped": _swap, "foreign": _foreign,
          "byte-flipped": _flip, "stranger": _stranger}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_bad_cell_is_quarantined_rerun_and_records_equal(tmp_path, run_cli, tiny_run, kind,
                                                         caplog, capsys):
    out, first = tiny_run
    cells = sorted((out / "cells").glob("*.parquet"))
    DAMAGE[kind](cells, tmp_path)
    capsys.readouterr()
    assert run_cli("validate", out) == 2
    err = capsys.readouterr().err
    assert cells[0].name in err and len(err.strip().splitlines()) == 1
    assert run_cli("report", out) == 2
    assert "refusing to report" in capsys.readouterr().err
    caplog.set_level(logging.WARNING)
    assert run_cli("run", tmp_path / "tiny.toml", "--out", out, "--jobs", "1",
                   "--no-report") == 0
    warned = [r.getMessage() for r in caplog.records if "bad cell file" in r.getMessage()]
    assert any(cells[0].name in w for w in warned), warned
    assert (out / "cells" / "quarantine" / cells[0].name).exists()
    again = pd.read_parquet(out / "trials.parquet")
    pd.testing.assert_frame_equal(first[DETERMINISTIC], again[DETERMINISTIC])
    assert run_cli("validate", out) == 0


def test_cell_metadata_names_the_cell_and_merges(tiny_run):
    out, first = tiny_run
    path = sorted((out / "cells").glob("*.parquet"))[0]
    info = json.loads(pq.read_schema(path).metadata[b"tunebench.cell"])
    rows = pd.read_parquet(path)
    assert info["cell"] == path.stem and info["trials"] == len(rows) == 5
    assert (info["problem"], info["seed"]) == (rows["problem"][0], int(rows["seed"][0]))
    assert len(info["sha256"]) == 64

    from tunebench.benchmarks.store.integrity import stamp
    from tunebench.benchmarks.store.schema import records_table

    table = records_table([]).replace_schema_metadata({"tunebench.schema": "2"})
    meta = stamp(table, {"cell": "x"}).schema.metadata
    assert meta[b"tunebench.schema"] == b"2" and b"tunebench.cell" in meta


def test_second_writer_exits_2_at_once(tmp_path, run_cli, capsys):
    """Another process holds the lock (flock conflicts between open files even within one
    process, so the holder can be this test); the run refuses at once, then runs once free."""
    import os

    from tunebench.benchmarks.store.rundir import RunDir

    suite = write_suite(tmp_path, budget=3, seeds=1, problems=("branin",))
    out = tmp_path / "busy"
    holder = RunDir(out)
    out.mkdir()
    holder.lock()
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 2
    err = capsys.readouterr().err
    assert f"run directory in use by PID {os.getpid()}" in err
    assert len(err.strip().splitlines()) == 1
    assert not (out / "manifest.json").exists()
    holder.unlock()
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    assert len(pd.read_parquet(out / "trials.parquet")) == 6


def test_half_created_run_directory_is_accepted(tmp_path, run_cli):
    out = tmp_path / "half"
    (out / "cells").mkdir(parents=True)
    (out / ".manifest.json.123-abcd.tmp").write_text("{")
    suite = write_suite(tmp_path, budget=3, seeds=1, problems=("branin",))
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    assert len(pd.read_parquet(out / "trials.parquet")) == 6
    assert not list(out.glob(".*.tmp"))
