"""What :func:`~benchmarks.analysis.summary.summarise` reads, loaded from disk in one place.

:func:`load` reads the stored trials, manifests and failed cells of one or more runs (with
the archived cells each one uses), refuses runs that cannot be reported together, and finds
the reference table the runs recorded (checked against their signatures), read into memory.
Everything after it is a pure function of the :class:`Inputs` it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tunebench.benchmarks.plan.cells import all_cells
from tunebench.benchmarks.reference import runs as reference_runs
from tunebench.benchmarks.reference.tables import ReferenceTable, of_protocol
from tunebench.benchmarks.store.archived import with_archived
from tunebench.benchmarks.store.manifest import problem_differences
from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.store.rundir import RunDir, StoreError, read_trials
from tunebench.problems.base import Status

#: Suite keys that must agree for runs to be reported together.
PROTOCOL = ("budget", "folds", "test_fraction", "start_from_default", "protocols", "metric")
#: Trial columns no statistic uses, not read (on millions of rows they would be most of
#: the memory: a JSON string and a list object per trial).
NOT_ANALYSED = ("params", "fold_losses")
#: Label columns read as categoricals: on a paper-sized run, factorising these strings
#: again in every group-by was a tenth of the report's time.
LABELS = ("suite", "problem", "strategy", "metric", "status", "protocol")


@dataclass(frozen=True)
class References:
    """The reference table of runs reported together, read into memory: its identity
    (``table``; None when there is none, ``note`` says why), its whole sample and L*
    frames, and whether every run recorded signatures that were checked against it."""

    table: ReferenceTable | None = None
    note: str = ""
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    lstar: pd.DataFrame = field(default_factory=pd.DataFrame)
    signed: bool = False

    def sample_of(self, protocol: str | None, n_train: int | None) -> pd.DataFrame:
        """The reference sample of one validation protocol and training size."""
        return of_protocol(self.sample, protocol, n_train).copy()

    def lstar_of(self, protocol: str | None, n_train: int | None) -> pd.DataFrame:
        """L* per (problem, seed) of one validation protocol and training size."""
        return of_protocol(self.lstar, protocol, n_train).copy()


@dataclass
class Inputs:
    """The stored trials and manifests of one or more runs, as read from disk."""

    trials: pd.DataFrame
    manifests: list[Manifest]
    failed_cells: dict[str, str] = field(default_factory=dict)
    #: The run directories read (the reference table each run recorded is found there).
    run_dirs: list[Path] = field(default_factory=list)
    #: Their reference table (none: no normalised scores).
    references: References = field(default_factory=References)

    @property
    def manifest(self) -> Manifest:
        return self.manifests[0]


def load(run_dirs: list[str | Path]) -> Inputs:
    """Read and combine runs (with the archived cells each one uses) and their reference
    table; refuse (StoreError) when their protocols or reference tables differ."""
    run_dirs = list(with_archived(run_dirs))
    frames, manifests, failed = [], [], {}
    for d in run_dirs:
        run = RunDir(d)
        if not run.exists():
            raise StoreError(f"{d}: no manifest.json; is it a tunebench run directory?")
        manifests.append(run.read_manifest())
        frames.append(read_trials(d, skip=NOT_ANALYSED, categorical=LABELS))
        failed.update(run.failed_cells())
    _check_protocols(run_dirs, manifests)
    trials = sorted_categories(pd.concat(frames, ignore_index=True))
    _check_combinable(trials, manifests, failed)
    dirs = [Path(d) for d in run_dirs]
    return Inputs(trials, manifests, failed, dirs, load_references(dirs, manifests, trials))


def sorted_categories(trials: pd.DataFrame) -> pd.DataFrame:
    """``trials`` with its :data:`LABELS` columns categorical, categories in lexical order:
    sorting and grouping by them then order as by the strings (frames of several runs concat
    to strings when their categories differ; they are made categorical again here)."""
    for c in LABELS:
        if c not in trials.columns:
            continue
        col = trials[c] if isinstance(trials[c].dtype, pd.CategoricalDtype) else (
            trials[c].astype("category"))
        cats = col.cat.categories
        if not cats.is_monotonic_increasing:
            col = col.cat.reorder_categories(sorted(cats))
        trials[c] = col
    return trials


def _check_protocols(run_dirs: list[str | Path], manifests: list[Manifest]) -> None:
    """StoreError unless every run has the first one's protocol and problems."""
    first = manifests[0].to_dict()["suite"]
    for d, m in zip(run_dirs[1:], manifests[1:], strict=True):
        other = m.to_dict()["suite"]
        diffs = [f"{k}: {first.get(k)!r} vs {other.get(k)!r}" for k in PROTOCOL
                 if first.get(k) != other.get(k)]
        if diffs:
            raise StoreError(f"cannot report {run_dirs[0]} and {d} together: their protocols "
                             f"differ ({'; '.join(diffs)})")
        diffs = problem_differences(manifests[0], m)
        if diffs:
            raise StoreError(f"cannot report {run_dirs[0]} and {d} together: {diffs[0]}")


def load_references(run_dirs: list[Path], manifests: list[Manifest],
                    trials: pd.DataFrame) -> References:
    """The runs' reference table, checked against their signatures and read whole; not
    looked for when no trial succeeded (nothing is scored then)."""
    if trials.empty or not (trials["status"] == Status.OK).any():
        return References(note="no trial succeeded")
    table, note = reference_runs.for_runs(run_dirs, manifests)
    if table is None:
        return References(note=note)
    signed = bool(run_dirs) and all((d / "signatures.parquet").exists() for d in run_dirs)
    return References(table, note, table.sample(), table.lstar(), signed)


def _check_combinable(trials: pd.DataFrame, manifests: list[Manifest],
                      failed: dict[str, str]) -> None:
    dup = trials.duplicated(["problem", "strategy", "seed", "trial"]
                            + (["protocol"] if "protocol" in trials else [])
                            + (["workers"] if "workers" in trials else [])
                            + (["n_train"] if "n_train" in trials else []))
    if dup.any():
        row = trials[dup].iloc[0]
        raise StoreError(f"the runs overlap: strategy {row['strategy']!r} on {row['problem']!r} "
                         f"seed {row['seed']} appears in more than one run")
    seeds = _seeds_with_failed(trials, manifests, failed)
    for problem, g in seeds.groupby(level=0):
        if g.nunique() > 1:
            raise StoreError(f"cannot report these runs together: on {problem!r} the strategies "
                             f"were run with different seeds {sorted(set(g))}")


def _seeds_with_failed(trials: pd.DataFrame, manifests: list[Manifest],
                       failed: dict[str, str]) -> pd.Series:
    """Seeds per (problem, strategy), counting failed cells (they have no trials): every
    cell each manifest's suite plans (with its protocol, worker-count and training-size
    axes, :func:`~benchmarks.plan.cells.all_cells`) whose id is among ``failed``."""
    cells = trials[["problem", "strategy", "seed"]].drop_duplicates()  # a set per cell, once
    seeds = cells.groupby(["problem", "strategy"], observed=True)["seed"].apply(set)
    every = set(cells["seed"])
    for m in manifests:
        names = {spec: n for n, spec in m.strategy_specs().items()}
        s = m.suite
        for c in all_cells(s.problems, s.strategies, sorted(every), s.protocols, s.workers,
                           [str(x) for x in s.train_sizes]):
            key = (c.problem, names.get(c.strategy, c.strategy))
            if c.id in failed and key in seeds.index:
                seeds[key].add(c.seed)
    return seeds.apply(lambda s: tuple(sorted(s)))
