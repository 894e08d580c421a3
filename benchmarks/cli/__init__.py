"""The ``tunebench`` command line.

Exit codes: 0 success; 1 the run finished but some cells failed; 2 bad input (nothing
was run and nothing stored was modified); 130 interrupted (stored cells are kept, rerun
the same command to resume).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
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
    archive_cmds.add_parsers(sub, common)

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
    return p


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)


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
        return Suite.from_dict(run.read_manifest()["suite"], str(run.manifest_path))
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    except SuiteError as exc:
        raise BadInput(f"{exc}; give the suite: tunebench run SUITE --out {out}") from exc


def _resume_command(out: Path) -> str:
    """The command that resumes a run: its manifest holds the suite and its overrides."""
    import shlex

    return f"tunebench run --out {shlex.quote(str(out))}"


def _on_stop_signal(signum: int, frame: object) -> None:
    """SIGINT and SIGTERM: stop the run between cells (see runner.STOP)."""
    from tunebench.benchmarks.execution import runner

    runner.STOP.set()
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def cmd_run(args: argparse.Namespace) -> int:
    import faulthandler

    from tunebench.benchmarks.execution import runner
    from tunebench.benchmarks.store.rundir import StoreError

    try:  # a cell that segfaults this process (--jobs 1) leaves its traceback
        faulthandler.enable()
    except (AttributeError, ValueError, OSError):  # stderr is not a real file (captured)
        pass
    suite = _load_suite(args)
    if args.resume and args.out and args.resume != args.out:
        raise BadInput("--resume and --out name different directories; give one")
    out = args.resume or args.out or runner.default_out(suite)
    if args.resume and not (out / "manifest.json").exists():
        raise BadInput(f"--resume {out}: no tunebench run there (no manifest.json)")
    if args.fresh:
        out = out.parent / runner.new_run_id() if (out / "manifest.json").exists() else out
    backend = f"dask:{args.scheduler}" if args.scheduler else f"local:{args.jobs}"
    if args.scheduler:
        _check_scheduler(args.scheduler)  # before anything is created
    if not args.no_report:
        _check_report_dir(out)
    try:
        run, manifest = runner.prepare(suite, out, sys.argv, args.jobs, backend)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    except OSError as exc:  # disk full, read-only file system while writing the manifest
        raise BadInput(f"cannot write to {out}: {exc.strerror or exc}") from exc
    from tunebench.benchmarks.cli.archive_cmds import attach_archive

    try:  # archived cells of the strategies not run now (refused early when they differ)
        attach_archive(suite, out, manifest, args)
    except BaseException:
        run.unlock()
        raise
    log.info("suite %s: %d cells (%d problems x %d strategies x %d seeds), budget %d -> %s",
             suite.name, suite.n_cells, len(suite.problems), len(suite.strategies),
             len(suite.seeds), suite.budget, out)
    from tunebench.benchmarks.plan.estimate import estimate_sentence
    from tunebench.benchmarks.reference import cache as reference_cache

    build = (reference_cache.build_cost(suite) if not args.no_report
             else reference_cache.BuildCost(0.0, 0.0))
    log.info("%s", estimate_sentence(suite, 1 if args.scheduler else args.jobs, build.seconds))
    stored = {c.id for c in runner.plan(suite)} & run.done_cells()
    extra = reference_cache.build_cells(suite) if build.table is None else 0
    progress = _Progress(suite.n_cells + (0 if args.no_report else extra), len(stored),
                         args.quiet)
    if not args.no_report:
        try:
            _reference_for_run(suite, out, args, progress)
        except OSError as exc:  # disk full while building the reference table
            run.unlock()
            progress.close()
            raise BadInput(f"cannot write the reference table: {exc.strerror or exc}") from exc
        except StoreError as exc:  # e.g. a failed reference cell
            run.unlock()
            progress.close()
            raise BadInput(str(exc)) from exc
    runner.STOP.clear()
    previous = signal.signal(signal.SIGINT, _on_stop_signal)
    previous_term = signal.signal(signal.SIGTERM, _on_stop_signal)
    try:
        with progress.logging():
            summary = runner.execute(suite, run, manifest, jobs=args.jobs,
                                     scheduler=args.scheduler, progress=progress.update,
                                     stop=runner.STOP)
        if not args.no_report:
            from tunebench.benchmarks.report import build_report

            log.info("report: %s", build_report(out))
    except KeyboardInterrupt as exc:
        progress.close()
        what = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(f"tunebench run: {what}: finished cells are stored in {out}; resume with: "
              f"{_resume_command(out)}", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except StoreError as exc:  # e.g. a link planted in the run directory while it ran
        raise BadInput(str(exc)) from exc
    except OSError as exc:  # disk full, read-only, removed directory: cells stored are kept
        raise BadInput(f"cannot write to {out}: {exc.strerror or exc} "
                       f"({getattr(exc, 'filename', None) or out}); finished cells are kept, "
                       f"free space or fix permissions, then resume: {_resume_command(out)}"
                       ) from exc
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
        run.unlock()
        progress.close()
    log.info("%d cells run, %d already stored, %d failed, %.1f s", summary.ran,
             summary.skipped, len(summary.failed), summary.seconds)
    print(out)
    if summary.failed:
        log.error("%d cell(s) failed: %s (tracebacks in %s/cells/*.error)",
                  len(summary.failed), ", ".join(sorted(summary.failed)), out)
        return EXIT_FAILED_CELLS
    return EXIT_OK


def _check_scheduler(address: str) -> None:
    """A Dask scheduler address must parse and accept a TCP connection (BadInput if not)."""
    import socket
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        host, port = parts.hostname, parts.port
    except ValueError:
        raise BadInput(f"--scheduler {address!r} is not a Dask scheduler address; expected "
                       "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786") from None
    if parts.scheme not in ("tcp", "tls") or not host or port is None or parts.path:
        raise BadInput(f"--scheduler {address!r} is not a Dask scheduler address; expected "
                       "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786")
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise BadInput(f"--scheduler {address}: cannot connect ({exc.strerror or exc}); is "
                       "the Dask scheduler running there?") from exc


class _Progress:
    """A tqdm bar on a terminal; periodic log lines otherwise (readable CI logs).

    Rates count only the cells run now: cells already stored when a run resumes are the
    bar's starting point, not work done in no time.
    """

    def __init__(self, total: int, stored: int, quiet: bool) -> None:
        import time

        self.total, self.stored, self.quiet = total, stored, quiet
        self.done = stored
        self.start = time.perf_counter()
        self.trials = 0
        self.bar = None
        self.last_logged = stored
        if sys.stderr.isatty() and not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=stored, unit="cell", dynamic_ncols=True)

    def logging(self) -> Any:
        """Route log lines through the bar so that they do not print over it."""
        import contextlib

        if self.bar is None:
            return contextlib.nullcontext()
        from tqdm.contrib.logging import logging_redirect_tqdm

        return logging_redirect_tqdm()

    def update(self, result: Any, done: int = 0, total: int = 0) -> None:
        """One more cell finished (of the reference build or of the run: the bar covers
        both; its own count, so ``done`` and ``total`` of each stage are not needed)."""
        import time

        elapsed = max(time.perf_counter() - self.start, 1e-9)
        self.trials += len(result.records)
        self.done += 1
        done, total = self.done, self.total
        ran = done - self.stored
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"{self.trials} trials, {self.trials / elapsed:.1f} "
                                     "trials/s", refresh=False)
            return
        step = max(1, total // 20)
        if not self.quiet and (done - self.last_logged >= step or done == total):
            self.last_logged = done
            log.info("%d/%d cells (%.0f%%; %d run now, %d trials, %.1f trials/s), %.0f s "
                     "elapsed", done, total, 100 * done / total, ran, self.trials,
                     self.trials / elapsed, elapsed)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()



def _reference_for_run(suite: Any, out: Path, args: argparse.Namespace,
                       progress: _Progress) -> None:
    """Find or build the run's reference table and record the run's signatures; the build's
    cells count on the run's progress line."""
    from tunebench.benchmarks.reference import tables as reference

    table = reference.find(suite)
    if table is None:
        log.info("building the reference table of suite %s (once; cached, and reused by "
                 "any suite it covers)", suite.name)
        with progress.logging():
            table = reference.ensure(suite, jobs=args.jobs, scheduler=args.scheduler,
                                     progress=progress.update)
    reference.record_run(out, suite, table)


