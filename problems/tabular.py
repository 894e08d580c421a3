"""Dataset x model problems with a leak-free protocol.

Protocol for one seed (identical for every strategy, hence common random numbers):

1. Split the data into a training part and a held-out test part of ``test_fraction``
   (stratified by class for classification), shuffled with a seed derived from
   ``(seed, problem name, "split")``.
2. ``val_loss``: mean loss over the inner splits of the training part given by the
   protocol (:mod:`problems.protocols`; ``cv-<folds>`` by default: k-fold CV, stratified for
   classification, the folds shuffled with a seed derived the same way).
3. ``test_loss``: the model refit on the whole training part, scored on the test part.

Every fit is scored by every metric its model family supports (:mod:`problems.metrics`),
from one set of predictions per fit (probabilities or decision values for a classifier,
with labels derived from them; values for a regressor); ``val_loss``/``test_loss`` are the
problem's primary metric.

Preprocessing (imputation, scaling, one-hot encoding) is fitted on each fold's training
part only (and on the whole training part for the test score), never on what it scores. The model's ``random_state`` is derived from the seed too.
"""

from __future__ import annotations

import json
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
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from tunebench.problems import fidelity, train_size
from tunebench.problems.base import Evaluation, Objective, Problem, Task, derive_seed
from tunebench.problems.datasets import Dataset
from tunebench.problems.metrics import METRICS, Predictions
from tunebench.problems.models import ModelSpec
from tunebench.problems.protocols import Protocol, protocol_of
from tunebench.problems.space import Config
from tunebench.problems.test_se import standard_error


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
#: A reshuffled protocol stores no inner splits (they depend on the configuration), only the
#: outer split and the data they are drawn from.
_PREPARED: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
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

    def _prepare(self, seed: int, protocol: Protocol, test_fraction: float,
                 n_train: int | None = None) -> tuple[Any, ...]:
        key = (self.name, self.dataset.name if self.dataset else None, seed, protocol.name,
               test_fraction, n_train)
        if key in _PREPARED:
            _PREPARED.move_to_end(key)
            return _PREPARED[key]
        assert self.dataset is not None
        X, y = self.dataset.load()
        X = _as_frame(X)
        classification = self.task == Task.CLASSIFICATION
        idx = np.arange(len(y))
        # The outer split does not depend on the protocol: common random numbers.
        train_idx, test_idx = train_test_split(
            idx, test_size=test_fraction, random_state=derive_seed(seed, self.name, "split"),
            stratify=y if classification else None,
        )
        if n_train is not None:  # a nested subsample of this seed's training part
            train_idx = train_size.subsample(train_idx, y, n_train, seed, self.name,
                                             stratify=classification)
        fold_idx = ([] if protocol.reshuffled else
                    protocol.inner_splits(train_idx, y, seed, self.name, stratify=classification))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. all-NaN columns in a small fold
            splits = [_split(X, y, a, b) for a, b in fold_idx]
            full = _split(X, y, train_idx, test_idx)
        # Only a reshuffled protocol keeps the data (to split per configuration); fixed ones
        # drop it, so the cache holds preprocessed arrays only, as before.
        value = (splits, full, train_idx, test_idx, fold_idx,
                 X if protocol.reshuffled else None, y)
        _PREPARED[key] = value
        while len(_PREPARED) > _PREPARED_MAX:
            _PREPARED.popitem(last=False)
        return value

    @property
    def recorded_metrics(self) -> tuple[str, ...]:
        return self.model.supported_metrics(self.task) if self.model else ()

    def bind(self, seed: int, *, folds: int = 5, test_fraction: float = 0.25,
             protocol: Protocol | str | None = None, n_train: int | None = None
             ) -> Objective:
        """The objective for one seed; ``protocol`` (a name such as ``holdout-0.2``) gives the
        inner validation splits, ``cv-<folds>`` when not given; ``n_train`` the training
        rows (a nested subsample, :mod:`problems.train_size`; all when not given)."""
        assert self.model is not None and self.dataset is not None
        proto = protocol_of(protocol, folds)
        splits, full, train_idx, test_idx, fold_idx, X, y = self._prepare(seed, proto,
                                                                          test_fraction, n_train)
        classes = np.unique(self.dataset.load()[1]) if self.task == Task.CLASSIFICATION else None
        args = (self.task, self.model, splits, full, derive_seed(seed, self.name, "model"),
                self.metric, self.recorded_metrics, classes, train_idx, test_idx, fold_idx)
        if proto.reshuffled:
            return _ReshuffledObjective(*args, inner=_Inner(proto, X, y, seed, self.name,
                                                            self.task == Task.CLASSIFICATION))
        return _TabularObjective(*args)


