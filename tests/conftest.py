"""Shared fixtures: tiny suites written to a temporary directory and a CLI runner."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from tunebench.benchmarks.cli import main

TINY = """
name = "tiny"
budget = {budget}
seeds = {seeds}
folds = 2
test_fraction = 0.3
start_from_default = {sfd}
strategies = {strategies}
problems = {problems}
"""


def write_suite(tmp_path: Path, *, budget: int = 5, seeds: int = 2,
                strategies: tuple[str, ...] = ("random", "grid"),
                problems: tuple[str, ...] = ("branin", "logreg-iris"), sfd: bool = False,
                extra: str = "", name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    body = TINY.format(budget=budget, seeds=seeds, sfd=str(sfd).lower(),
                       strategies=list(strategies), problems=list(problems)).replace("'", '"')
    path.write_text(body + extra)
    return path


@pytest.fixture
def run_cli():
    """Call ``tunebench`` in-process; returns the exit code."""
    def _run(*argv: str) -> int:
        return main([str(a) for a in argv])
    return _run


@pytest.fixture
def tiny_run(tmp_path: Path, run_cli) -> tuple[Path, pd.DataFrame]:
    suite = write_suite(tmp_path)
    out = tmp_path / "run"
    assert run_cli("run", suite, "--out", out, "--jobs", "1", "--no-report") == 0
    return out, pd.read_parquet(out / "trials.parquet")


@pytest.fixture(autouse=True, scope="session")
def _reference_cache(tmp_path_factory):
    """Reference tables built by tests go to one temporary cache, shared by the session."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TUNEBENCH_REFERENCE_CACHE", str(tmp_path_factory.mktemp("reference-cache")))
    yield
    mp.undo()


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    caplog.set_level(logging.WARNING)
