"""The metrics a trial records: losses to minimise, computed with scikit-learn.

Each :class:`Metric` says which task it belongs to, which prediction of a fitted model it
needs (:class:`Prediction`), its ideal value and how a report prints it. The catalogue
:data:`METRICS` holds

* classification: ``log-loss``, ``balanced-error`` (1 - balanced accuracy), ``1-auc``
  (binary ROC AUC; macro one-vs-rest for more classes), ``1-accuracy``;
* regression: ``rmse``, ``mae``, ``1-r2``.

Each metric has a fast numpy implementation (``loss``, used for every fit) and
scikit-learn's function (``reference``), which the tests prove it equals.

Class labels: every function receives ``labels``, all classes of the dataset, so a CV fold
lacking a class still gives a value. Probabilities are arranged in the columns of
``labels`` (a class the fitted model never saw gets probability 0) and ``log_loss`` clips
them to ``[eps, 1 - eps]`` as scikit-learn does. AUC is defined only for a class present
in the scored part (with at least one other class beside it): ``1-auc`` is the macro
average of the one-vs-rest AUCs of the classes present, which is exactly scikit-learn's
``roc_auc_score(multi_class="ovr", average="macro")`` when every class is present, and
NaN when fewer than two classes are present (scikit-learn's value is undefined then).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    log_loss,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)


class Prediction(StrEnum):
    """What a metric needs from a fitted model.

    ``DECISION`` means any ranking score: a decision function, or class probabilities
    where the model has them (probabilities are scores too).
    """

    LABELS = "labels"
    PROBABILITIES = "probabilities"
    DECISION = "decision values"
    CONTINUOUS = "continuous"


@dataclass(frozen=True)
class Predictions:
    """The predictions of one fitted model on one scored part, each computed once.

    ``scores``: class probabilities (``n x len(labels)``, columns in the order of
    ``labels``) when ``probabilities`` is true, else decision values (``n`` for two
    classes, ``n x len(labels)`` otherwise). ``values``: regression predictions.
    """

    labels: np.ndarray | None = None
    scores: np.ndarray | None = None
    probabilities: bool = False
    values: np.ndarray | None = None


LossFn = Callable[[np.ndarray, Predictions, np.ndarray], float]


@dataclass(frozen=True)
class Metric:
    """A loss to minimise, its task, the prediction it needs and how to print it."""

    name: str
    task: str  # "classification" or "regression"
    loss: LossFn  # the fast implementation used per fit
    reference: LossFn  # scikit-learn's function that ``loss`` must equal
    ideal: float
    needs: Prediction
    decimals: int
    description: str

    def __call__(self, y_true: np.ndarray, pred: Predictions,
                 labels: np.ndarray | None = None) -> float:
        """The loss of ``pred`` on ``y_true``; ``labels``: all classes of the dataset."""
        return float(self.loss(np.asarray(y_true), pred, _labels(y_true, labels)))

    def sklearn(self, y_true: np.ndarray, pred: Predictions,
                labels: np.ndarray | None = None) -> float:
        """The same loss by scikit-learn's function (slower: it validates its input)."""
        return float(self.reference(np.asarray(y_true), pred, _labels(y_true, labels)))

    def format(self, value: float) -> str:
        """The value as a report prints it."""
        return "NaN" if not np.isfinite(value) else f"{value:.{self.decimals}f}"


