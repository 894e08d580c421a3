"""The archive: shipped baseline runs that a new strategy is compared with, unrerun.

A suite's archive (``benchmarks/archive/<suite>/``, package data beside the reference
tables) is one finished run of every strategy of the suite file, every seed::

    archive.json        format, the suite (as its file says), each strategy's library and
                        version, every library version, when and how it was built, and a
                        content hash of the three files below
    manifest.json       the manifest of the run that produced it
    trials.parquet      every trial (zstd)
    signatures.parquet  the objectives' signatures (:mod:`benchmarks.reference.signatures`)

``tunebench archive-baselines SUITE`` rebuilds it (:mod:`benchmarks.publish.archive_build`).
A run whose strategies leave out some of the archive's (``tunebench run quick --strategies
my_module:MyTuner``) runs only its own cells; :func:`attach` first checks that the archived
cells belong to the same objectives (suite settings, metric, protocol, problem
fingerprints, signatures), refusing with one line (:class:`ArchiveMismatch`) otherwise, then
copies the archived cells of the run's problems and seeds into ``<run>/archived/`` (a run
directory of its own, so the run stays self-contained). Reports of the run include it
(:func:`~benchmarks.store.archived.with_archived`) and label its strategies as archived. A local strategy named like an
archived one replaces it: the archived cells of that name are left out.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tunebench.benchmarks.store.archived import ARCHIVED_DIR
from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.store.rundir import (
    StoreError,
    atomic_write_bytes,
    atomic_write_table,
)

log = logging.getLogger(__name__)

FORMAT = "tunebench-archive/1"
#: Extra archive locations searched before the shipped ones (``os.pathsep``-separated; each
#: an archive directory or a folder of ``<suite>/`` archives).
ENV = "TUNEBENCH_ARCHIVE"
INFO = "archive.json"
FILES = ("manifest.json", "trials.parquet", "signatures.parquet")
#: Suite keys that say which cells exist, not how any cell's objective or trials are
#: defined; every other key must agree (``options`` per archived strategy). A run whose
#: budget differs, or with problems or seeds the archive lacks, is not covered by it: the
#: archive is then not used (with a warning), not refused.
NOT_SETTINGS = ("name", "description", "strategies", "problems", "seeds", "options",
                "reference", "budget")
NO_ARCHIVE_HINT = "run the baselines locally with --no-archive (tb.run(..., archive=False))"


class ArchiveMismatch(StoreError):
    """Archived cells that do not belong to a run's objectives; the message says why."""


def content_hash(directory: Path) -> str:
    """SHA-256 (first 16 hex digits) over the archive's data files, in name order."""
    from tunebench.benchmarks.reference.tables import content_hash as files_hash

    return files_hash(directory / name for name in FILES)


@dataclass(frozen=True)
class Archive:
    """An archive directory on disk."""

    path: Path
    info: dict[str, Any]

    @property
    def suite(self) -> dict[str, Any]:
        return dict(self.info["suite"])

    @property
    def hash(self) -> str:
        return str(self.info.get("content_hash", ""))

    @property
    def strategies(self) -> dict[str, dict[str, Any]]:
        """Strategy name (as trials record it) -> spec, library and version."""
        return dict(self.info.get("strategies", {}))

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest.from_dict(
            json.loads((self.path / "manifest.json").read_text(encoding="utf-8")))

    def signatures(self) -> pd.DataFrame:
        return pd.read_parquet(self.path / "signatures.parquet")

    def corrupt(self) -> str | None:
        """Why the archive's files do not match its content hash (None when they do)."""
        missing = [n for n in FILES if not (self.path / n).exists()]
        if missing:
            return f"{self.path} lacks {missing}"
        got = content_hash(self.path)
        return None if got == self.hash else (
            f"{self.path}: its files hash to {got}, its archive.json says {self.hash}")


