"""Suites: TOML files that say what to run, validated before any work starts.

A suite file looks like this (every key is checked; unknown keys are errors)::

    name = "quick"
    description = "Synthetic functions and two tiny real problems."
    budget = 20              # evaluations per cell, the same for every strategy
    seeds = 3                # seeds 1..3, or an explicit list such as [1, 2, 7]
    folds = 3                # k of the k-fold CV that gives val_loss (>= 2)
    protocols = ["cv-3", "holdout-0.2", "reshuffled-holdout-0.2"]   # optional: validation
                             # protocols to compare (problems.protocols); default ["cv-<folds>"]
    test_fraction = 0.25     # held-out share that gives test_loss, in (0, 1)
    start_from_default = false   # make trial 0 of every strategy the default config
    trial_timeout = 60       # optional: seconds before a fit is stopped (status=timeout)
    metric = "log-loss"      # optional: the primary metric strategies see (see below)
    train_sizes = [500, 2000, 8000]   # optional: training rows (nested subsamples of each
                             # seed's training part; "all" = all of it); default ["all"]
    strategies = ["random", "grid", "optuna-tpe", "mypkg.mine:MyStrategy"]
    problems = ["branin", "svm-breast_cancer"]

    workers = [1, 4, 16]     # optional: parallel workers, an axis like protocols (default [1])
    parallel = "batch"       # optional: "batch" (rounds of q = workers proposals) or "async"
                             # (a simulated clock; see benchmarks/execution/parallel.py)

    [options.optuna-ga]      # optional keyword options for one strategy
    population_size = 8

    [reference]              # optional: best known loss per real problem (normalisation)
    svm-breast_cancer = 0.0

``metric`` is a name from ``tunebench list metrics`` (it applies to the problems of its
task; the others keep their default) or a table such as
``{classification = "log-loss", regression = "rmse"}``; a table value may be a list of
names, the first one each problem supports (``classification = ["log-loss", "1-auc"]``:
log loss, or AUC for models without probabilities such as the SVM). Without it, classification uses
``log-loss`` where the model gives probabilities (else the model's fallback, ``1-auc``) and
regression ``rmse``. Synthetic functions always keep their own value. Every trial records
every metric its model supports; the primary one is what strategies minimise.

Built-in suites (``quick``, ``default``, ``paper``) ship in ``benchmarks/suites``.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from tunebench.benchmarks.plan import suite_checks
from tunebench.benchmarks.plan.suite_keys import (
    MAX_SUITE_BYTES,
    SuiteError,
    _check_folds_and_protocols,
    read,
)


@dataclass(frozen=True)
class Suite:
    """A validated suite: everything that defines the trials of a run."""

    name: str
    strategies: tuple[str, ...]
    problems: tuple[str, ...]
    budget: int = 50
    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    folds: int = 5
    test_fraction: float = 0.25
    start_from_default: bool = False
    trial_timeout: float | None = None
    description: str = ""
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    reference: dict[str, float] = field(default_factory=dict)
    metric: str | dict[str, str | list[str]] | None = None
    #: Validation protocols; empty means the single protocol ``cv-<folds>`` (as before).
    protocols: tuple[str, ...] = ()
    #: Parallel workers per cell (an axis); empty means one worker (as before).
    workers: tuple[int, ...] = ()
    #: "batch" or "async" in a parallel suite; None: the sequential loop (as before).
    parallel: str | None = None

    @property
    def worker_counts(self) -> tuple[int, ...]:
        """The numbers of workers every cell is run with; the first is the control."""
        return self.workers or (1,)
    #: Training sizes (rows, or "all"); empty means the whole training part (as before).
    train_sizes: tuple[int | str, ...] = ()

    @property
    def size_names(self) -> tuple[str, ...]:
        """The training sizes every cell is run at, as written in cell ids ("all" when the
        suite has no ``train_sizes``)."""
        return tuple(str(s) for s in self.train_sizes) or ("all",)

    @property
    def protocol_names(self) -> tuple[str, ...]:
        """The protocols every cell is run under; the first is the default (the control)."""
        return self.protocols or (f"cv-{self.folds}",)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["strategies"], d["problems"], d["seeds"] = (list(self.strategies),
                                                      list(self.problems), list(self.seeds))
        # Absent unless set, so manifests of suites without the key stay as they were.
        if self.protocols:
            d["protocols"] = list(self.protocols)
        else:
            del d["protocols"]
        for key in ("workers", "parallel"):  # absent unless set, as protocols
            if getattr(self, key) in ((), None):
                del d[key]
        if self.workers:
            d["workers"] = list(self.workers)
        if self.train_sizes:
            d["train_sizes"] = list(self.train_sizes)
        else:
            del d["train_sizes"]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "suite") -> Suite:
        return parse(data, where)

    @classmethod
    def from_manifest(cls, stored: dict[str, Any]) -> Suite:
        """The suite a run recorded (its manifest's ``suite``, i.e. :meth:`to_dict`), as
        stored: not validated again (a plug-in need not be importable to read a run); keys
        of other versions are ignored, lists become tuples."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in stored.items() if k in known}
        for key in ("strategies", "problems", "seeds", "protocols", "workers", "train_sizes"):
            if key in values:
                values[key] = tuple(values[key] or ())
        return cls(**values)

    def override(self, *, budget: int | None = None, seeds: int | None = None,
                 strategies: list[str] | None = None, problems: list[str] | None = None,
                 where: str = "command line") -> Suite:
        """The suite with command-line overrides applied and validated again."""
        data = self.to_dict()
        if budget is not None:
            data["budget"] = budget
        if seeds is not None:
            data["seeds"] = seeds
        if strategies is not None:
            data["strategies"] = strategies
        if problems is not None:
            data["problems"] = problems
        return parse(data, where)

    @property
    def n_cells(self) -> int:
        """Cells to run: every (problem, protocol, strategy, seed) except pairs that do not
        apply."""
        from tunebench.benchmarks.plan.applicability import skipped_pairs

        pairs = len(self.strategies) * len(self.problems)
        return ((pairs - len(skipped_pairs(self.strategies, self.problems))) * len(self.seeds)
                * len(self.protocol_names) * len(self.worker_counts)
                * len(self.size_names))


def builtin_suites() -> dict[str, Path]:
    """Names and paths of the suites shipped with tunebench."""
    root = resources.files("tunebench.benchmarks") / "suites"
    return {Path(str(p)).stem: Path(str(p)) for p in root.iterdir() if str(p).endswith(".toml")}


def load(spec: str | Path) -> Suite:
    """A suite by built-in name or TOML path, validated (raises :class:`SuiteError`)."""
    builtins = builtin_suites()
    path = builtins.get(str(spec), Path(spec))
    if not path.exists():
        close = difflib.get_close_matches(str(spec), builtins, n=3)
        hint = f" Did you mean {close}?" if close else ""
        raise SuiteError(f"no suite named {str(spec)!r} and no file at that path.{hint} "
                         f"Built-in suites: {sorted(builtins)}.")
    try:
        if not path.is_file():
            raise SuiteError(f"{path} is not a regular file; give a suite TOML file or a "
                             f"built-in name {sorted(builtins)}")
        with open(path, "rb") as f:
            raw = f.read(MAX_SUITE_BYTES + 1)
        if len(raw) > MAX_SUITE_BYTES:
            raise SuiteError(f"{path} is larger than {MAX_SUITE_BYTES:_} bytes: not a suite "
                             "file; give a suite TOML file")
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: malformed TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SuiteError(f"{path}: not UTF-8 text (byte {exc.start}); save the suite as "
                         "UTF-8") from exc
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    _check_folds_and_protocols(data, str(path))
    return parse(data, str(path))


def parse(data: dict[str, Any], where: str = "suite") -> Suite:
    """Validate a suite mapping: keys, types, ranges (:mod:`~benchmarks.plan.suite_keys`),
    and that every name resolves (:mod:`~benchmarks.plan.suite_checks`)."""
    suite = Suite(**read(data, where))
    suite_checks.check(suite, where)
    return suite


__all__ = ["Suite", "SuiteError", "builtin_suites", "load", "parse"]