def predictions(est: Any, task: str, X: np.ndarray, classes: np.ndarray | None) -> Predictions:
    """One prediction call on a fitted model, in the form the metrics need.

    A classifier with ``predict_proba`` gives probabilities, arranged in the columns of
    ``classes`` (all classes of the dataset; one the model never saw gets 0), and labels
    as their argmax, which is what ``predict`` returns for scikit-learn's classifiers.
    Otherwise decision values and ``predict``'s labels.
    """
    if task != Task.CLASSIFICATION:
        return Predictions(values=np.asarray(est.predict(X), dtype=np.float64))
    assert classes is not None
    cols = np.searchsorted(classes, est.classes_)
    if hasattr(est, "predict_proba"):
        proba = np.zeros((len(X), len(classes)))
        proba[:, cols] = est.predict_proba(X)
        return Predictions(labels=classes[np.argmax(proba, axis=1)], scores=proba,
                           probabilities=True)
    dec = np.asarray(est.decision_function(X), dtype=np.float64)
    if dec.ndim == 2 and dec.shape[1] != len(classes):
        full = np.full((len(X), len(classes)), dec.min() - 1.0)
        full[:, cols] = dec
        dec = full
    return Predictions(labels=np.asarray(est.predict(X)), scores=dec)


class _TabularObjective:
    """The bound objective: configuration -> :class:`Evaluation`.

    ``fidelity`` is 1.0 (the ordinary evaluation); :meth:`at` gives a copy evaluated at a
    lower fidelity (see :mod:`problems.fidelity`).
    """

    fidelity: float = 1.0

    def __init__(self, task: str, model: ModelSpec, splits: list[Split], full: Split,
                 model_seed: int, primary: str, metrics: tuple[str, ...],
                 classes: np.ndarray | None, train_idx: np.ndarray, test_idx: np.ndarray,
                 fold_idx: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.task, self.model, self.splits, self.full = task, model, splits, full
        self.model_seed, self.primary, self.classes = model_seed, primary, classes
        self.metrics = metrics
        # Row indices into the dataset, kept so the protocol can be inspected and tested.
        self.train_idx, self.test_idx, self.fold_idx = train_idx, test_idx, fold_idx
        self.n_train = len(train_idx)  # recorded per trial (the training-size axis)

    def _fit_score(self, config: Mapping[str, Any], split: Split,
                   with_se: bool = False) -> dict[str, float]:
        """Fit once, predict once, score every recorded metric (and, ``with_se``, the
        primary metric's standard error under the key ``"_se"``, :mod:`problems.test_se`)."""
        est = self.model.build(self.task, config, self.model_seed)
        est, X_fit, y_fit = fidelity.reduce_fit(est, self.model.name, split.X_fit, split.y_fit,
                                                self.fidelity, self.model_seed)
        est.fit(X_fit, y_fit)
        pred = predictions(est, self.task, split.X_score, self.classes)
        values = {m: METRICS[m](split.y_score, pred, self.classes) for m in self.metrics}
        if not np.isfinite(values[self.primary]):
            raise FloatingPointError(f"non-finite {self.primary} {values[self.primary]}")
        if with_se:
            values["_se"] = standard_error(self.primary, values[self.primary], split.y_score,
                                           pred, self.classes)
        return values

    def at(self, f: float) -> _TabularObjective:
        """This objective at fidelity ``f`` in (0, 1]; ``at(1.0)`` is ``self``."""
        return fidelity.at(self, f)

    def __call__(self, config: Config) -> Evaluation:
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                folds = [self._fit_score(config, s) for s in self.splits]
                test = self._fit_score(config, self.full, with_se=True)
            except Exception as exc:  # a failing configuration is data, not a crash
                tb = traceback.format_exception_only(type(exc), exc)
                return Evaluation.failure("".join(tb).strip(), time.perf_counter() - start,
                                          len(caught))
        metrics = {m: (float(np.mean([f[m] for f in folds])), test[m]) for m in self.metrics}
        primary = tuple(f[self.primary] for f in folds)
        return Evaluation(metrics[self.primary][0], test[self.primary], primary,
                          time.perf_counter() - start, n_warnings=len(caught), metrics=metrics,
                          test_loss_se=test["_se"])


@dataclass(frozen=True)
class _Inner:
    """What a reshuffled protocol needs to draw and preprocess a configuration's split."""

    protocol: Protocol
    X: pd.DataFrame
    y: np.ndarray
    seed: int
    problem: str
    stratify: bool


class _ReshuffledObjective(_TabularObjective):
    """A reshuffled protocol's objective: before each evaluation it draws the inner split
    of that configuration (seeded by the canonical configuration JSON, so identical in every
    strategy and process) and fits the preprocessing on that split's training part only.
    The outer split and the test refit are shared with every other protocol of the seed."""

    def __init__(self, *args: Any, inner: _Inner) -> None:
        super().__init__(*args)
        self.inner = inner

    def __call__(self, config: Config) -> Evaluation:
        i = self.inner
        key = json.dumps(dict(config), sort_keys=True, allow_nan=False)
        self.fold_idx = i.protocol.inner_splits(self.train_idx, i.y, i.seed, i.problem, key,
                                                stratify=i.stratify)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. all-NaN columns in a small fold
            self.splits = [_split(i.X, i.y, a, b) for a, b in self.fold_idx]
        return super().__call__(config)
