"""Reference tables: the frozen points 0 (R0) and 1 (L*) of the normalised score.

A table belongs to a set of problems and seeds under one protocol (folds, test fraction,
metric) and holds, per (problem, seed):

* ``sample.parquet``: ``N`` configurations drawn i.i.d. like the ``random`` strategy but from
  their own seed stream, evaluated on exactly that seed's split, folds and model seed (the
  objective ``problem.bind(seed, folds=..., test_fraction=...)`` that every cell uses), with
  every column the trial records carry (all metrics). R0 is computed from it exactly by the
  analysis (:func:`benchmarks.analysis.normalise.reference_curves`).
* ``lstar.parquet``: ``L*`` on validation and test: the known optimum of a synthetic function,
  else the best of the reference campaign (the sample plus longer runs of strong strategies):
  ``lstar_val`` the lowest validation loss, ``lstar_test`` the lowest test loss of any
  configuration it evaluated (the best test loss known, so R0_test - L*_test > 0 and test
  scores stay defined); ``val_best_test`` keeps the test loss of the validation-best one.
* ``signatures.parquet``: losses of 5 configurations per problem drawn with a fixed seed
  (Bayesmark's idea), evaluated per seed; a run records the same and the report refuses a
  table whose signatures differ (a changed library, objective or search space).
* ``provenance.json``: versions, N, campaign, date and a content hash.

The sample and campaign are ordinary runs (same runner and store as ``tunebench run``) in
``<table>/work/``, so building is resumable and parallel like a run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from tunebench.benchmarks.reference.signatures import signatures
from tunebench.benchmarks.store.rundir import StoreError, read_trials
from tunebench.benchmarks.store.schema import TIMING
from tunebench.benchmarks.plan.suite import Suite
from tunebench.problems.base import Status
from tunebench.problems.space import Config, SearchSpace
from tunebench.strategies.base import Strategy

log = logging.getLogger(__name__)

FORMAT = "tunebench-reference/1"
SAMPLE_STRATEGY = "tunebench.benchmarks.reference.tables:ReferenceSample"
#: N = SAMPLES_PER_BUDGET x the suite's budget: with N >= 10 t the standard error of R0 is
#: a small fraction of the spread of one random-search run (see README, references).
SAMPLES_PER_BUDGET = 10
#: Strong strategies of the L* campaign and their budget as a multiple of the suite's.
CAMPAIGN = ("optuna-tpe", "optuna-cmaes")
CAMPAIGN_FACTOR = 5
CACHE_ENV = "TUNEBENCH_REFERENCE_CACHE"


def cache_dir() -> Path:
    """Where built tables are cached: ``$TUNEBENCH_REFERENCE_CACHE`` or results/references."""
    return Path(os.environ.get(CACHE_ENV) or Path("results") / "references")

#: Trials columns the raw sample leaves out (bookkeeping and timings).
DROP = ["suite", "strategy", "trial", "fold_losses", "error", "reused", "n_warnings", *TIMING]


class ReferenceMismatch(StoreError):
    """A reference table that does not belong to the run's objectives."""


class ReferenceSample(Strategy):
    """Uniform random configurations like ``random``, from an independent stream.

    The harness gives every strategy ``derive_seed(seed, "strategy", problem)``; this mixes
    in a fixed key so the sample never repeats the ``random`` strategy's draws.
    """

    name = "reference-sample"
    library = "numpy"

    def __init__(self, space: SearchSpace, seed: int, budget: int) -> None:
        super().__init__(space, seed, budget)
        self.rng = np.random.default_rng([self.seed, zlib.crc32(b"reference")])

    def ask(self) -> Config:
        return self.space.sample(self.rng)

    def tell(self, config: Config, loss: float) -> None:
        pass


def protocol(folds: int) -> str:
    """The protocol key of k-fold CV on the training part (test fraction kept apart)."""
    return f"cv-{folds}"


def default_samples(budget: int) -> int:
    return SAMPLES_PER_BUDGET * int(budget)


def derived_suite(suite: Suite, strategies: Iterable[str], budget: int, tag: str) -> Suite:
    """The suite's problems, seeds and protocol with other strategies and budget."""
    return replace(suite, name=f"{suite.name}-{tag}", strategies=tuple(strategies),
                   budget=int(budget), start_from_default=False, options={}, reference={})


