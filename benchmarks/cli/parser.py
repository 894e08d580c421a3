"""The argument parser of ``tunebench`` and its value types."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from tunebench.benchmarks.cli._common import EXIT_BAD_INPUT, _csv, _positive  # noqa: F401


def _option(value: str) -> tuple[str, Any]:
    """``key=value`` with the value read as JSON when it parses (``0.2``, ``true``, ``[1]``)."""
    key, sep, raw = value.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {value!r}")
    try:
        return key.strip(), json.loads(raw)
    except json.JSONDecodeError:
        return key.strip(), raw


def _seconds(value: str) -> float:
    """A finite number of seconds >= 0 (argparse type)."""
    import math

    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {value!r}") from None
    if not math.isfinite(x) or x < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds >= 0, got {value!r}")
    return x


def _verbosity(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument("-v", "--verbose", action="store_true", default=default,
                   help="log debug messages")
    p.add_argument("-q", "--quiet", action="store_true", default=default,
                   help="log warnings and errors only")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``tunebench run: error: ...``, exit 2), like every
    other refusal of the CLI; ``-h`` still prints the full usage."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} -h)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="tunebench",
        description="Benchmark hyperparameter-tuning strategies fairly and reproducibly.")
    _verbosity(p, False)
    # -v/-q are accepted after the command too; SUPPRESS keeps the top-level value
    # when they are not repeated there.
    common = _Parser(add_help=False)
    _verbosity(common, argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(sub, common)
    _add_reference(sub, common)
    from tunebench.benchmarks.cli import archive_cmds

    archive_cmds.add_parsers(sub, common)
    _add_inspection(sub, common)
    return p


def _add_run(sub: Any, common: argparse.ArgumentParser) -> None:
    r = sub.add_parser("run", parents=[common],
                       help="run a suite (resumes an existing --out directory)",
                       description="Run a suite: every strategy x problem x seed cell, each "
                       "with the same budget. Rerunning on the same --out resumes.")
    r.add_argument("suite", nargs="?", help="built-in suite name (quick, default, paper) or "
                   "TOML path; optional when --out names a run to resume (its manifest "
                   "holds the suite, overrides included)")
    r.add_argument("--out", type=Path, help="the run directory (default: "
                   "results/<suite>/<run-id>/)")
    r.add_argument("--resume", type=Path, metavar="RUN_DIR",
                   help="resume this run directory (same as --out RUN_DIR)")
    r.add_argument("--fresh", action="store_true",
                   help="start a new run id next to --out instead of resuming it")
    r.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1,
                   help="worker processes (default: all cores)")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster, e.g. tcp://host:8786")
    r.add_argument("--seeds", type=_positive, help="override: number of seeds (1..N)")
    r.add_argument("--budget", type=_positive, help="override: evaluations per cell")
    r.add_argument("--strategies", type=_csv, help="override: comma-separated strategies")
    r.add_argument("--problems", type=_csv, help="override: comma-separated problems")
    r.add_argument("--no-report", action="store_true", help="do not write the report")
    from tunebench.benchmarks.cli import archive_cmds

    archive_cmds.add_run_flag(r)


def _add_reference(sub: Any, common: argparse.ArgumentParser) -> None:

    rf = sub.add_parser("reference", parents=[common], help="build a suite's reference table (resumable)",
                        description="Build the frozen reference table (R0 sample, L*, "
                        "signatures) of a suite's problems and seeds. Rerun to resume.")
    rf.add_argument("suite", help="built-in suite name or TOML path")
    rf.add_argument("--samples", type=_positive, help="configurations per (problem, seed) "
                    "(default: 10 x the suite's budget)")
    rf.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1)
    rf.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask cluster")
    rf.add_argument("--out", type=Path, help="table directory (default: "
                    "results/references/<hash>/)")
    rf.add_argument("--campaign",
                    help="comma-separated strategies of the L* campaign, or 'none' "
                    "(default: optuna-tpe,optuna-cmaes)")
    rf.add_argument("--campaign-factor", type=_positive, default=None,
                    help="campaign budget as a multiple of the suite's (default: 5)")


def _add_inspection(sub: Any, common: argparse.ArgumentParser) -> None:
    """The commands that inspect: validate, report, nullcheck, list, check-strategy."""

    v = sub.add_parser("validate", parents=[common], help="check a suite, or a stored run directory's files, "
                       "without running anything")
    v.add_argument("suite", help="built-in suite name, TOML path, or a run directory")

    rep = sub.add_parser("report", parents=[common],
                       help="write the report of one or more finished runs")
    rep.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR",
                     help="run directories or bundles (tunebench archive)")
    rep.add_argument("--out", type=Path, help="report directory (default: RUN_DIR/report)")
    rep.add_argument("--force", action="store_true",
                     help="write into --out even if it holds files that are not a report")

    nc = sub.add_parser("nullcheck", parents=[common],
                        help="tell a chance null-check flag from a reference mismatch",
                        description="The null check of a stored run (random search against "
                        "its reference table); with --resalt K, rerun the run's random-search "
                        "cells K times with fresh seeds against the same table and count how "
                        "many are flagged: a mismatch keeps failing, chance does not (about "
                        "1 in 20).")
    nc.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    nc.add_argument("--resalt", type=_positive, metavar="K",
                    help="re-salted reruns of the random-search cells (e.g. 20)")
    nc.add_argument("--jobs", type=_positive, default=1, help="worker processes (default 1)")
    nc.add_argument("--out", type=Path, metavar="CSV",
                    help="also write the re-salt table to this CSV file")

    ls = sub.add_parser("list", parents=[common],
                       help="list strategies, problems, datasets, suites or metrics")
    ls.add_argument("what", choices=["strategies", "problems", "datasets", "suites", "metrics"])

    cs = sub.add_parser("check-strategy", parents=[common],
                       help="run the conformance checker on a strategy")
    cs.add_argument("strategy", help="built-in name or package.module:ClassName")
    cs.add_argument("--option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                    help="a keyword option of the strategy (repeatable), e.g. --option step=0.2")
    cs.add_argument("--timeout", type=_seconds, default=120.0, metavar="SECONDS",
                    help="time limit of each check (default 120 s; 0: none); a strategy "
                         "that hangs fails")
    cs.add_argument("--budget", type=_positive, default=16,
                    help="evaluations per checked run (default 16)")
