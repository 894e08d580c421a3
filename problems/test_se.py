"""The standard error of a test loss, computed when the test set is scored.

It tells a reader when test-set noise is as large as a tuning gain (the training-size
axis): a test loss that is a mean over ``n`` rows of per-row losses ``l_i`` has standard
error ``sd(l) / sqrt(n)`` (sample standard deviation, ``ddof=1``). Per metric:

* ``1-accuracy``: per-row 0/1 errors; ``log-loss``: per-row ``-log p(true class)`` with the
  same clipping as the metric; ``mae``: per-row absolute errors.
* ``rmse``: the delta method on the mean squared error, ``SE(mse) / (2 rmse)``.
* ``1-auc`` (binary): Hanley & McNeil (1982), from the AUC and the class counts; multiclass
  (a mean of one-vs-rest AUCs) has no simple formula: NaN.
* ``balanced-error`` and ``1-r2`` are not means over rows: NaN.
"""

from __future__ import annotations

import math

import numpy as np

from tunebench.problems.metrics import Predictions


def _mean_se(losses: np.ndarray) -> float:
    n = len(losses)
    return float(np.std(losses, ddof=1) / math.sqrt(n)) if n > 1 else math.nan


def hanley_mcneil(auc: float, n_pos: int, n_neg: int) -> float:
    """Standard error of a binary ROC AUC (Hanley & McNeil 1982, eq. 2)."""
    if n_pos < 1 or n_neg < 1:
        return math.nan
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / (
        n_pos * n_neg)
    return math.sqrt(max(var, 0.0))


def standard_error(metric: str, loss: float, y: np.ndarray, pred: Predictions,
                   labels: np.ndarray | None) -> float:
    """The standard error of ``loss``, the value of ``metric`` on ``(y, pred)``; NaN where
    the module doc says so."""
    if metric == "1-accuracy" and pred.labels is not None:
        return _mean_se((pred.labels != y).astype(float))
    if metric == "log-loss" and pred.scores is not None and labels is not None:
        eps = np.finfo(np.float64).eps
        true = np.clip(pred.scores[np.arange(len(y)), np.searchsorted(labels, y)], eps, 1 - eps)
        return _mean_se(-np.log(true))
    if metric == "mae" and pred.values is not None:
        return _mean_se(np.abs(y - pred.values))
    if metric == "rmse" and pred.values is not None:
        return _mean_se((y - pred.values) ** 2) / (2 * loss) if loss > 0 else math.nan
    if metric == "1-auc" and labels is not None and len(labels) == 2:
        n_pos = int(np.sum(y == labels[1]))
        return hanley_mcneil(1.0 - loss, n_pos, len(y) - n_pos)
    return math.nan


__all__ = ["hanley_mcneil", "standard_error"]