def _execute(suite: Suite, out: Path, jobs: int, scheduler: str | None,
             progress: Callable[..., None] | None) -> pd.DataFrame:
    """Run one part of a build (the sample or the campaign) as an ordinary, resumable run."""
    from tunebench.benchmarks.execution.run import SuiteRun, fixed_progress

    summary = SuiteRun(suite, out, ["tunebench", "reference", suite.name], jobs=jobs,
                       scheduler=scheduler, progress=fixed_progress(progress))()
    if summary.failed:
        raise StoreError(f"{len(summary.failed)} reference cell(s) failed: "
                         f"{sorted(summary.failed)} (tracebacks in {out}/cells); rerun to retry")
    return read_trials(out)


def lstar_table(sample: pd.DataFrame, campaign: pd.DataFrame | None,
                optima: dict[str, float | None]) -> pd.DataFrame:
    """``L*`` per (problem, seed) on validation and test; see the module doc."""
    frames = [sample] + ([campaign] if campaign is not None and len(campaign) else [])
    cols = ["problem", "seed", "metric", "status", "val_loss", "test_loss"]
    by_protocol = all("protocol" in f.columns for f in frames)
    by_size = all("n_train" in f.columns for f in frames)
    allrows = pd.concat([f[cols + (["protocol"] if by_protocol else [])
                           + (["n_train"] if by_size else [])] for f in frames],
                        ignore_index=True)
    if not by_protocol:
        allrows["protocol"] = ""
    if not by_size:
        allrows["n_train"] = pd.NA
    ok = allrows[allrows["status"] == Status.OK]
    rows = []
    for (problem, proto, n_train, seed), g in ok.groupby(["problem", "protocol", "n_train",
                                                          "seed"], sort=True, dropna=False):
        opt = optima.get(problem)
        if opt is not None and np.isfinite(opt):
            lv = lt = float(opt)
            source = "known optimum"
        else:
            lv, lt = float(g["val_loss"].min()), float(g["test_loss"].min())
            source = f"campaign best of {len(g)}"
        vbest = float(g.loc[g["val_loss"] == g["val_loss"].min(), "test_loss"].mean())
        rows.append({"problem": problem, "protocol": proto, "seed": int(seed),
                     **({} if pd.isna(n_train) or not by_size else {"n_train": int(n_train)}),
                     "metric": g["metric"].iloc[0],
                     "lstar_val": lv, "lstar_test": lt, "val_best_test": vbest,
                     "source": source})
    return pd.DataFrame(rows)


def _sample_frame(trials: pd.DataFrame, suite: Suite) -> pd.DataFrame:
    """The raw sample: keys, params and every loss column (all metrics, generically)."""
    df = trials.drop(columns=[c for c in DROP if c in trials.columns]).copy()
    if "protocol" not in df.columns:
        df.insert(1, "protocol", protocol(suite.folds))
    df = df[["problem", "protocol"] + [c for c in df.columns if c not in ("problem", "protocol")]]
    df.insert(2, "test_fraction", suite.test_fraction)
    df.insert(3, "folds", suite.folds)
    df.insert(5, "index", trials["trial"].to_numpy())
    return df.reset_index(drop=True)


