"""The dataset record shared by the catalogue (:mod:`problems.datasets`) and the OpenML
loader (:mod:`problems.openml`): metadata plus a loader returning ``(X, y)``."""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

XY = tuple[pd.DataFrame, np.ndarray]


@dataclass(frozen=True)
class Dataset:
    """A named dataset: metadata plus a loader returning ``(X, y)``."""

    name: str
    task: str  # "classification" or "regression"
    source: str
    licence: str
    rows: int
    features: int
    description: str
    loader: Callable[[], XY]
    extra: str | None = None  # optional dependency group needed to load it
    handling: str = "numeric columns: median imputation + standardisation; categorical: most-frequent imputation + one-hot (inside the pipeline)"
    #: Rows and columns the loader drops, and why (identifiers, leakage, missing targets).
    dropped: str = ""
    #: :func:`problems.fingerprint.dataset_hash` of the loaded data, where recorded (tested).
    content_hash: str = ""

    def load(self) -> XY:
        return _load_cached(self.name, self.loader)

    @property
    def available(self) -> bool:
        """False when it needs an optional extra that is not installed."""
        if self.extra is None:
            return True
        return importlib.util.find_spec(self.extra) is not None


@functools.cache
def _load_cached(name: str, loader: Callable[[], XY]) -> XY:
    # Cached per process: a worker loads each dataset once, not once per trial.
    X, y = loader()
    return X, y
