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
from tunebench.benchmarks.execution.run import (
    ArchiveStep,
    ProgressFactory,
    SuiteRun,
    no_progress,
)
from tunebench.benchmarks.analysis.summary import Summary
from tunebench.benchmarks.analysis.summary import load as load_inputs
from tunebench.benchmarks.analysis.summary import summarise as summarise_inputs
from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.store.rundir import RunDir, StoreError, read_trials
from tunebench.benchmarks.plan.suite import Suite, SuiteError
from tunebench.benchmarks.plan.suite import load as load_suite

log = logging.getLogger("tunebench")

SuiteLike = str | os.PathLike[str] | dict[str, Any] | Suite


@dataclass
class Run:
    """A run directory: its manifest, its trials (read when first used) and its failures."""

    path: Path
    manifest: Manifest = field(repr=False)
    failed: dict[str, str] = field(default_factory=dict, repr=False)

    @cached_property
    def trials(self) -> pd.DataFrame:
        """Every trial of the run (``trials.parquet``)."""
        return read_trials(self.path)

    @property
    def finished(self) -> bool:
        return self.manifest.is_finished


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


def suite_run(suite: Suite, out: Path, argv: list[str], *, jobs: int = 1,
              scheduler: str | None = None, archive: ArchiveStep | bool = True,
              references: bool = True, report: bool = True,
              progress: ProgressFactory = no_progress, stop: threading.Event | None = None,
              resume: str = "run the same again") -> SuiteRun:
    """The complete run of a suite as ``tunebench run`` and :func:`run` both do it: with
    ``archive``, archived cells of strategies not run now are attached (``True``: as
    :func:`publish.archive.attach` does; or a step of the caller's); with ``references``, the
    reference table is found or built (once; cached) and the run's signatures recorded
    before the cells; with ``report``, the report is written after."""
    from tunebench.benchmarks.reference.runs import RunReferences
    from tunebench.benchmarks.report import build_report
    from tunebench.benchmarks.publish.archive import attach

    return SuiteRun(suite, out, argv, jobs=jobs, scheduler=scheduler,
                    archive=attach if archive is True else (archive or None),
                    references=RunReferences(jobs, scheduler) if references else None,
                    report=build_report if report else None, progress=progress, stop=stop,
                    resume=resume)


def run(suite: SuiteLike, out: str | os.PathLike[str] | None = None, jobs: int | None = None,
        *, scheduler: str | None = None, archive: bool = True, references: bool = True,
        report: bool = True, **overrides: Any) -> Run:
    """Run a suite (resuming ``out`` if it holds the same run) and return the :class:`Run`.

    ``jobs`` worker processes (default: all cores; 1 runs in this process); ``scheduler``
    a Dask scheduler address. Like ``tunebench run``, the suite's reference table is found
    or built first (``references=False``: skip it, and the report's normalised scores) and
    the report is written into ``<out>/report`` at the end (``report=False``: not).
    Plug-in strategies and models must live in importable modules (not in the notebook
    itself) when ``jobs > 1``, and a script must call ``run`` under
    ``if __name__ == "__main__":``. Interrupting (Ctrl-C, KeyboardInterrupt) keeps every
    finished cell: call ``run`` again with the same ``out`` to resume.

    With ``archive`` (the default), strategies of the suite's shipped archive that are not
    among the run's own (``strategies=[...]``) are not rerun: their archived cells are
    checked against this run's objectives (ArchiveMismatch, a StoreError, when they differ)
    and reported with it. ``archive=False`` runs only the strategies asked for.
    """
    s = as_suite(suite, **overrides)
    jobs = jobs or os.cpu_count() or 1
    path = Path(out) if out is not None else runner.default_out(s)
    again = f"tunebench.run(<the same suite>, out={str(path)!r})"
    use_case = suite_run(s, path, [*sys.argv[:1], "tunebench.run"], jobs=jobs,
                         scheduler=scheduler, archive=archive, references=references,
                         report=report, stop=threading.Event(), resume=again)
    try:
        use_case()
    except KeyboardInterrupt:
        log.warning("interrupted: finished cells are stored in %s; resume with %s", path, again)
        raise
    return load(path)


def load(run_dir: str | os.PathLike[str]) -> Run:
    """An existing run directory, or a bundle (``tunebench archive``; verified and unpacked
    into a cache); raises :class:`StoreError` if it is neither."""
    from tunebench.benchmarks.publish.bundle import extract, is_bundle

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