def open_archive(path: str | Path) -> Archive:
    path = Path(path)
    try:
        info = json.loads((path / INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: not a tunebench archive ({exc})") from exc
    if info.get("format") != FORMAT or not isinstance(info.get("suite"), dict):
        raise StoreError(f"{path}: not a {FORMAT} archive (format {info.get('format')!r})")
    return Archive(path, info)


def shipped_root() -> Path:
    """The folder of the archives shipped inside the package."""
    return Path(str(resources.files("tunebench.benchmarks") / "archive"))


def _candidates(name: str) -> list[Path]:
    extra = [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p]
    dirs = []
    for root in [*extra, shipped_root()]:
        dirs += [root] if (root / INFO).exists() else [root / name]
    return [d for d in dirs if (d / INFO).exists()]


def find(suite_name: str) -> Archive | None:
    """The archive of the suite named ``suite_name`` ($TUNEBENCH_ARCHIVE first), or None."""
    for d in _candidates(suite_name):
        archive = open_archive(d)
        if archive.suite.get("name") == suite_name:
            return archive
    return None


def shipped() -> dict[str, Archive]:
    """Suite name -> the archive shipped for it."""
    root = shipped_root()
    dirs = sorted(p for p in root.iterdir() if (p / INFO).exists()) if root.is_dir() else []
    return {d.name: open_archive(d) for d in dirs}


def suite_differences(archived: dict[str, Any], current: dict[str, Any],
                      strategies: Iterable[str] = ()) -> list[str]:
    """Settings that differ between the archive's suite and ``current``, one line each;
    ``strategies`` (specs) are the archived strategies whose options must agree."""
    keys = sorted((set(archived) | set(current)) - set(NOT_SETTINGS))
    out = [f"{k}: archived {archived.get(k)!r}, here {current.get(k)!r}"
           for k in keys if archived.get(k) != current.get(k)]
    for spec in strategies:
        a = (archived.get("options") or {}).get(spec, {})
        b = (current.get("options") or {}).get(spec, {})
        if a != b:
            out.append(f"options of {spec}: archived {a!r}, here {b!r}")
    return out


def coverage_gap(archived: dict[str, Any], current: dict[str, Any]) -> str:
    """Why the archive does not cover this run's cells ("" when it does): another budget,
    or problems or seeds it lacks."""
    out = []
    if archived.get("budget") != current.get("budget"):
        out.append(f"budget {current.get('budget')} (archived: {archived.get('budget')})")
    missing = [p for p in current["problems"] if p not in archived["problems"]]
    if missing:
        out.append(f"problems {missing} (not archived)")
    seeds = [s for s in current["seeds"] if s not in archived["seeds"]]
    if seeds:
        out.append(f"seeds {seeds} (archived: {archived['seeds']})")
    return "; ".join(out)


def _library_hint(archive: Archive, manifest: Manifest) -> str:
    """The key libraries whose versions differ between the archive and this run."""
    from tunebench.benchmarks.store.manifest import KEY_LIBRARIES

    a = archive.info.get("libraries", {})
    b = manifest.libraries
    diffs = [f"{n} {a.get(n)} archived vs {b.get(n)} here" for n in KEY_LIBRARIES
             if n != "tunebench" and a.get(n) != b.get(n)]
    return f" (library versions differ: {', '.join(diffs)})" if diffs else ""


def check(archive: Archive, suite: dict[str, Any], manifest: Manifest,
          run_signatures: pd.DataFrame, specs: Iterable[str]) -> None:
    """Raise :class:`ArchiveMismatch` (one line) unless the archived cells of ``specs``
    belong to this run's objectives: same settings, metric and protocol (see
    :data:`NOT_SETTINGS`), the same problem fingerprints and signatures."""
    from tunebench.benchmarks.reference.signatures import signature_differences
    from tunebench.benchmarks.store.manifest import problem_differences

    where = f"the archived baselines of suite {archive.suite['name']!r} (hash {archive.hash})"
    why = archive.corrupt()
    reasons = [why] if why else suite_differences(archive.suite, suite, specs)
    if not reasons:
        reasons = problem_differences(archive.manifest, manifest)
    if not reasons:
        keep = run_signatures[["problem", "seed"]].drop_duplicates()
        stored = archive.signatures().merge(keep)
        sig = signature_differences(stored, run_signatures)
        if sig:
            reasons = [f"{len(sig)} signature(s) differ, e.g. {sig[0]}: the objectives "
                       f"changed{_library_hint(archive, manifest)}"]
    if reasons:
        raise ArchiveMismatch(f"cannot use {where}: {reasons[0]}"
                              + (f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else "")
                              + f"; {NO_ARCHIVE_HINT}")


@dataclass(frozen=True)
class Attached:
    """What a run takes from the archive."""

    archive: Archive
    strategies: tuple[str, ...]
    path: Path
    trials: int


def local_names(specs: Iterable[str]) -> set[str]:
    """The names the trials of these strategy specs carry (a plug-in's ``name``)."""
    from tunebench.strategies.registry import resolve

    return {resolve(s).name for s in specs} | set(specs)


def attach(suite: Any, run_dir: Path, manifest: Manifest,
           run_signatures: pd.DataFrame | None = None) -> Attached | None:
    """Copy into ``run_dir/archived/`` the archived cells of the strategies this run does
    not run itself (None when there are none or no archive); check them first
    (:class:`ArchiveMismatch`). ``run_signatures`` default: ``run_dir/signatures.parquet``,
    computed (and written there) when the run has none yet."""
    archive = find(suite.name)
    if archive is None:
        return None
    mine = local_names(suite.strategies)
    take = {n: v for n, v in archive.strategies.items() if n not in mine}
    if not take:
        return None
    current = suite.to_dict()
    gap = coverage_gap(archive.suite, current)
    if gap:
        log.warning("the archive of suite %s does not cover this run (%s): archived "
                    "strategies %s are not included; only %s run", suite.name, gap,
                    ", ".join(sorted(take)), ", ".join(suite.strategies))
        return None
    if run_signatures is None:
        run_signatures = _run_signatures(suite, run_dir)
    check(archive, current, manifest, run_signatures, [v["spec"] for v in take.values()])
    target = run_dir / ARCHIVED_DIR
    target.mkdir(exist_ok=True)
    rows = _write_trials(archive, target, sorted(take), current)
    sig = archive.signatures().merge(run_signatures[["problem", "seed"]].drop_duplicates())
    atomic_write_table(target / "signatures.parquet",
                       pa.Table.from_pandas(sig, preserve_index=False))
    atomic_write_bytes(target / "manifest.json", json.dumps(
        _archived_manifest(archive, take, current).to_dict(), indent=2, sort_keys=True,
        default=str).encode())
    log.info("using %d archived strategies (%s) of archive %s (hash %s): %d trials",
             len(take), ", ".join(sorted(take)), archive.path, archive.hash, rows)
    return Attached(archive, tuple(sorted(take)), target, rows)


def _run_signatures(suite: Any, run_dir: Path) -> pd.DataFrame:
    from tunebench.benchmarks.reference.signatures import signatures

    path = run_dir / "signatures.parquet"
    if path.exists():
        return pd.read_parquet(path)
    sig = signatures(suite.problems, suite.seeds, suite.folds, suite.test_fraction)
    atomic_write_table(path, pa.Table.from_pandas(sig, preserve_index=False))
    return sig


def _write_trials(archive: Archive, target: Path, names: list[str],
                  current: dict[str, Any]) -> int:
    table = pq.read_table(archive.path / "trials.parquet")
    mask = pc.and_(pc.and_(pc.is_in(table["strategy"], pa.array(names)),
                           pc.is_in(table["problem"], pa.array(current["problems"]))),
                   pc.is_in(table["seed"], pa.array(current["seeds"], pa.int64())))
    table = table.filter(mask)
    atomic_write_table(target / "trials.parquet", table)
    return table.num_rows


def _archived_manifest(archive: Archive, take: dict[str, dict[str, Any]],
                       current: dict[str, Any]) -> Manifest:
    """The archive's manifest narrowed to the cells taken, with an ``archive`` block."""
    m = archive.manifest.to_dict()
    m["run_id"] = f"{archive.suite['name']} archive {archive.hash}"
    m["suite"] = dict(archive.suite, strategies=[v["spec"] for _, v in sorted(take.items())],
                      problems=list(current["problems"]), seeds=list(current["seeds"]))
    m["strategies"] = {n: v for n, v in m.get("strategies", {}).items() if n in take}
    m["problems"] = {n: v for n, v in m.get("problems", {}).items() if n in current["problems"]}
    m["archive"] = {"suite": archive.suite["name"], "hash": archive.hash,
                    "path": str(archive.path), "created_at": archive.info.get("created_at"),
                    "tunebench": archive.info.get("libraries", {}).get("tunebench"),
                    "strategies": {n: take[n] for n in sorted(take)}}
    return Manifest.from_dict(m)
