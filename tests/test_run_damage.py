"""Integrity without false alarms or blind spots (issue 27): each test reproduces one
numbered failure of the red-team of 2026-11-30 (it failed before the fix)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tunebench.benchmarks.store.schema import DETERMINISTIC
from tests.conftest import write_suite
from tests.test_reliability import cli, snapshot, wait_for

MF = "optuna-random-successive-halving"


def one_line_exit_2(run_cli, capsys, *argv, match: str = "") -> str:
    """Run the CLI; assert exit 2 and one error line (matching ``match``); return it."""
    capsys.readouterr()
    assert run_cli(*argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("tunebench ") and re.search(match, err), err
    return err


def flip_page_bytes(path, column: str, n: int = 8) -> None:
    """Invert the last ``n`` bytes of ``column``'s column chunk: compressed values of its
    last data page, which the page checksum (and the content hash) covers.

    Not a fixed fraction of the file: the file's layout moves with its timing columns, and
    about 1 in 27 8-byte windows lies in a page header's or the footer's min/max statistics
    (or another field no checksum covers and the table read does not use); flipping those
    changes nothing that is read, so it is rightly not reported, and the test failed."""
    meta = pq.read_metadata(path)
    (chunk,) = [rg.column(i) for rg in (meta.row_group(0),) for i in range(rg.num_columns)
                if rg.column(i).path_in_schema == column]
    assert meta.num_row_groups == 1 and chunk.total_compressed_size > n
    end = (chunk.dictionary_page_offset if chunk.has_dictionary_page else
           chunk.data_page_offset) + chunk.total_compressed_size
    data = bytearray(path.read_bytes())
    for i in range(end - n, end):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


# 1. multi-fidelity cells are not "truncated" ----------------------------------------------

def test_finished_multi_fidelity_run_validates_reports_and_resumes_nothing(tmp_path, run_cli,
                                                                           caplog):
    suite = write_suite(tmp_path, budget=3, seeds=1, strategies=(MF,), problems=("knn-iris",))
    out = tmp_path / "mf"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    rows = pd.read_parquet(out / "trials.parquet")
    assert len(rows) > 3 and rows["cost"].sum() >= 3  # cheaper trials than the budget
    assert run_cli("validate", out) == 0
    assert run_cli("report", out) == 0
    before = {p.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*.parquet")}
    caplog.set_level("INFO")
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    assert not (out / "cells" / "quarantine").exists()
    assert {p.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*.parquet")} == before
    assert any("0 to run" in r.getMessage() for r in caplog.records)


def test_budget_rule_is_exact_for_both_kinds_of_cell():
    import pyarrow as pa

    from tunebench.benchmarks.store.integrity import budget_problem

    def table(costs):
        return pa.table({"cost": pa.array(costs, pa.float64())})

    assert budget_problem(table([1.0] * 5), 5) is None
    assert "truncated" in budget_problem(table([1.0] * 4), 5)
    assert "too long" in budget_problem(table([1.0] * 6), 5)
    assert budget_problem(table([0.25, 0.25, 0.5, 1.0, 0.5, 1.0]), 3) is None  # overshoot
    assert "truncated" in budget_problem(table([0.25, 0.25, 0.5, 1.0]), 3)
    assert "too long" in budget_problem(table([1.0, 1.0, 1.0, 0.25]), 3)


# 2. a foreign trials.parquet --------------------------------------------------------------

def test_foreign_trials_file_is_refused_then_rebuilt_from_the_cells(tmp_path, run_cli, tiny_run,
                                                                    capsys):
    out, first = tiny_run
    other = write_suite(tmp_path, budget=4, name="other.toml")
    assert run_cli("run", other, "--out", tmp_path / "o", "--jobs", "1", "--no-report") == 0
    shutil.copyfile(tmp_path / "o" / "trials.parquet", out / "trials.parquet")
    one_line_exit_2(run_cli, capsys, "validate", out, match=r"trials\.parquet.*not the trials")
    one_line_exit_2(run_cli, capsys, "report", out, match=r"trials\.parquet.*tunebench run --out")
    assert run_cli("run", "--out", out, "--jobs", "1", "--no-report") == 0
    again = pd.read_parquet(out / "trials.parquet")
    pd.testing.assert_frame_equal(first[DETERMINISTIC], again[DETERMINISTIC])
    assert len(pd.read_parquet(out / "cells" / "quarantine" / "trials.parquet")) == 32
    assert run_cli("validate", out) == 0


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage"])
def test_damaged_trials_file_is_named_and_rebuilt(tmp_path, run_cli, tiny_run, capsys, damage):
    out, first = tiny_run
    path = out / "trials.parquet"
    if damage == "truncated":
        pq.write_table(pq.read_table(path).slice(0, 7), path)
    elif damage == "flipped":
        flip_page_bytes(path, "val_loss")
    else:
        path.write_bytes(b"not parquet")
    one_line_exit_2(run_cli, capsys, "validate", out, match=r"trials\.parquet")
    assert run_cli("run", tmp_path / "tiny.toml", "--out", out, "--jobs", "1",
                   "--no-report") == 0
    pd.testing.assert_frame_equal(first[DETERMINISTIC],
                                  pd.read_parquet(path)[DETERMINISTIC])


def test_damaged_trials_file_without_cells_is_refused_untouched(tmp_path, run_cli, tiny_run,
                                                                capsys):
    out, _ = tiny_run
    shutil.rmtree(out / "cells")
    (out / "trials.parquet").write_bytes(b"not parquet")
    before = snapshot(out)
    one_line_exit_2(run_cli, capsys, "run", tmp_path / "tiny.toml", "--out", out, "--jobs", "1",
                    "--no-report", match=r"trials\.parquet.*no cell files to rebuild")
    assert snapshot(out) == before


# 3. symbolic links ------------------------------------------------------------------------

def test_cells_link_to_another_run_is_refused_and_that_run_untouched(tmp_path, run_cli,
                                                                     tiny_run, capsys):
    out, _ = tiny_run
    victim = tmp_path / "victim"
    shutil.copytree(out, victim)
    before = snapshot(victim)
    shutil.rmtree(out / "cells")
    (out / "cells").symlink_to(victim / "cells")
    for argv in (["run", tmp_path / "tiny.toml", "--out", out, "--jobs", "1", "--no-report"],
                 ["validate", out], ["report", out]):
        one_line_exit_2(run_cli, capsys, *argv, match=r"cells is a symbolic link.*rm ")
    assert snapshot(victim) == before


def test_lock_link_does_not_overwrite_its_target(tmp_path, run_cli, tiny_run):
    out, _ = tiny_run
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    (out / ".lock").unlink(missing_ok=True)
    (out / ".lock").symlink_to(precious)
    assert run_cli("run", tmp_path / "tiny.toml", "--out", out, "--jobs", "1",
                   "--no-report") == 0
    assert precious.read_text() == "keep me"
    assert not (out / ".lock").is_symlink()


def test_cell_file_link_is_quarantined_not_followed(tmp_path, run_cli, tiny_run):
    out, first = tiny_run
    cells = sorted((out / "cells").glob("*.parquet"))
    outside = tmp_path / "outside.parquet"
    shutil.move(cells[0], outside)
    cells[0].symlink_to(outside)
    before = outside.read_bytes()
    assert run_cli("validate", out) == 2
    assert run_cli("run", tmp_path / "tiny.toml", "--out", out, "--jobs", "1",
                   "--no-report") == 0
    assert (out / "cells" / "quarantine" / cells[0].name).is_symlink()
    assert outside.read_bytes() == before
    pd.testing.assert_frame_equal(first[DETERMINISTIC],
                                  pd.read_parquet(out / "trials.parquet")[DETERMINISTIC])


def test_report_dir_link_is_refused(tmp_path, run_cli, tiny_run, capsys):
    out, _ = tiny_run
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "report").symlink_to(elsewhere)
    one_line_exit_2(run_cli, capsys, "report", out, match=r"report is a symbolic link")
    assert not any(elsewhere.iterdir())


# 4. report --out over a foreign index.html -------------------------------------------------

def test_report_out_with_a_foreign_index_needs_force(tmp_path, run_cli, tiny_run, capsys):
    out, _ = tiny_run
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><title>My homepage</title></html>")
    one_line_exit_2(run_cli, capsys, "report", out, "--out", site, match=r"--force")
    assert "My homepage" in (site / "index.html").read_text()
    assert run_cli("report", out, "--out", site, "--force") == 0
    assert run_cli("report", out, "--out", site) == 0  # now our report: replaced


# 5. a hung fit in the signatures -----------------------------------------------------------

def test_signatures_run_under_the_trial_timeout(monkeypatch):
    from tunebench.benchmarks.reference import signatures as sig
    from tunebench.problems import catalogue

    real = catalogue.get_problem("branin")

    class Hung:
        name, space = "hung", real.space

        def bind(self, seed, **kw):
            def objective(config):
                time.sleep(3600)
            return objective

    monkeypatch.setattr(catalogue, "get_problem", lambda name: Hung())
    df = sig.signatures(["hung"], [1], 2, 0.3, timeout=0.2)
    assert (df["status"] == "timeout").all() and len(df) == sig.N_SIGNATURES


# 6. two runs share a reference cache ------------------------------------------------------

@pytest.mark.slow
def test_two_runs_building_the_same_reference_table_both_succeed(tmp_path):
    """The second run starts once the first has begun writing the shared cache (a build of
    a real model's table takes seconds), so the two builds overlap on any machine load."""
    suite = write_suite(tmp_path, budget=6, seeds=1, strategies=("random",),
                        problems=("branin", "knn-iris"))
    cache = tmp_path / "cache"
    env = {"TUNEBENCH_REFERENCE_CACHE": str(cache)}
    procs = [cli("run", suite, "--out", tmp_path / "r0", "--jobs", "1", env=env)]
    wait_for(lambda: cache.is_dir() and any(cache.iterdir()) or procs[0].poll() is not None,
             timeout=300)
    assert procs[0].poll() is None, "the first build ended before the second started"
    procs.append(cli("run", suite, "--out", tmp_path / "r1", "--jobs", "1", env=env))
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert all("Traceback" not in err for _, err in results)
    pointers = [json.loads((tmp_path / f"r{i}" / "reference.json").read_text())
                for i in range(2)]
    assert pointers[0]["hash"] == pointers[1]["hash"]


# 7. damage that resume gets past -----------------------------------------------------------

def test_resume_recreates_deleted_cells_directory(tmp_path, run_cli, tiny_run):
    out, first = tiny_run
    shutil.rmtree(out / "cells")
    (out / "trials.parquet").unlink()
    assert run_cli("run", "--out", out, "--jobs", "1", "--no-report") == 0
    pd.testing.assert_frame_equal(first[DETERMINISTIC],
                                  pd.read_parquet(out / "trials.parquet")[DETERMINISTIC])


def test_cells_replaced_by_a_file_names_the_one_action(tmp_path, run_cli, tiny_run, capsys):
    out, _ = tiny_run
    shutil.rmtree(out / "cells")
    (out / "cells").write_text("oops")
    err = one_line_exit_2(run_cli, capsys, "run", "--out", out, "--jobs", "1", "--no-report",
                          match=r"cells is a file.*mv ")
    assert "oops" == (out / "cells").read_text() and not (out / ".lock").exists() or err


def test_report_replaced_by_a_file_names_the_one_action(tmp_path, run_cli, tiny_run, capsys):
    out, _ = tiny_run
    (out / "report").write_text("not a directory")
    one_line_exit_2(run_cli, capsys, "report", out, match=r"report.*(mv|--out)")


def test_stale_lock_directory_is_removed(tmp_path, run_cli, tiny_run):
    out, _ = tiny_run
    (out / ".lock").unlink(missing_ok=True)
    (out / ".lock").mkdir()
    assert run_cli("run", "--out", out, "--jobs", "1", "--no-report") == 0
    assert (out / ".lock").is_file()


# 8. damaged run files in the report --------------------------------------------------------

@pytest.fixture
def reported_run(tmp_path, run_cli):
    suite = write_suite(tmp_path, budget=3, seeds=1, strategies=("random",),
                        problems=("branin",))
    out = tmp_path / "rep"
    assert run_cli("run", suite, "--out", out, "--jobs", "1") == 0
    return out


@pytest.mark.parametrize("name,data", [("reference.json", b"{not json"),
                                       ("reference.json", b"[]"),
                                       ("signatures.parquet", b"PAR1garbage")])
def test_damaged_reference_files_are_named(reported_run, run_cli, capsys, name, data):
    (reported_run / name).write_bytes(data)
    one_line_exit_2(run_cli, capsys, "report", reported_run, match=re.escape(name))


# 9. suite values that validate must run -----------------------------------------------------

BAD_SUITES = {
    "timeout-nan": "trial_timeout = nan", "timeout-inf": "trial_timeout = inf",
    "timeout-huge": "trial_timeout = 1e300",
    "option-type": '[options.optuna-ga]\npopulation_size = "big"',
    "option-negative": "[options.optuna-ga]\npopulation_size = -4",
    "folds-huge": "folds = 100000", "protocol-huge": 'protocols = ["cv-100000"]',
    "folds-vs-protocols": 'folds = 3\nprotocols = ["cv-5"]',
}


@pytest.mark.parametrize("key", list(BAD_SUITES))
def test_suite_values_are_checked_as_the_run_uses_them(tmp_path, run_cli, capsys, key):
    body = (f'name = "t"\nbudget = 3\nseeds = 1\nstrategies = ["random", "optuna-ga"]\n'
            f'problems = ["knn-iris"]\n{BAD_SUITES[key]}\n')
    path = tmp_path / "bad.toml"
    path.write_text(body)
    one_line_exit_2(run_cli, capsys, "validate", path, match=r"bad\.toml")
    one_line_exit_2(run_cli, capsys, "run", path, "--out", tmp_path / "o", match=r"bad\.toml")
    assert not (tmp_path / "o").exists()


# 10. bad arguments ---------------------------------------------------------------------------

def test_bad_arguments_are_one_line(tmp_path, run_cli, capsys):
    suite = write_suite(tmp_path, budget=3, seeds=1, strategies=("random",),
                        problems=("branin",))
    afile = tmp_path / "afile"
    afile.write_text("x")
    one_line_exit_2(run_cli, capsys, "run", suite, "--out", tmp_path / "o", "--scheduler",
                    "tcp://[::1:8786", match="not a Dask scheduler address")
    one_line_exit_2(run_cli, capsys, "reference", suite, "--campaign", ",", match="--campaign")
    one_line_exit_2(run_cli, capsys, "reference", suite, "--out", afile, match="is a file")
    one_line_exit_2(run_cli, capsys, "reference", suite, "--campaign", "nope",
                    "--out", tmp_path / "t", match="nope")
    assert not (tmp_path / "t").exists()
    one_line_exit_2(run_cli, capsys, "validate", "/dev/zero", match="not a regular file")
    assert afile.read_text() == "x"


# 11. signals and resume advice -----------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stop_signal_keeps_cells_and_advice_resumes_with_overrides(tmp_path, sig, code):
    suite = write_suite(tmp_path, budget=4, seeds=3, strategies=("random",),
                        problems=("branin", "rf-wine"))
    out = tmp_path / "int"
    proc = cli("run", suite, "--out", out, "--jobs", "2", "--no-report", "--seeds", "2",
               "--strategies", "random,tests.plugins_hang:SlowAsk", start_new_session=True)
    wait_for(lambda: len(list((out / "cells").glob("*.parquet"))) >= 1, timeout=600)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "Traceback" not in err and "leaked" not in err, err
    advice = [line for line in err.splitlines() if "resume with" in line]
    assert len(advice) == 1 and advice[0].endswith(f"tunebench run --out {out}"), err
    again = cli("run", "--out", out, "--jobs", "1", "--no-report")
    _, err2 = again.communicate(timeout=300)
    assert again.returncode == 0, err2
    df = pd.read_parquet(out / "trials.parquet")
    assert set(df["seed"]) == {1, 2} and len(df) == 4 * 2 * 2 * 2


# 12. smaller ---------------------------------------------------------------------------------

def test_stray_error_beside_a_good_cell_is_not_a_failure(tmp_path, run_cli, tiny_run, capsys):
    out, _ = tiny_run
    cell = sorted((out / "cells").glob("*.parquet"))[0]
    cell.with_suffix(".error").write_text("old traceback")
    assert run_cli("validate", out) == 0
    assert "0 failed cells" in capsys.readouterr().out
    assert run_cli("run", "--out", out, "--jobs", "1", "--no-report") == 0
    assert not cell.with_suffix(".error").exists()
    assert json.loads((out / "manifest.json").read_text())["failed_cells"] == []


def test_damaged_manifest_refusal_creates_no_lock(tmp_path, run_cli, capsys):
    out = tmp_path / "run"
    (out / "cells").mkdir(parents=True)
    (out / "manifest.json").write_bytes(b"\xff\xfe")
    one_line_exit_2(run_cli, capsys, "run", write_suite(tmp_path), "--out", out,
                    match="manifest")
    assert not (out / ".lock").exists()


@pytest.mark.parametrize("argv", [["--timeout", "-1"], ["--timeout", "nan"],
                                  ["--timeout", "inf"],
                                  ["--option", "population_size=big"],
                                  ["--option", "population_size=-4"]])
def test_check_strategy_bad_values_exit_2(run_cli, capsys, argv):
    capsys.readouterr()
    assert run_cli("check-strategy", "optuna-ga", *argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
