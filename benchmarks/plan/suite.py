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

SUITE_KEYS = {
    "name", "description", "budget", "seeds", "folds", "test_fraction", "start_from_default",
    "trial_timeout", "strategies", "problems", "options", "reference", "metric", "protocols",
    "workers", "parallel", "train_sizes",
}
#: Parallel modes (``parallel = ...``): see :mod:`benchmarks.execution.parallel`.
PARALLEL_MODES = ("batch", "async")
MAX_WORKERS = 1024
TASKS = ("classification", "regression")


class SuiteError(ValueError):
    """A suite that cannot run; the message says what is wrong, where, and what is valid."""


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
        for key in ("strategies", "problems", "seeds", "protocols"):
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


def _check_folds_and_protocols(data: dict[str, Any], where: str) -> None:
    """A file that sets both ``folds`` and ``protocols`` must not contradict itself: the
    protocols decide how trials are validated, so a ``folds`` that no ``cv-k`` protocol
    uses would be silently ignored there."""
    folds, protocols = data.get("folds"), data.get("protocols")
    if folds is None or not isinstance(protocols, list):
        return
    ks = [_folds_of(str(p)) for p in protocols]
    if any(ks) and folds not in ks:
        raise SuiteError(f"{where}: folds = {folds!r} but protocols = {protocols} use "
                         f"{sorted(k for k in ks if k)}-fold cross-validation; drop folds (the "
                         "protocols decide) or make them agree")


#: Limits checked up front (a bigger value is a typo or would exhaust memory or time).
MAX_BUDGET = 10**6
MAX_GRID = 10**5
MAX_SEEDS = 10_000
MAX_SEED = 2**32 - 1
#: A trial_timeout above a week is a typo (and SIGALRM cannot take 1e300 s).
MAX_TRIAL_TIMEOUT = 7 * 24 * 3600
#: A suite file is a few kilobytes; more is not a suite (``/dev/zero``, a data file).
MAX_SUITE_BYTES = 1 << 20


def _int(data: dict[str, Any], key: str, where: str, low: int) -> int:
    v = data[key]
    if isinstance(v, bool) or not isinstance(v, int):
        raise SuiteError(f"{where}: {key} must be an integer >= {low}, got {v!r}")
    if v < low:
        raise SuiteError(f"{where}: {key} must be >= {low}, got {v}")
    return v


