"""The functions behind ``import tunebench``: run, load, summarise, report."""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from tunebench.benchmarks.execution import runner
from tunebench.benchmarks.analysis.summary import Summary
from tunebench.benchmarks.analysis.summary import load as load_inputs
from tunebench.benchmarks.analysis.summary import summarise as summarise_inputs
from tunebench.benchmarks.store.rundir import RunDir, StoreError, read_trials
from tunebench.benchmarks.plan.suite import Suite, SuiteError
from tunebench.benchmarks.plan.suite import load as load_suite

log = logging.getLogger("tunebench")

SuiteLike = str | os.PathLike[str] | dict[str, Any] | Suite


@dataclass
class Run:
    """A run directory: its manifest, its trials (read when first used) and its failures."""

    path: Path
    manifest: dict[str, Any] = field(repr=False)
    failed: dict[str, str] = field(default_factory=dict, repr=False)

    @cached_property
    def trials(self) -> pd.DataFrame:
        """Every trial of the run (``trials.parquet``)."""
        return read_trials(self.path)

    @property
    def finished(self) -> bool:
        return self.manifest.get("finished_at") is not None


def as_suite(suite: SuiteLike, **overrides: Any) -> Suite:
    """A validated :class:`Suite` from a built-in name, a TOML path, a mapping or a Suite.

    ``overrides`` replace suite keys (``budget=5``, ``seeds=2``, ``strategies=[...]``);
    raises :class:`SuiteError` with what is wrong.
    """
    if isinstance(suite, Suite):
        data = suite.to_dict()
    elif isinstance(suite, dict):
        data = dict(suite)
    elif isinstance(suite, (str, os.PathLike)):
        if not overrides:
            return load_suite(suite)
        data = load_suite(suite).to_dict()
    else:
        raise SuiteError(f"a suite is a name, a TOML path, a dict or a Suite, not "
                         f"{type(suite).__name__}")
    if isinstance(suite, Suite) and not overrides:
        return suite
    data.update({k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()})
    return Suite.from_dict(data, "tunebench.run" if overrides else "suite")


def run(suite: SuiteLike, out: str | os.PathLike[str] | None = None, jobs: int | None = None,
        *, scheduler: str | None = None, archive: bool = True, **overrides: Any) -> Run:
    """Run a suite (resuming ``out`` if it holds the same run) and return the :class:`Run`.

    ``jobs`` worker processes (default: all cores; 1 runs in this process); ``scheduler``
    a Dask scheduler address. Plug-in strategies and models must live in importable
    modules (not in the notebook itself) when ``jobs > 1``. Interrupting (Ctrl-C,
    KeyboardInterrupt) keeps every finished cell: call ``run`` again with the same ``out``
    to resume.

    With ``archive`` (the default), strategies of the suite's shipped archive that are not
    among the run's own (``strategies=[...]``) are not rerun: their archived cells are
    checked against this run's objectives (ArchiveMismatch, a StoreError, when they differ)
    and reported with it. ``archive=False`` runs only the strategies asked for.
    """
    s = as_suite(suite, **overrides)
    jobs = jobs or os.cpu_count() or 1
    path = Path(out) if out is not None else runner.default_out(s)
    backend = f"dask:{scheduler}" if scheduler else f"local:{jobs}"
    rundir, manifest = runner.prepare(s, path, [*sys.argv[:1], "tunebench.run"], jobs, backend)
    log.info("suite %s: %d cells -> %s", s.name, s.n_cells, path)
    if archive:
        from tunebench.benchmarks.store.archive import attach

        try:
            attach(s, path, manifest)
        except BaseException:
            rundir.unlock()
            raise
    try:
        summary = runner.execute(s, rundir, manifest, jobs=jobs, scheduler=scheduler,
                                 stop=threading.Event())
    except KeyboardInterrupt:
        log.warning("interrupted: finished cells are stored in %s; resume with "
                    "tunebench.run(<the same suite>, out=%r)", path, str(path))
        raise
    finally:
        rundir.unlock()  # the run directory's writer lock (taken by prepare)
    if summary.failed:
        log.error("%d cell(s) failed: %s (tracebacks in %s/cells/*.error)", len(summary.failed),
                  ", ".join(sorted(summary.failed)), path)
    return Run(path, rundir.read_manifest(), dict(rundir.failed_cells()))


def load(run_dir: str | os.PathLike[str]) -> Run:
    """An existing run directory, or a bundle (``tunebench archive``; verified and unpacked
    into a cache); raises :class:`StoreError` if it is neither."""
    from tunebench.benchmarks.store.bundle import extract, is_bundle

    if is_bundle(run_dir):
        run_dir = extract(run_dir)
    rundir = RunDir(run_dir)
    if not rundir.exists():
        raise StoreError(f"{run_dir}: no manifest.json; is it a tunebench run directory?")
    return Run(Path(run_dir), rundir.read_manifest(), dict(rundir.failed_cells()))


def _paths(runs: tuple[Run | str | os.PathLike[str], ...]) -> list[str | Path]:
    if not runs:
        raise ValueError("give at least one run (a Run or a run directory)")
    return [r.path if isinstance(r, Run) else Path(r) for r in runs]


def summarise(*runs: Run | str | os.PathLike[str]) -> Summary:
    """Every statistic of the report of these runs, as DataFrames (see :class:`Summary`)."""
    return summarise_inputs(load_inputs(_paths(runs)))


def report(*runs: Run | str | os.PathLike[str], out: str | os.PathLike[str] | None = None
           ) -> Path:
    """Write the report of these runs (default: ``<first run>/report``); returns index.html."""
    from tunebench.benchmarks.report import build_report

    return build_report(_paths(runs), out)
