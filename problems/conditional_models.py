"""Model families with conditional search spaces (the problems ``svmc-*``, ``mlpc-*``,
``rfc-*`` and ``gbc-*``; the trailing ``c`` is for *conditional*).

Practitioners' spaces are conditional: an SVM's ``gamma`` matters only for the rbf, poly
and sigmoid kernels, an MLP's second-layer width exists only with two layers, a forest's
``max_samples`` only with bootstrapping. Each family below keeps the ranges of the flat
family it extends (:mod:`problems.models`) and adds the conditional dimensions with the
source named in its spec. The flat families and their problems are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sklearn.base import BaseEstimator
from tunebench.problems.base import Task
from tunebench.problems.space import Categorical, Condition, Float, Int, SearchSpace

#: Iteration cap of the conditional SVM's solver: libsvm with a poly kernel and large
#: ``C``/``gamma`` can otherwise take minutes on a 100-row fold; a capped fit that has not
#: converged still predicts (scikit-learn warns, and the trial counts the warning).
SVMC_MAX_ITER = 100_000
#: Trees per conditional forest, as the flat ``rf`` family (Bayesmark's 10).
RFC_TREES = 10
#: Boosting iterations of ``gbc``: the upper limit when early stopping is on.
GBC_ITERATIONS = 100


def svmc(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    """``SVC``/``SVR`` with the kernel and its own parameters (absent ones: unused by the
    kernel, so scikit-learn's defaults are passed and ignored)."""
    from sklearn.svm import SVC, SVR

    kw = dict(C=p["C"], kernel=p["kernel"], gamma=p.get("gamma", "scale"),
              degree=p.get("degree", 3), coef0=p.get("coef0", 0.0), max_iter=SVMC_MAX_ITER)
    if task == Task.CLASSIFICATION:
        return SVC(random_state=rs, **kw)
    return SVR(**kw)


def mlpc(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    """An MLP with 1-3 hidden layers, each with its own width."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    widths = tuple(p[f"width_{i}"] for i in range(1, p["n_layers"] + 1))
    cls = MLPClassifier if task == Task.CLASSIFICATION else MLPRegressor
    return cls(hidden_layer_sizes=widths, learning_rate_init=p["learning_rate_init"],
               batch_size=p["batch_size"], max_iter=p["max_iter"], alpha=p["alpha"],
               solver="adam", early_stopping=False, random_state=rs)


def rfc(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    """A random-forest classifier with criterion and bootstrap (then ``max_samples``)."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=RFC_TREES, criterion=p["criterion"], bootstrap=p["bootstrap"],
        max_samples=p.get("max_samples"), max_depth=p["max_depth"],
        min_samples_split=p["min_samples_split"], min_samples_leaf=p["min_samples_leaf"],
        max_features=p["max_features"], random_state=rs, n_jobs=1)


def gbc(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    """Histogram gradient boosting with auto-sklearn's early-stopping choice."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = (HistGradientBoostingClassifier if task == Task.CLASSIFICATION
           else HistGradientBoostingRegressor)
    stop = p["early_stop"]
    return cls(learning_rate=p["learning_rate"], max_leaf_nodes=p["max_leaf_nodes"],
               max_depth=p["max_depth"], min_samples_leaf=p["min_samples_leaf"],
               l2_regularization=p["l2_regularization"], max_iter=GBC_ITERATIONS,
               early_stopping=stop != "off",
               n_iter_no_change=p.get("n_iter_no_change", 10),
               validation_fraction=p.get("validation_fraction") if stop == "valid" else None,
               scoring="loss", random_state=rs)


SVMC_SPACE = SearchSpace((
    Categorical("kernel", ("linear", "rbf", "poly", "sigmoid")),
    Float("C", 2.0**-10, 2.0**10, log=True),
    Float("gamma", 2.0**-10, 2.0**10, log=True),
    Int("degree", 2, 5),
    Float("coef0", -1.0, 1.0),
), conditions=(
    Condition("gamma", "kernel", ("rbf", "poly", "sigmoid")),
    Condition("degree", "kernel", ("poly",)),
    Condition("coef0", "kernel", ("poly", "sigmoid")),
))

MLPC_SPACE = SearchSpace((
    Int("n_layers", 1, 3),
    Int("width_1", 16, 128, log=True),
    Int("width_2", 16, 128, log=True),
    Int("width_3", 16, 128, log=True),
    Float("learning_rate_init", 1e-5, 1e-1, log=True),
    Int("batch_size", 10, 250),
    Int("max_iter", 5, 50, log=True),
    Float("alpha", 1e-5, 1e1, log=True),
), conditions=(
    Condition("width_2", "n_layers", (2, 3)),
    Condition("width_3", "n_layers", (3,)),
))

RFC_SPACE = SearchSpace((
    Categorical("criterion", ("gini", "entropy")),
    Categorical("bootstrap", (True, False)),
    Float("max_samples", 0.1, 1.0),
    Int("max_depth", 1, 15),
    Float("min_samples_split", 0.01, 0.99),
    Float("min_samples_leaf", 0.01, 0.49),
    Float("max_features", 0.01, 0.99),
), conditions=(Condition("max_samples", "bootstrap", (True,)),))

GBC_SPACE = SearchSpace((
    Float("learning_rate", 0.01, 1.0, log=True),
    Int("max_leaf_nodes", 3, 2047, log=True),
    Int("max_depth", 2, 16),
    Int("min_samples_leaf", 1, 200, log=True),
    Float("l2_regularization", 1e-10, 1.0, log=True),
    Categorical("early_stop", ("off", "valid", "train")),
    Int("n_iter_no_change", 1, 20),
    Float("validation_fraction", 0.01, 0.4),
), conditions=(
    Condition("n_iter_no_change", "early_stop", ("valid", "train")),
    Condition("validation_fraction", "early_stop", ("valid",)),
))

SVMC_SOURCE = (
    "Conditional SVM. C, gamma in [2^-10, 2^10] log (HPOBench SVM, Eggensperger et al. "
    "2021); kernel in {linear, rbf, poly, sigmoid} (scikit-learn's kernels; auto-sklearn's "
    "libsvm_svc has rbf/poly/sigmoid, Feurer et al. 2015); degree 2-5 (poly only) and "
    "coef0 in [-1, 1] (poly, sigmoid) from auto-sklearn's libsvm_svc; gamma for "
    f"rbf/poly/sigmoid. Solver capped at {SVMC_MAX_ITER} iterations.")
MLPC_SOURCE = (
    "Conditional MLP-adam. learning_rate_init 1e-5-1e-1 log, batch_size 10-250 and alpha "
    "1e-5-1e1 log from Bayesmark (Turner et al. 2021); 1-3 hidden layers, each with its "
    "own width (width_2 for 2-3 layers, width_3 for 3) on a log scale as HPOBench's MLP "
    "(Eggensperger et al. 2021: 1-3 layers, width 16-1024 log), capped here at 16-128; "
    "max_iter (epochs) 5-50 log, capped here (HPOBench treats epochs as the fidelity, up "
    "to 243). Both caps keep one evaluation around a second on the small datasets.")
RFC_SOURCE = (
    "Conditional random forest (classification). criterion {gini, entropy} and bootstrap "
    "{True, False} from auto-sklearn's random_forest (Feurer et al. 2015); max_samples "
    "0.1-1 (bootstrap only; the fraction of rows per tree, chosen here: scikit-learn's "
    "None means 1.0); the four tree parameters with Bayesmark's ranges as the flat rf "
    f"family; {RFC_TREES} trees.")
GBC_SOURCE = (
    "Conditional gradient boosting: auto-sklearn's gradient_boosting space (Feurer et al. "
    "2015): learning_rate 0.01-1 log, max_leaf_nodes 3-2047 log, min_samples_leaf 1-200 "
    "log, l2_regularization 1e-10-1 log, early_stop {off, valid, train}, n_iter_no_change "
    "1-20 (valid, train), validation_fraction 0.01-0.4 (valid); max_depth 2-16 as the flat "
    f"hgb family. At most {GBC_ITERATIONS} iterations. A validation fraction too small "
    "for one row per class fails that evaluation (scikit-learn's stratified split).")