def _names(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    v = data.get(key)
    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
        raise SuiteError(f"{where}: {key} must be a non-empty list of names, got {v!r}")
    dup = sorted({x for x in v if v.count(x) > 1})
    if dup:
        raise SuiteError(f"{where}: {key} lists {dup} more than once")
    return tuple(v)


def parse(data: dict[str, Any], where: str = "suite") -> Suite:
    """Validate a suite mapping: keys, types, ranges, and that every name resolves."""
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        hints = {k: difflib.get_close_matches(k, SUITE_KEYS, n=1) for k in unknown}
        said = ", ".join(f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "")
                         for k, h in hints.items())
        raise SuiteError(f"{where}: unknown key(s) {said}. Valid keys: {sorted(SUITE_KEYS)}")
    if "name" not in data or not isinstance(data["name"], str) or not data["name"].strip():
        raise SuiteError(f"{where}: 'name' must be a non-empty string")
    name = data["name"]
    if not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise SuiteError(f"{where}: name {name!r} may use only letters, digits, '-', '_', '.' "
                         "and may not start with '.' (it names a directory)")
    d = dict(data)
    d.setdefault("budget", 50)
    d.setdefault("folds", 5)
    budget = _int(d, "budget", where, 1)
    if budget > MAX_BUDGET:
        raise SuiteError(f"{where}: budget must be <= {MAX_BUDGET:_} evaluations per cell, "
                         f"got {budget:_}")
    folds = _int(d, "folds", where, 2)
    seeds_raw = d.get("seeds", 5)
    if isinstance(seeds_raw, bool):
        raise SuiteError(f"{where}: seeds must be a count >= 1 or a list of integers >= 0")
    if isinstance(seeds_raw, int):
        if seeds_raw < 1:
            raise SuiteError(f"{where}: seeds must be >= 1 (a count), got {seeds_raw}")
        if seeds_raw > MAX_SEEDS:
            raise SuiteError(f"{where}: seeds must be at most {MAX_SEEDS}, got {seeds_raw}")
        seeds = tuple(range(1, seeds_raw + 1))
    elif (isinstance(seeds_raw, list) and seeds_raw
          and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds_raw)
          and len(set(seeds_raw)) == len(seeds_raw)):
        seeds = tuple(seeds_raw)
    else:
        raise SuiteError(f"{where}: seeds must be a count >= 1 or a list of distinct integers "
                         f">= 0, got {seeds_raw!r}")
    tf = d.get("test_fraction", 0.25)
    if isinstance(tf, bool) or not isinstance(tf, (int, float)) or not 0 < tf < 1:
        raise SuiteError(f"{where}: test_fraction must be a number in (0, 1), got {tf!r}")
    sfd = d.get("start_from_default", False)
    if not isinstance(sfd, bool):
        raise SuiteError(f"{where}: start_from_default must be true or false, got {sfd!r}")
    timeout = d.get("trial_timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not 0 < timeout <= MAX_TRIAL_TIMEOUT):
        raise SuiteError(f"{where}: trial_timeout must be a number of seconds in (0, "
                         f"{MAX_TRIAL_TIMEOUT:_}] (at most a week), got {timeout!r}")
    desc = d.get("description", "")
    if not isinstance(desc, str):
        raise SuiteError(f"{where}: description must be a string")
    if len(seeds) > MAX_SEEDS or max(seeds) > MAX_SEED:
        raise SuiteError(f"{where}: seeds must be at most {MAX_SEEDS} seeds, each < 2**32")
    strategies = _names(d, "strategies", where)
    if "grid" in strategies and budget > MAX_GRID:
        raise SuiteError(f"{where}: grid search holds its whole grid (budget points) in memory; "
                         f"with 'grid' the budget must be <= {MAX_GRID:_}, got {budget:_}")
    problems = _names(d, "problems", where)
    options = d.get("options", {})
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise SuiteError(f"{where}: [options.<strategy>] must be tables of keyword options")
    reference = d.get("reference", {})
    if not isinstance(reference, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in reference.values()):
        raise SuiteError(f"{where}: [reference] must map problem names to numbers")
    metric = _metric(d.get("metric"), where)
    suite = Suite(name=name, strategies=strategies, problems=problems, budget=budget,
                  seeds=seeds, folds=folds, test_fraction=float(tf), start_from_default=sfd,
                  trial_timeout=None if timeout is None else float(timeout), description=desc,
                  options={k: dict(v) for k, v in options.items()},
                  reference={k: float(v) for k, v in reference.items()}, metric=metric,
                  protocols=_protocols(d, where), workers=_workers(d, where),
                  parallel=_parallel(d, where), train_sizes=_train_sizes(d, where))
    check_names(suite, where)
    check_train_sizes(suite, where)
    check_metric(suite, where)
    check_protocol_sizes(suite, where)
    return suite


def _metric(value: Any, where: str) -> str | dict[str, str | list[str]] | None:
    """Validate the ``metric`` key: a catalogue name, or a table task -> name."""
    from tunebench.problems.metrics import METRICS

    if value is None:
        return None
    names = sorted(METRICS)
    if isinstance(value, str):
        if value not in METRICS:
            close = difflib.get_close_matches(value, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SuiteError(f"{where}: unknown metric {value!r}{hint}; metrics: {names}")
        return value
    if not isinstance(value, dict) or not value:
        raise SuiteError(f"{where}: metric must be a metric name or a table such as "
                         f"{{classification = \"log-loss\", regression = \"rmse\"}}, "
                         f"got {value!r}")
    for task, name in value.items():
        if task not in TASKS:
            raise SuiteError(f"{where}: metric table key {task!r} is not a task; use "
                             f"{list(TASKS)}")
        valid = sorted(n for n, m in METRICS.items() if m.task == task)
        names = name if isinstance(name, list) and name else [name]
        bad = [n for n in names if n not in valid]
        if bad:
            raise SuiteError(f"{where}: metric.{task} = {name!r}: {bad[0]!r} is not a {task} "
                             f"metric; valid: {valid} (a name, or a list: the first one "
                             "each problem supports)")
    return {k: list(v) if isinstance(v, list) else v for k, v in value.items()}


def check_metric(suite: Suite, where: str) -> None:
    """The suite's metric must apply to every problem of its task (error names those)."""
    from tunebench.problems.catalogue import get_problem, with_suite_metric

    bad: dict[str, list[str]] = {}
    for p in suite.problems:
        prob = get_problem(p)
        try:
            with_suite_metric(prob, suite.metric)
        except ValueError:
            want = (suite.metric if isinstance(suite.metric, str)
                    else (suite.metric or {}).get(prob.task, ""))
            bad.setdefault(str(want), []).append(p)
    if bad:
        said = "; ".join(f"{m!r} does not apply to {ps}" for m, ps in bad.items())
        raise SuiteError(f"{where}: metric {said} (their models do not give what it needs; "
                         "see `tunebench list metrics`). Choose another metric or drop them.")


def _protocols(data: dict[str, Any], where: str) -> tuple[str, ...]:
    """The ``protocols`` key, each name parsed and written canonically (``cv-5``)."""
    if "protocols" not in data:
        return ()
    from tunebench.problems.protocols import Protocol, ProtocolError

    names = _names(data, "protocols", where)
    try:
        canonical = tuple(Protocol.parse(n).name for n in names)
    except ProtocolError as exc:
        raise SuiteError(f"{where}: {exc}") from exc
    if len(set(canonical)) != len(canonical):
        raise SuiteError(f"{where}: protocols {list(names)} name the same protocol twice")
    return canonical


def _workers(data: dict[str, Any], where: str) -> tuple[int, ...]:
    """The ``workers`` key: distinct integers in [1, MAX_WORKERS]."""
    if "workers" not in data:
        return ()
    v = data["workers"]
    if (not isinstance(v, list) or not v
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in v)
            or not all(1 <= x <= MAX_WORKERS for x in v) or len(set(v)) != len(v)):
        raise SuiteError(f"{where}: workers must be a non-empty list of distinct integers in "
                         f"[1, {MAX_WORKERS}] such as [1, 4, 16], got {v!r}")
    return tuple(v)


def _parallel(data: dict[str, Any], where: str) -> str | None:
    """The ``parallel`` key; a suite with ``workers`` but no ``parallel`` runs "batch"."""
    v = data.get("parallel")
    if v is None:
        return "batch" if "workers" in data else None
    if v not in PARALLEL_MODES:
        raise SuiteError(f"{where}: parallel must be one of {list(PARALLEL_MODES)}, got {v!r}")
    return str(v)


def _train_sizes(data: dict[str, Any], where: str) -> tuple[int | str, ...]:
    """The ``train_sizes`` key: distinct integers >= 10 or "all", in the suite's order."""
    if "train_sizes" not in data:
        return ()
    v = data["train_sizes"]
    ok = isinstance(v, list) and v and all(
        (isinstance(x, int) and not isinstance(x, bool) and x >= 10) or x == "all" for x in v)
    if not ok or len({str(x) for x in v}) != len(v):
        raise SuiteError(f"{where}: train_sizes must be a non-empty list of distinct training "
                         f"row counts >= 10 or \"all\" (e.g. [500, 2000, 8000]), got {v!r}")
    return tuple(v)


def check_train_sizes(suite: Suite, where: str) -> None:
    """Every size must fit in every problem's training part (the error names the problem
    and its largest possible size); sizes apply only to dataset problems."""
    if not suite.train_sizes:
        return
    from tunebench.problems.catalogue import get_problem
    from tunebench.problems.train_size import train_rows

    rows = [s for s in suite.train_sizes if s != "all"]
    for p in suite.problems:
        ds = getattr(get_problem(p), "dataset", None)
        if ds is None:
            raise SuiteError(f"{where}: train_sizes needs dataset problems; {p!r} has no "
                             "training rows (run synthetic functions in another suite)")
        largest = train_rows(ds.rows, suite.test_fraction)
        if rows and max(rows) > largest:
            raise SuiteError(f"{where}: train_sizes {max(rows)} is larger than the training "
                             f"part of {p!r}: its largest possible size is {largest} rows "
                             f"({ds.rows} rows x (1 - test_fraction {suite.test_fraction}))")


def check_names(suite: Suite, where: str) -> None:
    """Every strategy, option table, problem and reference key must resolve."""
    from tunebench.problems.catalogue import available, get_problem
    from tunebench.strategies.registry import StrategyNotFound, missing_requirement, resolve

    shown: dict[str, str] = {}
    for s in suite.strategies:
        try:
            cls = resolve(s)
        except StrategyNotFound as exc:
            raise SuiteError(f"{where}: {exc}") from exc
        req = missing_requirement(cls)
        if req:
            raise SuiteError(f"{where}: strategy {s!r} needs the optional package {req!r}, "
                             f"which is not installed (see README: optional extras)")
        if cls.name in shown:
            raise SuiteError(f"{where}: strategies {shown[cls.name]!r} and {s!r} both call "
                             f"themselves {cls.name!r}; names must be unique")
        shown[cls.name] = s
        _check_options(suite, s, cls, where)
    for k in suite.options:
        if k not in suite.strategies:
            raise SuiteError(f"{where}: [options.{k}] names a strategy that is not in "
                             f"strategies {list(suite.strategies)}")
    for p in suite.problems:
        try:
            prob = get_problem(p)
        except (KeyError, ValueError) as exc:
            msg = exc.args[0] if exc.args else str(exc)
            raise SuiteError(f"{where}: {msg}") from exc
        if not available(prob):
            raise SuiteError(f"{where}: problem {p!r} needs the optional package "
                             f"{prob.dataset.extra!r} (install the 'data' extra)")  # type: ignore[attr-defined]
    _check_fidelity_pairs(suite, where)
    _check_parallel(suite, where)
    for k in suite.reference:
        if k not in suite.problems:
            raise SuiteError(f"{where}: [reference] names {k!r}, which is not in problems")


def _check_options(suite: Suite, name: str, cls: type, where: str) -> None:
    """``[options.<name>]``: names the strategy accepts and values it accepts, checked by
    constructing it as a cell does (:mod:`benchmarks.plan.options`)."""
    from tunebench.benchmarks.plan.options import OptionError, check_options
    from tunebench.problems.catalogue import get_problem

    opts = suite.options.get(name, {})
    spaces = []
    for p in suite.problems if opts else ():
        try:
            prob = get_problem(p)
        except (KeyError, ValueError):
            continue  # reported below with the problem names
        spaces.append((prob.space, dict(prob.default_config)))
    try:
        check_options(cls, name, opts, budget=suite.budget, spaces=spaces or None)
    except OptionError as exc:
        raise SuiteError(f"{where}: [options.{name}]: {exc}") from exc


def check_protocol_sizes(suite: Suite, where: str) -> None:
    """Every protocol must fit every problem's training rows (k folds need k rows each,
    and a stratified split needs k rows per class): refused here, not in every cell."""
    from tunebench.problems.catalogue import get_problem

    ks = {suite.folds} | {_folds_of(n) for n in suite.protocol_names}
    k = max(x for x in ks if x)
    for p in suite.problems:
        try:
            ds = getattr(get_problem(p), "dataset", None)
        except (KeyError, ValueError):
            continue
        rows = getattr(ds, "rows", None)
        if not rows:
            continue
        train = int(rows * (1 - suite.test_fraction))
        if k > train:
            raise SuiteError(f"{where}: {k}-fold cross-validation needs at least {k} training "
                             f"rows, but problem {p!r} has {train}; use fewer folds")
        if ds.task == "classification" and k > 10:  # rare: worth loading the labels
            largest = int(_largest_class(ds) * (1 - suite.test_fraction))
            if k > largest:
                raise SuiteError(f"{where}: stratified {k}-fold cross-validation needs a "
                                 f"class with at least {k} training rows, but problem {p!r} "
                                 f"has at most {largest}; use at most {largest} folds")


def _largest_class(ds: Any) -> int:
    """Rows of the most frequent label of a classification dataset."""
    import numpy as np

    _, y = ds.load()
    return int(np.unique(np.asarray(y), return_counts=True)[1].max())


def _folds_of(protocol: str) -> int:
    """k of a ``cv-k`` protocol name (0 for other protocols)."""
    head, _, k = protocol.partition("-")
    return int(k) if head == "cv" and k.isdigit() else 0


def _check_fidelity_pairs(suite: Suite, where: str) -> None:
    """Multi-fidelity strategies need problems with a lower fidelity (dataset x model)."""
    from tunebench.problems.catalogue import get_problem
    from tunebench.strategies.registry import resolve

    mf = [s for s in suite.strategies if getattr(resolve(s), "multi_fidelity", False)]
    flat = [p for p in suite.problems if getattr(get_problem(p), "model", None) is None]
    if mf and flat:
        raise SuiteError(f"{where}: multi-fidelity strategies {mf} need dataset x model "
                         f"problems; {flat} have no lower fidelity (use separate suites)")


def _check_parallel(suite: Suite, where: str) -> None:
    """Parallel suites run full-fidelity strategies only (budget in evaluations)."""
    from tunebench.strategies.registry import resolve

    if suite.parallel is None:
        return
    mf = [s for s in suite.strategies if getattr(resolve(s), "multi_fidelity", False)]
    if mf:
        raise SuiteError(f"{where}: parallel = {suite.parallel!r} supports full-fidelity "
                         f"strategies only; remove the multi-fidelity strategies {mf} (or the "
                         "workers/parallel keys)")


__all__ = ["Suite", "SuiteError", "builtin_suites", "load", "parse"]