def _labels(y: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    return np.unique(y) if labels is None else np.asarray(labels)


def _need(array: np.ndarray | None, what: str) -> np.ndarray:
    if array is None:
        raise ValueError(f"this metric needs {what}, which the model did not give")
    return array


def _probabilities(p: Predictions) -> np.ndarray:
    if not p.probabilities:
        raise ValueError("log-loss needs class probabilities, which the model does not give")
    return _need(p.scores, "probabilities")


# Fast implementations, used per fit. scikit-learn's metric functions validate their input
# at every call (about 10 ms on a loaded 2-core machine, several times a kNN fit on a small
# dataset): with seven metrics that tripled the trial time. Each is checked equal to the
# scikit-learn function in `reference` (tests/test_metrics.py), on hand-built fixtures and
# random draws.

def _log_loss(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    proba = _probabilities(p)
    eps = np.finfo(np.float64).eps
    true = np.clip(proba[np.arange(len(y)), np.searchsorted(labels, y)], eps, 1 - eps)
    return float(-np.mean(np.log(true)))


def _auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Binary ROC AUC as the Mann-Whitney statistic (ties count 1/2), which equals the
    trapezoidal area under the ROC curve that scikit-learn computes."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _one_minus_auc(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    scores = _need(p.scores, "scores")
    present = np.isin(labels, y)
    if present.sum() < 2:
        return float("nan")
    if len(labels) == 2:
        s = scores[:, 1] if scores.ndim == 2 else scores
        return 1.0 - _auc(y == labels[1], s)
    aucs = [_auc(y == c, scores[:, i]) for i, c in enumerate(labels) if present[i]]
    return 1.0 - float(np.mean(aucs))


def _balanced_error(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    pred = _need(p.labels, "labels")
    recalls = [np.mean(pred[y == c] == c) for c in np.unique(y)]
    return 1.0 - float(np.mean(recalls))


def _error(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    return 1.0 - float(np.mean(_need(p.labels, "labels") == y))


def _rmse(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - _need(p.values, "values")) ** 2)))


def _mae(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    return float(np.mean(np.abs(y - _need(p.values, "values"))))


def _one_minus_r2(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    resid = float(np.sum((y - _need(p.values, "values")) ** 2))
    total = float(np.sum((y - np.mean(y)) ** 2))
    if total == 0.0:  # scikit-learn's force_finite: r2 = 1 if perfect, else 0
        return 0.0 if resid == 0.0 else 1.0
    return resid / total


# scikit-learn's functions: the definitions the fast implementations must equal.

def _sk_log_loss(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    return log_loss(y, _probabilities(p), labels=labels)


def _sk_one_minus_auc(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    scores = _need(p.scores, "scores")
    present = np.isin(labels, y)
    if present.sum() < 2:
        return float("nan")
    if len(labels) == 2:
        s = scores[:, 1] if scores.ndim == 2 else scores
        return 1.0 - roc_auc_score(y == labels[1], s)
    # scikit-learn's "ovr"/"macro" path (label_binarize + a binary AUC per column) over the
    # classes present, without its check that rows sum to 1 (decision values are scores).
    onehot = (y[:, None] == labels[None, :]).astype(int)
    return 1.0 - roc_auc_score(onehot[:, present], scores[:, present], average="macro")


def _sk_balanced_error(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    return 1.0 - balanced_accuracy_score(y, _need(p.labels, "labels"))


def _sk_error(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    return 1.0 - accuracy_score(y, _need(p.labels, "labels"))


def _sk_rmse(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    return root_mean_squared_error(y, _need(p.values, "values"))


def _sk_mae(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    return mean_absolute_error(y, _need(p.values, "values"))


def _sk_one_minus_r2(y: np.ndarray, p: Predictions, labels: np.ndarray) -> float:
    return 1.0 - r2_score(y, _need(p.values, "values"))


C, R = "classification", "regression"

METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("log-loss", C, _log_loss, _sk_log_loss, 0.0, Prediction.PROBABILITIES, 4,
           "mean negative log-likelihood of the true class (probabilities clipped to eps)"),
    Metric("balanced-error", C, _balanced_error, _sk_balanced_error, 0.0, Prediction.LABELS, 4,
           "1 - balanced accuracy (mean recall over the classes present)"),
    Metric("1-auc", C, _one_minus_auc, _sk_one_minus_auc, 0.0, Prediction.DECISION, 4,
           "1 - ROC AUC (binary; macro one-vs-rest over the classes present otherwise)"),
    Metric("1-accuracy", C, _error, _sk_error, 0.0, Prediction.LABELS, 4,
           "share of misclassified rows (coarse on small test sets: ties)"),
    Metric("rmse", R, _rmse, _sk_rmse, 0.0, Prediction.CONTINUOUS, 4, "root mean squared error"),
    Metric("mae", R, _mae, _sk_mae, 0.0, Prediction.CONTINUOUS, 4, "mean absolute error"),
    Metric("1-r2", R, _one_minus_r2, _sk_one_minus_r2, 0.0, Prediction.CONTINUOUS, 4,
           "1 - coefficient of determination (residual / total sum of squares)"),
]}

#: The primary metric when a suite names none (and the model supports it).
DEFAULT_METRIC = {C: "log-loss", R: "rmse"}


def metrics_for(task: str) -> tuple[str, ...]:
    """Names of the catalogue metrics of a task, in catalogue order."""
    return tuple(n for n, m in METRICS.items() if m.task == task)


def supports(metric: Metric, scores: Prediction | None) -> bool:
    """Whether a model whose classifier gives ``scores`` (probabilities or decision values;
    ``None`` for a regressor) can be scored by ``metric``."""
    if metric.needs in (Prediction.LABELS, Prediction.DECISION):
        return scores is not None
    if metric.needs is Prediction.PROBABILITIES:
        return scores is Prediction.PROBABILITIES
    return scores is None


def column(side: str, name: str) -> str:
    """The trials column of a metric: ``val:<name>`` or ``test:<name>``."""
    return f"{side}:{name}"


#: Every metric column of ``trials.parquet``, validation first.
METRIC_COLUMNS: tuple[str, ...] = tuple(column(s, n) for s in ("val", "test") for n in METRICS)


__all__ = ["DEFAULT_METRIC", "METRICS", "METRIC_COLUMNS", "Metric", "Prediction",
           "Predictions", "column", "metrics_for", "supports"]
