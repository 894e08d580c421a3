"""Dataset x model problems with a leak-free protocol.

Protocol for one seed (identical for every strategy, hence common random numbers):

1. Split the data into a training part and a held-out test part of ``test_fraction``
   (stratified by class for classification), shuffled with a seed derived from
   ``(seed, problem name, "split")``.
2. ``val_loss``: mean loss over ``folds``-fold CV on the training part (stratified for
   classification), the folds shuffled with a seed derived the same way.
3. ``test_loss``: the model refit on the whole training part, scored on the test part.

Preprocessing (imputation, scaling, one-hot encoding) is a step of the pipeline, so it is
fitted on training folds only. The model's ``random_state`` is derived from the seed too.
"""

from __future__ import annotations

import time
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, root_mean_squared_error
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

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
class TabularProblem(Problem):
    """A dataset, a model family and the task's metric."""

    dataset: Dataset | None = None
    model: ModelSpec | None = None

    def bind(self, seed: int, *, folds: int = 5, test_fraction: float = 0.25) -> Objective:
        assert self.dataset is not None and self.model is not None
        X, y = self.dataset.load()
        X = _as_frame(X)
        classification = self.task == "classification"
        split_seed = derive_seed(seed, self.name, "split")
        idx = np.arange(len(y))
        train_idx, test_idx = train_test_split(
            idx, test_size=test_fraction, random_state=split_seed,
            stratify=y if classification else None,
        )
        cv_cls = StratifiedKFold if classification else KFold
        cv = cv_cls(n_splits=folds, shuffle=True, random_state=derive_seed(seed, self.name, "cv"))
        y_train = y[train_idx]
        fold_idx = [(train_idx[a], train_idx[b]) for a, b in cv.split(train_idx, y_train)]
        model_seed = derive_seed(seed, self.name, "model")
        return _TabularObjective(self.task, self.model, X, y, fold_idx, train_idx, test_idx,
                                 model_seed, METRICS[self.task][1])


class _TabularObjective:
    """The bound objective: configuration -> :class:`Evaluation`."""

    def __init__(self, task: str, model: ModelSpec, X: pd.DataFrame, y: np.ndarray,
                 fold_idx: list[tuple[np.ndarray, np.ndarray]], train_idx: np.ndarray,
                 test_idx: np.ndarray, model_seed: int, loss: Any) -> None:
        self.task, self.model, self.X, self.y = task, model, X, y
        self.fold_idx, self.train_idx, self.test_idx = fold_idx, train_idx, test_idx
        self.model_seed, self.loss = model_seed, loss
        self.pre = preprocessor()

    def _fit_score(self, config: Mapping[str, Any], fit: np.ndarray, score: np.ndarray) -> float:
        est = self.model.build(self.task, config, self.model_seed)
        pipe = Pipeline([("pre", clone(self.pre)), ("model", est)])
        pipe.fit(self.X.iloc[fit], self.y[fit])
        value = float(self.loss(self.y[score], pipe.predict(self.X.iloc[score])))
        if not np.isfinite(value):
            raise FloatingPointError(f"non-finite loss {value}")
        return value

    def __call__(self, config: Config) -> Evaluation:
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                folds = tuple(self._fit_score(config, a, b) for a, b in self.fold_idx)
                test = self._fit_score(config, self.train_idx, self.test_idx)
            except Exception as exc:  # a failing configuration is data, not a crash
                tb = traceback.format_exception_only(type(exc), exc)
                return Evaluation.failure("".join(tb).strip(), time.perf_counter() - start,
                                          len(caught))
        return Evaluation(float(np.mean(folds)), test, folds, time.perf_counter() - start,
                          n_warnings=len(caught))