def content_hash(paths: Iterable[Path]) -> str:
    """SHA-256 over the table files' bytes, in name order (the table's identity)."""
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda p: p.name):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class ReferenceTable:
    """A reference table on disk."""

    path: Path
    provenance: dict[str, Any]

    @property
    def hash(self) -> str:
        return str(self.provenance.get("content_hash", ""))

    @property
    def name(self) -> str:
        return str(self.provenance.get("name", self.path.name))

    def sample(self, protocol: str | None = None, n_train: int | None = None) -> pd.DataFrame:
        """The reference sample; of one validation protocol when ``protocol`` is given, of
        one training size when ``n_train`` is."""
        return of_protocol(pd.read_parquet(self.path / "sample.parquet"), protocol, n_train)

    def lstar(self, protocol: str | None = None, n_train: int | None = None) -> pd.DataFrame:
        """L* per (problem, seed); of one validation protocol when ``protocol`` is given
        (tables are keyed by protocol and training size; older tables hold one)."""
        return of_protocol(pd.read_parquet(self.path / "lstar.parquet"), protocol, n_train)

    def signatures(self) -> pd.DataFrame:
        return pd.read_parquet(self.path / "signatures.parquet")

    def covers(self, problems: Iterable[str], seeds: Iterable[int], folds: int,
               test_fraction: float, budget: int, metric: Any = None,
               train_sizes: Iterable[int | str] = ()) -> bool:
        """Whether this table serves a run of these problems, seeds, protocol (folds, test
        fraction, the suite's metric choice) and budget."""
        p = self.provenance
        return (p.get("format") == FORMAT and p.get("folds") == folds
                and p.get("metric") == metric
                and p.get("test_fraction") == test_fraction
                and int(p.get("samples", 0)) >= default_samples(budget)
                and set(problems) <= set(p.get("problems", []))
                and ({str(s) for s in train_sizes} or {"all"})
                <= ({str(s) for s in p.get("train_sizes") or []} or {"all"})
                and {int(s) for s in seeds} <= {int(s) for s in p.get("seeds", [])})



def of_protocol(df: pd.DataFrame, protocol: str | None,
                n_train: int | None = None) -> pd.DataFrame:
    """The rows of one validation protocol and training size (all rows for None; tables
    of one protocol or size hold all rows)."""
    if n_train is not None and "n_train" in df.columns and df["n_train"].notna().any():
        df = df[df["n_train"] == n_train].reset_index(drop=True)
    if protocol is None or "protocol" not in df.columns or (df["protocol"] == "").all():
        return df
    return df[df["protocol"] == protocol].reset_index(drop=True)


