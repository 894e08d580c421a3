"""Training size as an experimental axis: nested subsamples of one seed's training part.

For a seed, the outer train/test split is drawn once from the whole dataset
(:mod:`problems.tabular`), whatever the training size, so every size is scored on the same
test rows. The training part of size ``n`` is the first ``n`` rows of one ordering of that
seed's training part, drawn from ``(seed, problem, "train-size")`` only: sizes are nested
(500 within 2,000 within 8,000) and independent of the strategy and of which other sizes a
suite asks for. The validation protocol then runs inside the subsample.

For classification the ordering is stratified: each row's key is its (shuffled) rank within
its class divided by the class's count, plus a random tie-break, so every prefix holds each
class in about its share (within one row).
"""

from __future__ import annotations

import math

import numpy as np

from tunebench.problems.base import derive_seed

#: What a suite writes for "the whole training part".
ALL = "all"


def train_rows(rows: int, test_fraction: float) -> int:
    """Rows of the training part of a dataset of ``rows`` rows (what scikit-learn's
    ``train_test_split`` keeps: ``rows - ceil(test_fraction * rows)``)."""
    return rows - math.ceil(test_fraction * rows)


def nested_order(train_idx: np.ndarray, y: np.ndarray, seed: int, problem: str, *,
                 stratify: bool) -> np.ndarray:
    """``train_idx`` reordered so that every prefix is the subsample of that size."""
    rng = np.random.default_rng(derive_seed(seed, problem, "train-size"))
    n = len(train_idx)
    perm = rng.permutation(n)
    if not stratify:
        return train_idx[perm]
    labels = np.asarray(y)[train_idx][perm]
    key = np.empty(n)
    for cls in np.unique(labels):
        pos = np.flatnonzero(labels == cls)
        key[pos] = (np.arange(len(pos)) + rng.random(len(pos))) / len(pos)
    return train_idx[perm][np.argsort(key, kind="stable")]


def subsample(train_idx: np.ndarray, y: np.ndarray, n_train: int, seed: int, problem: str, *,
              stratify: bool) -> np.ndarray:
    """The ``n_train`` training rows of this seed (sorted row indices); the whole training
    part, unchanged, when ``n_train`` equals its size. Raises ``ValueError`` above it."""
    if n_train > len(train_idx):
        raise ValueError(f"{problem}: training size {n_train} exceeds the training part "
                         f"({len(train_idx)} rows, the largest possible size)")
    if n_train == len(train_idx):
        return train_idx
    order = nested_order(train_idx, y, seed, problem, stratify=stratify)
    return np.sort(order[:n_train])


__all__ = ["ALL", "nested_order", "subsample", "train_rows"]
