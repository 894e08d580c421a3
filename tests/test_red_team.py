"""The red-team catalogue of bad inputs and OS errors (issue 16, part 6): each one gives
exit 2 and a one-line message, and creates or destroys nothing."""

from __future__ import annotations

import errno
import re

import pytest

from tunebench.benchmarks.store import rundir as store
from tests.conftest import write_suite


def _run_dir_with_manifest(tmp_path, data: bytes):
    out = tmp_path / "run"
    (out / "cells").mkdir(parents=True)
    (out / "manifest.json").write_bytes(data)
    return out


def manifest_binary(tmp_path, mp):
    out = _run_dir_with_manifest(tmp_path, b"\x89PNG\r\n\x1a\n\xff\xfe")
    return ["run", write_suite(tmp_path), "--out", out], r"cannot read the manifest"


def manifest_list(tmp_path, mp):
    out = _run_dir_with_manifest(tmp_path, b"[]")
    return ["run", write_suite(tmp_path), "--out", out], r"is not a tunebench manifest"


def manifest_empty_object(tmp_path, mp):
    out = _run_dir_with_manifest(tmp_path, b"{}")
    return ["run", write_suite(tmp_path), "--out", out], r"is not a tunebench manifest"


def report_manifest_list(tmp_path, mp):
    out = _run_dir_with_manifest(tmp_path, b"[]")
    return ["report", out], r"is not a tunebench manifest"


def validate_manifest_binary(tmp_path, mp):
    out = _run_dir_with_manifest(tmp_path, b"\xff\xfe\x00")
    return ["validate", out], r"cannot read the manifest"


def suite_not_utf8(tmp_path, mp):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    return ["run", path, "--out", tmp_path / "o"], r"not UTF-8 text"


def out_is_a_file(tmp_path, mp):
    (tmp_path / "afile").write_text("x")
    return ["run", write_suite(tmp_path), "--out", tmp_path / "afile"], r"is a file"


def out_below_a_file(tmp_path, mp):
    (tmp_path / "afile").write_text("x")
    return (["run", write_suite(tmp_path), "--out", tmp_path / "afile" / "run"],
            r"cannot create the run directory")


def report_out_is_a_file(tmp_path, mp):
    (tmp_path / "afile").write_text("x")
    return ["report", tmp_path, "--out", tmp_path / "afile"], r"is a file"


def report_out_not_a_report(tmp_path, mp):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("precious")
    return ["report", tmp_path, "--out", tmp_path / "docs"], r"not a tunebench report.*--force"


def disk_full(tmp_path, mp):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    mp.setattr(store, "atomic_write_table", full)
    suite = write_suite(tmp_path, budget=2, seeds=1, strategies=("random",),
                        problems=("branin",))
    return ["run", suite, "--out", tmp_path / "o", "--jobs", "1"], r"No space left on device"


def read_only_on_resume(tmp_path, mp):
    def readonly(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    out = tmp_path / "half"
    (out / "cells").mkdir(parents=True)
    mp.setattr(store, "atomic_write_bytes", readonly)
    return ["run", write_suite(tmp_path), "--out", out], r"Read-only file system"


def scheduler_malformed(tmp_path, mp):
    return (["run", write_suite(tmp_path), "--out", tmp_path / "o", "--scheduler", "tcp://:x:"],
            r"is not a Dask scheduler address")


def scheduler_unreachable(tmp_path, mp):
    return (["run", write_suite(tmp_path), "--out", tmp_path / "o", "--scheduler",
             "tcp://127.0.0.1:1"], r"cannot connect")


def budget_huge(tmp_path, mp):
    suite = write_suite(tmp_path, budget=10**20)
    return ["run", suite, "--out", tmp_path / "o"], r"budget must be <= 1_000_000"


def grid_too_big(tmp_path, mp):
    return (["run", write_suite(tmp_path), "--out", tmp_path / "o", "--budget", "200000",
             "--strategies", "grid"], r"grid search holds its whole grid")


def seed_too_big(tmp_path, mp):
    path = write_suite(tmp_path)
    path.write_text(path.read_text().replace("seeds = 2", f"seeds = [{2**64}]"))
    return ["run", path, "--out", tmp_path / "o"], r"each < 2\*\*32"


def seed_count_huge(tmp_path, mp):
    path = write_suite(tmp_path)
    path.write_text(path.read_text().replace("seeds = 2", f"seeds = {10**20}"))
    return ["run", path, "--out", tmp_path / "o"], r"seeds must be at most 10000"


def suite_name_dotdot(tmp_path, mp):
    path = write_suite(tmp_path)
    path.write_text(path.read_text().replace('name = "tiny"', 'name = ".."'))
    return ["validate", path], r"may not start with '\.'"


def resume_not_a_run(tmp_path, mp):
    return (["run", write_suite(tmp_path), "--resume", tmp_path / "nothing"],
            r"no tunebench run there")


CASES = [manifest_binary, manifest_list, manifest_empty_object, report_manifest_list,
         validate_manifest_binary, suite_not_utf8, out_is_a_file, out_below_a_file,
         report_out_is_a_file, report_out_not_a_report, disk_full, read_only_on_resume,
         scheduler_malformed, scheduler_unreachable, budget_huge, grid_too_big, seed_too_big,
         seed_count_huge, suite_name_dotdot, resume_not_a_run]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_is_one_line_and_exit_2(tmp_path, run_cli, capsys, monkeypatch, case):
    argv, message = case(tmp_path, monkeypatch)
    assert run_cli(*argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("tunebench ") and re.search(message, err), err
    if "--scheduler" in argv:
        assert not (tmp_path / "o").exists()  # checked before the run directory is made


def test_binary_error_file_is_read(tmp_path):
    run = store.RunDir(tmp_path)
    run.create()
    (run.cells / "c.error").write_bytes(b"\xff\xfe boom")
    assert "boom" in run.failed_cells()["c"]


def test_report_force_writes_into_a_non_report_directory(tmp_path, run_cli, tiny_run):
    out, _ = tiny_run
    target = tmp_path / "docs"
    target.mkdir()
    (target / "thesis.tex").write_text("precious")
    assert run_cli("report", out, "--out", target) == 2
    assert run_cli("report", out, "--out", target, "--force") == 0
    assert (target / "index.html").exists() and (target / "thesis.tex").read_text() == "precious"
    assert run_cli("report", out, "--out", target) == 0  # now it is a report: replaced
