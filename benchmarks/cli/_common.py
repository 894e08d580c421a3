"""What every command shares: exit codes, the bad-input error, loading suites, the
report directory checks."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("tunebench")

EXIT_OK, EXIT_FAILED_CELLS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Exit code after SIGTERM (128 + 15), which stops a run like Ctrl-C.
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM: handled like Ctrl-C (cells stored are kept), exit 143."""


class BadInput(Exception):
    """Raised for any user error; the CLI prints it and exits 2."""


def _load_suite(args: argparse.Namespace) -> Any:
    from tunebench.benchmarks.plan.suite import SuiteError, load

    try:
        suite = load(args.suite) if args.suite is not None else _stored_suite(args)
        if getattr(args, "command", "") == "run":
            suite = suite.override(budget=args.budget, seeds=args.seeds,
                                   strategies=args.strategies, problems=args.problems)
    except SuiteError as exc:
        raise BadInput(str(exc)) from exc
    return suite


def _stored_suite(args: argparse.Namespace) -> Any:
    """``tunebench run --out DIR`` with no suite: the suite stored in DIR's manifest (with
    the overrides it was run with), so that a run resumes from its directory alone."""
    from tunebench.benchmarks.plan.suite import Suite, SuiteError
    from tunebench.benchmarks.store.rundir import RunDir, StoreError

    out = getattr(args, "resume", None) or getattr(args, "out", None)
    if out is None:
        raise BadInput("give a suite (a built-in name or a TOML path), or --out RUN_DIR of a "
                       "run to resume")
    run = RunDir(out)
    if not run.exists():
        raise BadInput(f"--out {out}: no tunebench run there (no manifest.json) to resume; "
                       "give the suite too: tunebench run SUITE --out DIR")
    try:
        return Suite.from_dict(run.read_manifest().suite.to_dict(), str(run.manifest_path))
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    except SuiteError as exc:
        raise BadInput(f"{exc}; give the suite: tunebench run SUITE --out {out}") from exc


def _resume_command(out: Path) -> str:
    """The command that resumes a run: its manifest holds the suite and its overrides."""
    import shlex

    return f"tunebench run --out {shlex.quote(str(out))}"


def _check_report_dir(run_dir: Path) -> None:
    """A run's own ``report/`` must be a real directory (or absent) to be written."""
    report = run_dir / "report"
    if report.is_symlink():
        return  # refused, with the link named, by the run directory check
    if report.exists() and not report.is_dir():
        raise BadInput(f"{report} is a file, not the report directory; move it away (mv "
                       f"{report} {report}.bad) and rerun, or give --out DIR")


def _check_report_out(out: Path | None, force: bool) -> None:
    """``report --out`` must be a directory that is new, empty, or an earlier report (its
    files are replaced); anything else only with ``--force``."""
    if out is None:
        return
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out} is a file, not a directory; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not _is_report(out) and not force:
        raise BadInput(f"--out {out} is a non-empty directory that is not a tunebench report; "
                       "choose another --out, or add --force to write into it")


def _is_report(out: Path) -> bool:
    """Whether ``out`` holds a report tunebench wrote (its ``index.html`` says so)."""
    index = out / "index.html"
    if not index.is_file() or index.is_symlink():
        return False
    with open(index, "rb") as f:
        return b"<title>tunebench report" in f.read(4096)


def _csv(value: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list of names")
    return items


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {n}")
    return n
