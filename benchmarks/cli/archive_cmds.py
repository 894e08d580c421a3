"""Commands around shipped and shared runs: ``archive-baselines``, ``archive``, ``verify``,
``compare``; and the ``run`` hook that takes archived baseline cells instead of rerunning
them (``--no-archive`` turns it off)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunebench.benchmarks.store.manifest_types import Manifest

log = logging.getLogger("tunebench")


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """The subcommands of this module, added to the ``tunebench`` parser."""
    from tunebench.benchmarks.cli._common import _positive

    ab = sub.add_parser("archive-baselines", parents=[common],
                        help="rebuild a suite's shipped baseline archive (resumable)",
                        description="Run a suite file as it stands (every strategy and seed) "
                        "and write its archive: the baseline cells that `tunebench run SUITE "
                        "--strategies NEW` reuses instead of rerunning.")
    ab.add_argument("suite", help="built-in suite name or TOML path")
    ab.add_argument("--out", type=Path, help="archive directory (default: the package's "
                    "benchmarks/archive/<suite>/)")
    ab.add_argument("--work", type=Path, help="run directory of the baseline run (default: "
                    "results/archive-work/<suite>/; rerun to resume)")
    ab.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1)
    ab.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask cluster")

    b = sub.add_parser("archive", parents=[common],
                       help="pack a finished run into one citable, checksummed bundle",
                       description="Write RUN_DIR as one .tar.gz bundle: trials, manifest, "
                       "report, references.bib, CITATION.cff and a SHA-256 list of every "
                       "file. Prints the bundle and its hash (cite the run by it).")
    b.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    b.add_argument("--out", type=Path, help="bundle file (default: RUN_DIR.tar.gz)")
    b.add_argument("--author", action="append", default=[], metavar="NAME",
                   help="an author of the run for CITATION.cff (repeatable)")

    vf = sub.add_parser("verify", parents=[common], help="check a bundle's checksums",
                        description="Check every byte of a bundle written by `tunebench "
                        "archive`; exits 1 naming the damaged file.")
    vf.add_argument("bundle", type=Path, metavar="BUNDLE")

    c = sub.add_parser("compare", parents=[common],
                       help="regression gate: is a strategy significantly worse than a baseline?",
                       description="The paired comparison of the control analysis (exact "
                       "Wilcoxon signed-rank over problems, Holm over every strategy of the "
                       "run against the baseline). Exits 1 when STRATEGY is significantly "
                       "worse than BASELINE, else 0.")
    c.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN",
                   help="run directories or bundles (a run's archived cells are included)")
    c.add_argument("--strategy", required=True, help="the strategy under test")
    c.add_argument("--baseline", required=True, help="the strategy it must not be worse than")
    c.add_argument("--alpha", type=float, default=0.05,
                   help="significance level after Holm (default 0.05)")


def add_run_flag(run_parser: argparse.ArgumentParser) -> None:
    run_parser.add_argument("--no-archive", action="store_true",
                            help="run every strategy here, even those whose cells the "
                            "suite's archive holds")


def attach_archive(suite: Any, out: Path, manifest: Manifest,
                   args: argparse.Namespace) -> None:
    """Before a run's cells: take the archived cells of strategies it does not run."""
    from tunebench.benchmarks.cli._common import BadInput
    from tunebench.benchmarks.publish.archive import ArchiveMismatch, attach, find

    if getattr(args, "no_archive", False):
        return
    try:
        used = attach(suite, out, manifest)
    except ArchiveMismatch as exc:
        raise BadInput(str(exc)) from exc
    if used is not None:
        log.info("archived (not rerun): %s from the %s archive (hash %s, tunebench %s)",
                 ", ".join(used.strategies), used.archive.suite["name"], used.archive.hash,
                 used.archive.info.get("libraries", {}).get("tunebench"))
    elif args.strategies and find(suite.name) is None:
        log.warning("no archive of suite %s: only %s run; run without --strategies for "
                    "the baselines", suite.name, ", ".join(suite.strategies))


def cmd_archive_baselines(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.cli._common import EXIT_OK, BadInput, _load_suite
    from tunebench.benchmarks.publish import archive_build
    from tunebench.benchmarks.store.rundir import StoreError

    suite = _load_suite(args)
    out = args.out or archive_build.default_out(suite)
    try:
        archive = archive_build.build(suite, out, work=args.work or
                                      archive_build.default_work(suite), jobs=args.jobs,
                                      scheduler=args.scheduler)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    print(f"{archive.path} (hash {archive.hash})")
    return EXIT_OK


COMMANDS = {"archive-baselines": cmd_archive_baselines}


def run_dir_of(path: Path) -> Path:
    """A run directory, or the unpacked run of a bundle (verified first)."""
    from tunebench.benchmarks.cli._common import BadInput
    from tunebench.benchmarks.publish.bundle import extract, is_bundle
    from tunebench.benchmarks.store.rundir import StoreError

    if not is_bundle(path):
        return path
    try:
        return extract(path)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc


def report_inputs(args: argparse.Namespace) -> None:
    """``tunebench report BUNDLE``: report the bundle's run, by default into
    ``<bundle>-report/`` beside it (the bundle itself is never modified)."""
    from tunebench.benchmarks.publish.bundle import SUFFIXES, is_bundle

    first = args.run_dirs[0]
    if args.out is None and is_bundle(first):
        stem = next(first.name[: -len(s)] for s in SUFFIXES if first.name.endswith(s))
        args.out = first.with_name(f"{stem}-report")
    args.run_dirs = [run_dir_of(p) for p in args.run_dirs]


def cmd_archive(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.cli._common import EXIT_OK, BadInput
    from tunebench.benchmarks.publish.bundle import write
    from tunebench.benchmarks.store.rundir import StoreError

    try:
        path, digest = write(args.run_dir, args.out, args.author)
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    except OSError as exc:
        raise BadInput(f"cannot write the bundle: {exc.strerror or exc} "
                       f"({getattr(exc, 'filename', None) or args.out})") from exc
    print(f"{path}\nbundle hash sha256:{digest}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.cli._common import EXIT_FAILED_CELLS, EXIT_OK
    from tunebench.benchmarks.publish.bundle import verify

    v = verify(args.bundle)
    if not v.ok:
        for problem in v.problems:
            print(f"FAIL  {problem}")
        return EXIT_FAILED_CELLS
    print(f"{args.bundle}: OK, {len(v.files)} files verified\nbundle hash sha256:{v.digest}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from tunebench.benchmarks.analysis.gate import regression_gate
    from tunebench.benchmarks.analysis.summary import load, summarise
    from tunebench.benchmarks.cli._common import EXIT_FAILED_CELLS, EXIT_OK, BadInput
    from tunebench.benchmarks.store.rundir import StoreError

    if not 0 < args.alpha < 1:
        raise BadInput(f"--alpha must be between 0 and 1, got {args.alpha}")
    try:
        s = summarise(load([run_dir_of(p) for p in args.run_dirs]))
    except StoreError as exc:
        raise BadInput(str(exc)) from exc
    if s.empty:
        raise BadInput("the run(s) have no successful trial to compare")
    scored = s.reference is not None and s.final["score_test"].notna().any()
    value = "score_test" if scored else "inc_test"
    try:
        gate = regression_gate(s.final, args.strategy, args.baseline, value, args.alpha)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    for line in gate.lines():
        print(line)
    return EXIT_FAILED_CELLS if gate.worse else EXIT_OK


COMMANDS.update({"archive": cmd_archive, "verify": cmd_verify, "compare": cmd_compare})
