"""The archive of shipped baseline runs, runs that add to it, citable bundles and the
regression gate (issue 25)."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from tunebench.benchmarks.execution.runner import plan
from tunebench.benchmarks.plan.suite import builtin_suites, load
from tunebench.benchmarks.publish import archive as archive_mod
from tunebench.benchmarks.publish import bundle as bundle_mod
from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.store.rundir import RunDir, records_table
from tunebench.strategies.registry import resolve

import tunebench as tb

DOCS = Path(__file__).resolve().parent.parent / "docs"
LOCAL = "my_strategies:LocalSearch"


@pytest.fixture
def docs_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(DOCS))


# -- 1. the shipped archives are the suite files' ------------------------------------------

@pytest.mark.parametrize("name", sorted(builtin_suites()))
def test_a_shipped_archive_matches_its_suite_file(name):
    """A stale archive cannot ship: its suite (problems, strategies, seeds, budget and every
    setting) must be the suite file's, its files must match their hash, and it must hold
    every cell of the suite at the full budget."""
    shipped = archive_mod.shipped()
    if name not in shipped:
        pytest.skip(f"no archive is shipped for suite {name!r}: build it with "
                    f"`tunebench archive-baselines {name}` once its problem list is final")
    archive, suite = shipped[name], load(name)
    want = {k: v for k, v in suite.to_dict().items() if k != "description"}
    got = {k: v for k, v in archive.suite.items() if k != "description"}
    diffs = [f"{k}: archive {got.get(k)!r}, suite file {want.get(k)!r}"
             for k in sorted(set(want) | set(got)) if got.get(k) != want.get(k)]
    assert not diffs, (f"the shipped archive of {name} is stale ({'; '.join(diffs)}); rebuild "
                       f"it with `tunebench archive-baselines {name}`")
    assert archive.corrupt() is None
    trials = pd.read_parquet(archive.path / "trials.parquet")
    counts = trials.groupby(["problem", "strategy", "seed"]).size()
    cells = {(c.problem, resolve(c.strategy).name, c.seed) for c in plan(suite)}
    assert set(counts.index) == cells
    assert (counts == suite.budget).all()
    assert archive.info["libraries"]["scikit-learn"]
    assert set(archive.strategies) == {resolve(s).name for s in suite.strategies}


# -- 2. runs that add to the archive -------------------------------------------------------

@pytest.mark.slow
def test_a_new_strategy_runs_alone_and_is_reported_with_the_archive(tmp_path, docs_on_path,
                                                                    run_cli):
    archive = archive_mod.find("quick")
    assert archive is not None
    out = tmp_path / "run"
    run = tb.run("quick", out=out, jobs=1, strategies=[LOCAL], problems=["branin"], seeds=1)
    assert set(run.trials["strategy"]) == {"local-search"}  # only the new cells ran
    archived = pd.read_parquet(out / "archived" / "trials.parquet")
    expected = {n for n in archive.strategies if n != "defaults"}  # branin has no defaults
    assert set(archived["strategy"]) == expected
    assert set(archived["problem"]) == {"branin"} and set(archived["seed"]) == {1}
    whole = pd.read_parquet(archive.path / "trials.parquet")
    mine = whole[(whole["problem"] == "branin") & (whole["seed"] == 1)]
    assert len(archived) == len(mine) == 20 * len(expected)
    s = tb.summarise(run)
    assert set(s.strategies) == expected | {"local-search"}
    assert "local-search" in set(s.control["strategy"])  # against the archived random
    assert run_cli("report", out) == 0
    md = (out / "report" / "report.md").read_text()
    assert "Archived cells (not run now)" in md and archive.hash in md
    for name in expected:
        assert name in md
    bib = (out / "report" / "references.bib").read_text()
    assert "akiba2019optuna" in bib  # the archived strategies' papers are cited


@pytest.mark.slow
def test_a_strategy_named_like_an_archived_one_runs_locally(tmp_path, docs_on_path, run_cli):
    out = tmp_path / "run"
    assert run_cli("run", "quick", "--strategies", f"random,{LOCAL}", "--problems", "branin",
                   "--seeds", "1", "--jobs", "1", "--no-report", "--out", out) == 0
    local = pd.read_parquet(out / "trials.parquet")
    archived = pd.read_parquet(out / "archived" / "trials.parquet")
    assert set(local["strategy"]) == {"random", "local-search"}
    assert "random" not in set(archived["strategy"])
    # the local random cell is the archived one, bit for bit (runs are deterministic)
    whole = pd.read_parquet(archive_mod.find("quick").path / "trials.parquet")
    ref = whole[(whole["strategy"] == "random") & (whole["problem"] == "branin")
                & (whole["seed"] == 1)].reset_index(drop=True)
    mine = local[local["strategy"] == "random"].reset_index(drop=True)
    pd.testing.assert_series_equal(mine["val_loss"], ref["val_loss"])
    assert (mine["params"] == ref["params"]).all()


@pytest.mark.slow
def test_no_archive_runs_only_what_is_asked(tmp_path, docs_on_path, run_cli):
    out = tmp_path / "run"
    assert run_cli("run", "quick", "--strategies", LOCAL, "--problems", "branin", "--seeds",
                   "1", "--jobs", "1", "--no-report", "--no-archive", "--out", out) == 0
    assert not (out / "archived").exists()


def _tampered_copy(tmp_path: Path, monkeypatch) -> Path:
    src = archive_mod.find("quick").path
    dst = tmp_path / "archive" / "quick"
    shutil.copytree(src, dst)
    sig = pd.read_parquet(dst / "signatures.parquet")
    row = (sig["problem"] == "branin") & (sig["seed"] == 1) & (sig["index"] == 2)
    sig.loc[row, "val_loss"] += 0.5  # as if another library version changed the objective
    sig.to_parquet(dst / "signatures.parquet", index=False)
    info = json.loads((dst / "archive.json").read_text())
    info["content_hash"] = archive_mod.content_hash(dst)
    info["libraries"]["scikit-learn"] = "0.0.1"
    (dst / "archive.json").write_text(json.dumps(info))
    monkeypatch.setenv(archive_mod.ENV, str(tmp_path / "archive"))
    return dst


def test_archived_cells_with_a_changed_signature_are_refused(tmp_path, docs_on_path, run_cli,
                                                             monkeypatch, capsys):
    _tampered_copy(tmp_path, monkeypatch)
    out = tmp_path / "run"
    code = run_cli("run", "quick", "--strategies", LOCAL, "--problems", "branin", "--seeds",
                   "1", "--jobs", "1", "--no-report", "--out", out)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert "signature" in err and "branin seed 1 signature 2" in err
    assert "scikit-learn 0.0.1 archived" in err and "--no-archive" in err
    assert not (out / "trials.parquet").exists() and not (out / "archived").exists()
    with pytest.raises(archive_mod.ArchiveMismatch, match="signature"):
        tb.run("quick", out=tmp_path / "api", jobs=1, strategies=[LOCAL],
               problems=["branin"], seeds=1)


def test_changed_settings_and_a_damaged_archive_are_refused(tmp_path, monkeypatch):
    dst = _tampered_copy(tmp_path, monkeypatch)
    archive = archive_mod.open_archive(dst)
    current = dict(archive.suite, folds=5, metric=None)
    diffs = archive_mod.suite_differences(archive.suite, current)
    assert diffs == [f"folds: archived {archive.suite['folds']}, here 5",
                     f"metric: archived {archive.suite['metric']!r}, here None"]
    assert archive_mod.coverage_gap(archive.suite, dict(current, budget=3, seeds=[7])) == (
        "budget 3 (archived: 20); seeds [7] (archived: [1, 2, 3])")
    (dst / "trials.parquet").write_bytes(b"x")
    assert "hash to" in archive_mod.open_archive(dst).corrupt()


# -- 3. citable bundles --------------------------------------------------------------------

def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_bundle_round_trip_and_every_flipped_byte_is_found(tiny_run, tmp_path, run_cli,
                                                           capsys):
    run_dir, trials = tiny_run
    out = tmp_path / "run.tar.gz"
    assert run_cli("archive", run_dir, "--out", out, "--author", "Ada Lovelace") == 0
    printed = capsys.readouterr().out
    digest = printed.split("sha256:")[1].split()[0]
    assert run_cli("verify", out) == 0
    assert f"sha256:{digest}" in capsys.readouterr().out
    v = bundle_mod.verify(out)
    assert {"manifest.json", "trials.parquet", "references.bib", "CITATION.cff",
            "SHA256SUMS", "report/index.html"} <= set(v.files)
    bib = v.files["references.bib"].decode()
    assert f"sha256:{digest}" in bib and "pypi.org" not in bib
    cff = v.files["CITATION.cff"].decode()
    assert "cff-version: 1.2.0" in cff and f'"sha256:{digest}"' in cff and "Ada Lovelace" in cff
    # read back: the API and the report
    loaded = tb.load(out)
    pd.testing.assert_frame_equal(loaded.trials, tb.load(run_dir).trials)
    assert run_cli("report", out) == 0
    assert (tmp_path / "run-report" / "index.html").exists()
    # one flipped byte anywhere: gzip header (its time stamp), compressed data, trailer
    pristine = out.read_bytes()
    for offset in (5, len(pristine) // 3, len(pristine) // 2, len(pristine) - 2):
        out.write_bytes(pristine)
        _flip(out, offset)
        capsys.readouterr()
        assert run_cli("verify", out) == 1, offset
        assert "run.tar.gz" in capsys.readouterr().out
    out.write_bytes(pristine)


def test_verify_names_a_changed_file(tiny_run, tmp_path, capsys, run_cli):
    run_dir, _ = tiny_run
    out, _ = bundle_mod.write(run_dir, tmp_path / "b.tar.gz")
    v = bundle_mod.verify(out)
    files = dict(v.files)
    data = bytearray(files["trials.parquet"])
    data[len(data) // 2] ^= 0x01  # one flipped byte inside a member, re-packed cleanly
    files["trials.parquet"] = bytes(data)
    out.write_bytes(bundle_mod.gzip_bytes(bundle_mod.canonical_tar(v.root, files)))
    assert run_cli("verify", out) == 1
    assert "trials.parquet does not match its SHA-256" in capsys.readouterr().out
    assert run_cli("report", out) == 2
    assert "trials.parquet" in capsys.readouterr().err
    # a byte flipped in the tar padding, which no member checksum covers
    raw = bytearray(bundle_mod.canonical_tar(v.root, v.files))
    with tarfile.open(fileobj=io.BytesIO(bytes(raw))) as tar:
        last = tar.getmembers()[-1]
    raw[last.offset_data + last.size] ^= 0x01
    out.write_bytes(bundle_mod.gzip_bytes(bytes(raw)))
    assert not bundle_mod.verify(out).ok


# -- 4. the regression gate ----------------------------------------------------------------

def _constructed_run(path: Path, finals: dict[str, list[float]], seeds: int = 2) -> Path:
    """A run whose strategy s reaches the loss finals[s][i] on problem i (every seed)."""
    records = []
    problems = [f"p{i}" for i in range(len(next(iter(finals.values()))))]
    for s, values in finals.items():
        for problem, v in zip(problems, values, strict=True):
            for seed in range(1, seeds + 1):
                for trial, loss in enumerate((v + 1.0, v)):
                    records.append({
                        "suite": "constructed", "problem": problem, "protocol": "cv-2",
                        "strategy": s, "seed": seed, "trial": trial,
                        "params": json.dumps({"x": loss}), "val_loss": loss,
                        "test_loss": loss, "fold_losses": [loss, loss], "metric": "loss",
                        "status": "ok", "error": None, "fit_seconds": 0.01,
                        "ask_seconds": 0.001, "tell_seconds": 0.001, "trial_seconds": 0.02,
                        "reused": False, "n_warnings": 0, "fits": 2,
                        "started_at": 1_700_000_000.0 + trial})
    run = RunDir(path)
    run.create()
    suite = {"name": "constructed", "strategies": list(finals), "problems": problems,
             "seeds": list(range(1, seeds + 1)), "budget": 2, "folds": 2,
             "test_fraction": 0.25, "start_from_default": False}
    run.write_manifest(Manifest.from_dict({"format": "tunebench-run/2", "run_id": path.name,
                                           "suite": suite, "strategies": {}, "problems": {}}))
    import pyarrow.parquet as pq

    pq.write_table(records_table(records), run.trials_path)
    return path


def test_compare_exits_1_only_for_a_significantly_worse_strategy(tmp_path, run_cli, capsys):
    base = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    run = _constructed_run(tmp_path / "c", {
        "base": base, "worse": [v + 0.5 * (i + 1) for i, v in enumerate(base)],
        "better": [v - 0.1 for v in base],
        "mixed": [v + (0.3 if i % 2 else -0.3) for i, v in enumerate(base)]})
    assert run_cli("compare", run, "--strategy", "worse", "--baseline", "base") == 1
    out = capsys.readouterr().out
    # 7 of 7 problems worse: exact p = 2 / 2**7; Holm over 3 comparisons -> 3 x 2**-6
    assert "p = 0.01562" in out and "p = 0.04688" in out and "SIGNIFICANTLY WORSE" in out
    assert "over 3 comparison(s)" in out and "alpha = 0.05" in out
    assert run_cli("compare", run, "--strategy", "better", "--baseline", "base") == 0
    assert run_cli("compare", run, "--strategy", "mixed", "--baseline", "base") == 0
    assert run_cli("compare", run, "--strategy", "base", "--baseline", "worse") == 0
    # a stricter alpha: 0.047 is no longer below it
    assert run_cli("compare", run, "--strategy", "worse", "--baseline", "base",
                   "--alpha", "0.04") == 0
    capsys.readouterr()
    assert run_cli("compare", run, "--strategy", "nope", "--baseline", "base") == 2
    assert "'nope' is not in the run" in capsys.readouterr().err


def test_gate_on_scores_counts_lower_scores_as_worse():
    from tunebench.benchmarks.analysis.gate import regression_gate

    rows = [{"problem": f"p{i}", "strategy": s, "seed": 1, "score_test": v}
            for i in range(6) for s, v in (("a", 0.5), ("b", 0.2 - 0.01 * i))]
    gate = regression_gate(pd.DataFrame(rows), "b", "a", "score_test")
    assert gate.row["p_holm"] == pytest.approx(2 / 64) and gate.worse
    assert not regression_gate(pd.DataFrame(rows), "a", "b", "score_test").worse



def test_tunebench_is_cited_by_its_declared_url_or_by_version_and_hash(monkeypatch):
    from tunebench.benchmarks.report import citations

    monkeypatch.setattr(citations, "tunebench_url", lambda: None)
    entry = citations._tunebench("0.1.0", "abc", "f" * 64)
    assert "url" not in entry and "Software version 0.1.0" in entry
    assert f"bundle sha256:{'f' * 64}" in entry
    monkeypatch.setattr(citations, "tunebench_url", lambda: "https://example.org/tunebench")
    assert "url          = {https://example.org/tunebench}" in citations._tunebench("0.1", "c")
