"""Dataset x model problems with a leak-free protocol.

Protocol for one seed (identical for every strategy, hence common random numbers):

1. Split the data into a training part and a held-out test part of ``test_fraction``
   (stratified by class for classification), shuffled with a seed derived from
   ``(seed, problem name, "split")``.
2. ``val_loss``: mean loss over ``folds``-fold CV on the training part (stratified for
   classification), the folds shuffled with a seed derived the same way.
3. ``test_loss``: the model refit on the whole training part, scored on the test part.

Preprocessing (imputation, scaling, one-hot encoding) is fitted on each fold's training
part only (and on the whole training part for the test score), never on what it scores. The model's ``random_state`` is derived from the seed too.
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, root_mean_squared_error
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from problems import fidelity
from problems.base import Evaluation, Objective, Problem, derive_seed
from problems.datasets import Dataset
from problems.models import ModelSpec
from problems.space import Config

METRICS = {
    "classification": ("1-accuracy", lambda y, p: 1.0 - accuracy_score(y, p)),
    "regression": ("rmse", root_mean_squared_error),
}


def preprocessor() -> ColumnTransformer:
    """Impute, scale and one-hot encode by column type; fitted inside each training fold."""
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    return ColumnTransformer(
        [("num", numeric, make_column_selector(dtype_include="number")),
         ("cat", categorical, make_column_selector(dtype_exclude="number"))],
        verbose_feature_names_out=False,
    )


def _as_frame(X: pd.DataFrame) -> pd.DataFrame:
    # Non-numeric columns become plain object columns so the encoders see strings.
    X = X.copy()
    for c in X.columns:
        if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]):
            X[c] = X[c].astype(object).where(X[c].notna(), np.nan)
    return X


@dataclass(frozen=True)
class Split:
    """One fit/score pair, already preprocessed (preprocessing fitted on ``X_fit`` only)."""

    X_fit: np.ndarray
    y_fit: np.ndarray
    X_score: np.ndarray
    y_score: np.ndarray


def _split(X: pd.DataFrame, y: np.ndarray, fit: np.ndarray, score: np.ndarray) -> Split:
    pre = preprocessor()
    X_fit = np.ascontiguousarray(pre.fit_transform(X.iloc[fit]), dtype=np.float64)
    X_score = np.ascontiguousarray(pre.transform(X.iloc[score]), dtype=np.float64)
    return Split(X_fit, y[fit], X_score, y[score])


#: Prepared protocols, per process: every cell of the same (problem, seed) in a worker
#: shares them. Small, since a worker runs cells problem by problem.
_PREPARED: OrderedDict[tuple[Any, ...], tuple[list[Split], Split, np.ndarray, np.ndarray,
                                             list[tuple[np.ndarray, np.ndarray]]]] = OrderedDict()
_PREPARED_MAX = 16


@dataclass(frozen=True)
class TabularProblem(Problem):
    """A dataset, a model family and the task's metric.

    Preprocessing has no tuned hyperparameters, so :meth:`bind` fits it once per fold (on
    that fold's training part only) and every trial fits just the model on the stored
    arrays: the numbers a ``Pipeline`` refit per trial would give, without its cost.
    """

    dataset: Dataset | None = None
    model: ModelSpec | None = None

    def _prepare(self, seed: int, folds: int, test_fraction: float) -> tuple[Any, ...]:
        key = (self.name, self.dataset.name if self.dataset else None, seed, folds,
               test_fraction)
        if key in _PREPARED:
            _PREPARED.move_to_end(key)
            return _PREPARED[key]
        assert self.dataset is not None
        X, y = self.dataset.load()
        X = _as_frame(X)
        classification = self.task == "classification"
        idx = np.arange(len(y))
        train_idx, test_idx = train_test_split(
            idx, test_size=test_fraction, random_state=derive_seed(seed, self.name, "split"),
            stratify=y if classification else None,
        )
        cv_cls = StratifiedKFold if classification else KFold
        cv = cv_cls(n_splits=folds, shuffle=True, random_state=derive_seed(seed, self.name, "cv"))
        fold_idx = [(train_idx[a], train_idx[b]) for a, b in cv.split(train_idx, y[train_idx])]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. all-NaN columns in a small fold
            splits = [_split(X, y, a, b) for a, b in fold_idx]
            full = _split(X, y, train_idx, test_idx)
        value = (splits, full, train_idx, test_idx, fold_idx)
        _PREPARED[key] = value
        while len(_PREPARED) > _PREPARED_MAX:
            _PREPARED.popitem(last=False)
        return value

    def bind(self, seed: int, *, folds: int = 5, test_fraction: float = 0.25) -> Objective:
        assert self.model is not None
        splits, full, train_idx, test_idx, fold_idx = self._prepare(seed, folds, test_fraction)
        return _TabularObjective(self.task, self.model, splits, full,
                                 derive_seed(seed, self.name, "model"), METRICS[self.task][1],
                                 train_idx, test_idx, fold_idx)


class _TabularObjective:
    """The bound objective: configuration -> :class:`Evaluation`.

    ``fidelity`` is 1.0 (the ordinary evaluation); :meth:`at` gives a copy evaluated at a
    lower fidelity (see :mod:`problems.fidelity`).
    """

    fidelity: float = 1.0

    def __init__(self, task: str, model: ModelSpec, splits: list[Split], full: Split,
                 model_seed: int, loss: Any, train_idx: np.ndarray, test_idx: np.ndarray,
                 fold_idx: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.task, self.model, self.splits, self.full = task, model, splits, full
        self.model_seed, self.loss = model_seed, loss
        # Row indices into the dataset, kept so the protocol can be inspected and tested.
        self.train_idx, self.test_idx, self.fold_idx = train_idx, test_idx, fold_idx

    def _fit_score(self, config: Mapping[str, Any], split: Split) -> float:
        est = self.model.build(self.task, config, self.model_seed)
        est, X_fit, y_fit = fidelity.reduce_fit(est, self.model.name, split.X_fit, split.y_fit,
                                                self.fidelity, self.model_seed)
        est.fit(X_fit, y_fit)
        value = float(self.loss(split.y_score, est.predict(split.X_score)))
        if not np.isfinite(value):
            raise FloatingPointError(f"non-finite loss {value}")
        return value

    def at(self, f: float) -> _TabularObjective:
        """This objective at fidelity ``f`` in (0, 1]; ``at(1.0)`` is ``self``."""
        return fidelity.at(self, f)

    def __call__(self, config: Config) -> Evaluation:
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                folds = tuple(self._fit_score(config, s) for s in self.splits)
                test = self._fit_score(config, self.full)
            except Exception as exc:  # a failing configuration is data, not a crash
                tb = traceback.format_exception_only(type(exc), exc)
                return Evaluation.failure("".join(tb).strip(), time.perf_counter() - start,
                                          len(caught))
        return Evaluation(float(np.mean(folds)), test, folds, time.perf_counter() - start,
                          n_warnings=len(caught))
