"""The fingerprint of a problem: what must match for two runs' trials to be comparable.

It holds the primary metric, the recorded metrics, the search space
(:meth:`SearchSpace.to_dict`), a hash of the dataset's content (rows and target, so an
edited CSV or a re-versioned OpenML dataset is caught) and the tunebench version. A run's
manifest stores it per problem; a resume and a combined report compare them.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from typing import Any

import numpy as np
import pandas as pd

from tunebench.problems.base import Problem


def tunebench_version() -> str:
    try:
        return importlib.metadata.version("tunebench")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def _content_hash(name: str, source: str, loader: Any) -> str:
    X, y = loader()
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(X, index=True).to_numpy().tobytes())
    h.update(",".join(map(str, X.columns)).encode())
    h.update(np.asarray(pd.util.hash_array(np.asarray(y, dtype=object))).tobytes())
    return h.hexdigest()[:16]


def dataset_hash(problem: Problem) -> str | None:
    """SHA-256 (first 16 hex digits) of the problem's dataset content; cached per
    process; ``None`` for problems without data (synthetic functions)."""
    ds = getattr(problem, "dataset", None)
    if ds is None:
        return None
    return _content_hash(ds.name, ds.source, ds.loader)


def fingerprint(problem: Problem) -> dict[str, Any]:
    """The problem's fingerprint as a JSON-ready mapping."""
    return {
        "metric": problem.metric,
        "metrics": list(problem.recorded_metrics),
        "space": problem.space.to_dict(),
        "data": dataset_hash(problem),
        "tunebench": tunebench_version(),
    }


def fingerprint_differences(name: str, stored: dict[str, Any] | None,
                            current: dict[str, Any]) -> list[str]:
    """One line per part of a problem's fingerprint that differs (none when ``stored`` is
    missing: a run written before fingerprints existed is compared by its format)."""
    if stored is None:
        return []
    labels = {"metric": "primary metric", "metrics": "recorded metrics",
              "space": "search space", "data": "dataset content",
              "tunebench": "tunebench version"}
    out = []
    for key, label in labels.items():
        a, b = stored.get(key), current.get(key)
        if a != b:
            shown = (f"stored {a!r}, now {b!r}" if key != "space"
                     else f"stored {_space(a)}, now {_space(b)}")
            out.append(f"problem {name!r}: {label} differs ({shown})")
    return out


def _space(d: Any) -> str:
    if not isinstance(d, dict):
        return repr(d)
    parts = []
    for x in d.get("dimensions", []):
        if "choices" in x:
            parts.append(f"{x.get('name')} in {x['choices']}")
        else:
            scale = " log" if x.get("log") else ""
            parts.append(f"{x.get('name')} in [{x.get('low')}, {x.get('high')}]{scale}")
    return "; ".join(parts)