def open_table(path: str | Path) -> ReferenceTable:
    path = Path(path)
    try:
        prov = json.loads((path / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StoreError(f"{path}: not a reference table ({exc})") from exc
    return ReferenceTable(path, prov)


def shipped_dirs() -> list[Path]:
    """Reference tables shipped inside the package (``benchmarks/references/<suite>``)."""
    root = Path(str(resources.files("tunebench.benchmarks") / "references"))
    return sorted(p for p in root.iterdir() if (p / "provenance.json").exists()) \
        if root.exists() else []


def cached_dirs(cache: Path | None = None) -> list[Path]:
    cache = cache or cache_dir()
    return sorted(p for p in cache.iterdir() if (p / "provenance.json").exists()) \
        if cache.exists() else []


def find(suite: Suite, cache: Path | None = None) -> ReferenceTable | None:
    """The first shipped, then cached, table that covers the suite, or None."""
    for d in shipped_dirs() + cached_dirs(cache):
        try:
            table = open_table(d)
        except StoreError:
            continue
        if table.covers(suite.problems, suite.seeds, suite.folds, suite.test_fraction,
                        suite.budget, _metric(suite), suite.train_sizes):
            return table
    return None


def _metric(suite: Suite) -> Any:
    """The suite's metric choice (a later suite key; None when the suite has none)."""
    return suite.to_dict().get("metric")


def spec_key(suite: Suite, samples: int, campaign: tuple[str, ...], factor: int) -> str:
    """The cache directory name of a table built for this suite's problems and protocol."""
    spec = {"format": FORMAT, "problems": sorted(suite.problems), "seeds": sorted(suite.seeds),
            "folds": suite.folds, "test_fraction": suite.test_fraction, "samples": samples,
            "metric": _metric(suite),
            "campaign": list(campaign), "factor": factor, "budget": suite.budget,
            **({"train_sizes": [str(s) for s in suite.train_sizes]} if suite.train_sizes
               else {})}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def build(suite: Suite, out: Path, *, samples: int | None = None, jobs: int = 1,
          scheduler: str | None = None, campaign: tuple[str, ...] = CAMPAIGN,
          factor: int = CAMPAIGN_FACTOR,
          progress: Callable[..., None] | None = None) -> ReferenceTable:
    """Build (or resume building) the reference table of a suite into ``out``; a process
    already building it is waited for, and its table reused."""
    from tunebench.benchmarks.store import locks

    n = samples or default_samples(suite.budget)
    if n < suite.budget:
        raise StoreError(f"--samples {n} is below the suite's budget {suite.budget}")
    if out.exists() and not out.is_dir():
        raise StoreError(f"--out {out} is a file, not a directory; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = build_lock(out)
    try:
        fd = locks.acquire(lock, wait=False)
    except locks.LockBusy:
        log.warning("reference table %s is being built by PID %s: waiting for it", out,
                    lock.read_text(errors="replace").strip() or "?")
        fd = locks.acquire(lock, wait=True)
    try:
        done = _finished(out, suite, n)
        return done or _build(suite, out, n, jobs, scheduler, campaign, factor, progress)
    finally:
        os.close(fd)


def _finished(out: Path, suite: Suite, n: int) -> ReferenceTable | None:
    """The table at ``out`` if another process finished it while this one waited."""
    try:
        table = open_table(out)
    except StoreError:
        return None
    ok = table.covers(suite.problems, suite.seeds, suite.folds, suite.test_fraction,
                      suite.budget, _metric(suite))
    return table if ok and int(table.provenance.get("samples", 0)) == n else None


def _build(suite: Suite, out: Path, n: int, jobs: int, scheduler: str | None,
           campaign: tuple[str, ...], factor: int,
           progress: Callable[..., None] | None) -> ReferenceTable:
    """Build the table (the caller holds its build lock)."""
    from tunebench.benchmarks.store.manifest import library_versions, now
    from tunebench.benchmarks.store.rundir import atomic_write_bytes, atomic_write_table
    from tunebench.problems.catalogue import get_problem

    out.mkdir(parents=True, exist_ok=True)
    trials = _execute(derived_suite(suite, [SAMPLE_STRATEGY], n, "reference"),
                      out / "work" / "sample", jobs, scheduler, progress)
    optima = {p: get_problem(p).optimum for p in suite.problems}
    real = tuple(p for p in suite.problems if optima[p] is None)  # synthetic: known optimum
    camp = None
    if campaign and real:
        camp_suite = replace(derived_suite(suite, campaign, factor * suite.budget, "campaign"),
                             problems=real)
        camp = _execute(camp_suite, out / "work" / "campaign", jobs, scheduler, progress)
    tables = {"sample": _sample_frame(trials, suite), "lstar": lstar_table(trials, camp, optima),
              "signatures": signatures(suite.problems, suite.seeds, suite.folds,
                                       suite.test_fraction, suite.trial_timeout)}
    for name, df in tables.items():
        atomic_write_table(out / f"{name}.parquet", pa.Table.from_pandas(df, preserve_index=False))
    prov = {"format": FORMAT, "name": out.name, "suite": suite.name,
            "problems": sorted(suite.problems), "seeds": sorted(int(s) for s in suite.seeds),
            "folds": suite.folds, "protocol": suite.protocol_names[0], "metric": _metric(suite),
            "test_fraction": suite.test_fraction, "budget": suite.budget, "samples": n,
            "campaign": {"strategies": list(campaign), "budget": factor * suite.budget},
            "created_at": now(), "libraries": library_versions(),
            **({"train_sizes": list(suite.train_sizes)} if suite.train_sizes else {}),
            "content_hash": content_hash(out / f"{k}.parquet" for k in tables)}
    atomic_write_bytes(out / "provenance.json",
                       json.dumps(prov, indent=2, sort_keys=True).encode())
    log.info("reference table %s (hash %s): %d configurations per (problem, seed)", out,
             prov["content_hash"], n)
    return ReferenceTable(out, prov)


def ensure(suite: Suite, *, jobs: int = 1, scheduler: str | None = None,
           cache: Path | None = None, progress: Callable[..., None] | None = None) -> ReferenceTable:
    """A table covering the suite: shipped, cached, or built now into the cache."""
    table = find(suite, cache)
    if table is not None:
        return table
    cache = cache or cache_dir()
    key = spec_key(suite, default_samples(suite.budget), CAMPAIGN, CAMPAIGN_FACTOR)
    log.info("no reference table covers suite %s: building one in %s", suite.name, cache / key)
    return build(suite, cache / key, jobs=jobs, scheduler=scheduler, progress=progress)


def build_lock(out: Path) -> Path:
    """The lock file of a table being built: beside it, so that a second run building the
    same table waits for the first (then reuses its table) instead of failing on its work
    directories."""
    return out.parent / f".{out.name}.lock"