def cmd_reference(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.reference import tables as reference
    from tunebench.benchmarks.store.rundir import StoreError

    suite = _load_suite(args)
    n = args.samples or reference.default_samples(suite.budget)
    campaign = _campaign(args.campaign, reference.CAMPAIGN)
    factor = args.campaign_factor or reference.CAMPAIGN_FACTOR
    key = reference.spec_key(suite, n, campaign, factor)
    out = args.out or reference.cache_dir() / key
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out} is a file, not a directory; choose another --out")
    if args.scheduler:
        _check_scheduler(args.scheduler)
    try:
        table = reference.build(suite, out, samples=n, jobs=args.jobs, scheduler=args.scheduler,
                                campaign=campaign, factor=factor)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    except OSError as exc:
        raise BadInput(f"cannot write the reference table in {out}: {exc.strerror or exc}; "
                       "choose another --out or free space") from exc
    print(f"{table.path} (hash {table.hash})")
    return EXIT_OK


def _campaign(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """``--campaign``: 'none', or strategies that resolve (checked before any work)."""
    from tunebench.strategies.registry import StrategyNotFound, resolve

    if value is None:
        return default
    if value.strip() == "none":
        return ()
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    if not names:
        raise BadInput(f"--campaign {value!r}: expected comma-separated strategies or 'none'")
    for name in names:
        try:
            resolve(name)
        except StrategyNotFound as exc:
            raise BadInput(f"--campaign: {exc}") from exc
    return names


def cmd_validate(args: argparse.Namespace) -> int:
    if Path(args.suite).is_dir():
        return _validate_run(Path(args.suite))
    suite = _load_suite(args)
    print(f"{args.suite}: valid suite {suite.name!r}: {len(suite.problems)} problems x "
          f"{len(suite.strategies)} strategies x {len(suite.seeds)} seeds"
          + (f" x {len(suite.protocol_names)} protocols" if len(suite.protocol_names) > 1 else "")
          + (f" x workers {list(suite.worker_counts)} ({suite.parallel})" if suite.parallel
             else "")
          + (f" x {len(suite.size_names)} training sizes" if len(suite.size_names) > 1 else "")
          + f" = {suite.n_cells} "
          f"cells of {suite.budget} evaluations")
    return EXIT_OK


def _validate_run(path: Path) -> int:
    """``validate RUN_DIR``: the manifest and every cell file of a stored run."""
    from tunebench.benchmarks.execution.runner import describe_bad, verify_run
    from tunebench.benchmarks.store.rundir import RunDir, StoreError

    try:
        bad = verify_run(path)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    if bad:
        raise BadInput(f"{len(bad)} bad file(s): {describe_bad(bad)}; run "
                       f"`{_resume_command(path)}` to move them aside and rerun or rebuild "
                       "them")
    run = RunDir(path)
    print(f"{path}: valid run: {len(run.cell_files())} cell files verified, "
          f"{len(run.failed_cells())} failed cells")
    return EXIT_OK


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


def cmd_report(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.report import build_report
    from tunebench.benchmarks.execution.runner import describe_bad, verify_run
    from tunebench.benchmarks.store.rundir import StoreError

    from tunebench.benchmarks.cli.archive_cmds import report_inputs

    report_inputs(args)  # bundles: verified and unpacked
    _check_report_out(args.out, args.force)
    if args.out is None:
        _check_report_dir(args.run_dirs[0])
    try:
        for run_dir in args.run_dirs:
            bad = verify_run(run_dir)
            if bad:
                raise BadInput(f"refusing to report {run_dir}: bad file(s): "
                               f"{describe_bad(bad)}; run `{_resume_command(run_dir)}` to "
                               "move them aside and rerun or rebuild them")
        index = build_report(list(args.run_dirs), args.out)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    except OSError as exc:  # --out not creatable, disk full, read-only
        raise BadInput(f"cannot write the report: {exc.strerror or exc} "
                       f"({getattr(exc, 'filename', None) or args.out})") from exc
    print(index)
    return EXIT_OK


def cmd_nullcheck(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.cli.nullcheck import run_nullcheck
    from tunebench.benchmarks.store.rundir import StoreError

    try:
        for line in run_nullcheck(args.run_dir, args.resalt or 0, args.jobs, args.out):
            print(line)
    except (StoreError, ValueError) as exc:
        raise BadInput(str(exc)) from exc
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    if args.what == "strategies":
        from tunebench.strategies.flatten import mode_of
        from tunebench.strategies.registry import BUILTINS, missing_requirement

        rows = [(n, c.library, c.library_version(), getattr(c, "parallel", "fallback"),
                 mode_of(c),
                 f"not available: needs the optional package {missing_requirement(c)}"
                 if missing_requirement(c) else _plain((c.__doc__ or "").strip().splitlines()[0]))
                for n, c in BUILTINS.items()]
        _table(["strategy", "library", "version", "parallel", "conditional", "description"],
               rows)
    elif args.what == "problems":
        from tunebench.benchmarks.plan.estimate import measured_costs
        from tunebench.problems.catalogue import PROBLEMS, available

        costs = measured_costs()
        col = ("measured_seconds_per_eval" if "measured_seconds_per_eval" in costs
               else "seconds_per_eval")
        sec = dict(zip(costs["problem"], costs[col].fillna(costs["seconds_per_eval"]),
                       strict=True))
        rows = [(n, p.task, p.metric, len(p.space),
                 "conditional" if p.space.is_conditional else "flat", "slow" if p.slow else "",
                 f"{sec[n]:.3g}" if n in sec and sec[n] == sec[n] else "",
                 "" if available(p) else "needs extra 'data'") for n, p in PROBLEMS.items()]
        _table(["problem", "task", "metric", "dims", "space", "cost", "s/eval", "availability"],
               rows)
    elif args.what == "metrics":
        from tunebench.problems.metrics import METRICS

        rows = [(m.name, m.task, m.needs.value, m.ideal, m.description)
                for m in METRICS.values()]
        _table(["metric", "task", "needs", "ideal", "description"], rows)
    elif args.what == "datasets":
        from tunebench.problems.datasets import DATASETS

        rows = [(d.name, d.task, d.rows, d.features, d.licence, d.source,
                 "" if d.available else f"needs {d.extra}") for d in DATASETS.values()]
        _table(["dataset", "task", "rows", "features", "licence", "source", "availability"],
               rows)
    else:
        from tunebench.benchmarks.plan.suite import builtin_suites, load

        rows = []
        for name in sorted(builtin_suites()):
            s = load(name)
            rows.append((name, s.n_cells, s.budget, len(s.seeds), s.description))
        _table(["suite", "cells", "budget", "seeds", "description"], rows)
    return EXIT_OK


def _plain(text: str) -> str:
    """A docstring line without reST markup: ``:class:`x``` and ````x```` become x."""
    return re.sub(r"(:\w+:)?`+([^`]*)`+", r"\2", text)


def _table(header: list[str], rows: list[tuple[Any, ...]]) -> None:
    cells = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for i, r in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def cmd_check_strategy(args: argparse.Namespace) -> int:
    from tunebench.strategies.conformance import check_strategy
    from tunebench.strategies.registry import StrategyNotFound, resolve

    try:
        cls = resolve(args.strategy)
    except StrategyNotFound as exc:
        raise BadInput(str(exc)) from exc
    from tunebench.benchmarks.plan.options import OptionError, check_options

    options = dict(args.option)
    try:
        check_options(cls, args.strategy, options, budget=args.budget)
    except OptionError as exc:
        raise BadInput(f"--option: {exc}") from exc
    report = check_strategy(cls, budget=args.budget, options=options,
                            timeout=args.timeout if args.timeout > 0 else None)
    for name, ok, detail in report.checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""))
    return EXIT_OK if report.passed else EXIT_FAILED_CELLS


def _plugins_from_cwd() -> None:
    """Let suites name plug-in modules of the current directory, as ``python -m`` would.

    Appended, not prepended: a folder of the user's named like one of ours (``benchmarks``)
    must not shadow tunebench. Worker processes inherit this path.
    """
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)


COMMANDS = {"run": cmd_run, "reference": cmd_reference, "validate": cmd_validate, "report": cmd_report, "list": cmd_list, "nullcheck": cmd_nullcheck,
            "check-strategy": cmd_check_strategy}


def _commands() -> dict[str, Any]:
    from tunebench.benchmarks.cli.archive_cmds import COMMANDS as ARCHIVE_COMMANDS

    return {**COMMANDS, **ARCHIVE_COMMANDS}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # -h, or a one-line argument error (exit 2)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    _setup_logging(args.verbose, args.quiet)
    _plugins_from_cwd()
    try:
        return _commands()[args.command](args)
    except BadInput as exc:
        print(f"tunebench {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (``tunebench list | head``): no traceback, and no second
        # error when Python flushes stdout at exit (the recipe of the ``signal`` docs).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
