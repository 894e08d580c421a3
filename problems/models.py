"""scikit-learn models with search spaces taken from the literature.

Each :class:`ModelSpec` says which tasks it supports, how to build the estimator from a
configuration and a ``random_state``, its search space, scikit-learn's own defaults of the
tuned hyperparameters (see :func:`library_default`: resolved for the dataset, then moved to
the nearest point of the space only where they lie outside it, each move listed) and where
its ranges come from. Sources:

* **Bayesmark** (Turner et al. 2021, ``bayesmark/sklearn_funcs.py``): kNN, decision tree,
  random forest, MLP, linear models. Bayesmark samples the fractional tree parameters on a
  logit scale; here they are linear (the space types have no logit scale).
* **HPOBench** (Eggensperger et al. 2021) SVM benchmark: ``C`` and ``gamma`` in
  ``[2^-10, 2^10]`` on a log scale.
* **auto-sklearn** (Feurer et al. 2015) gradient-boosting space: learning rate, leaf
  nodes, samples per leaf and L2 regularisation.
* **Conditional families** (``svmc``, ``mlpc``, ``rfc``, ``gbc``): see
  :mod:`problems.conditional_models`.
Ranges marked "chosen here" have no single literature source; the docstring of each
spec says why they are what they are.

"Library defaults" means scikit-learn's defaults *of the tuned hyperparameters*. The
hyperparameters no strategy tunes (a forest's ``n_estimators``, boosting iterations,
solvers) are part of the problem's definition and the same for every configuration,
including the default one: a ``defaults`` forest has ``RF_TREES`` trees like every tuned
forest, not scikit-learn's 100, so that ``defaults`` differs from the tuned configurations
only in what tuning chooses. :data:`FIXED_NOTES` lists those choices for the report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sklearn.base import BaseEstimator
from tunebench.problems.base import Task
from tunebench.problems.metrics import Prediction
from tunebench.problems.model_spec import Builder, ModelSpec, Symbolic, library_default
from tunebench.problems.space import Categorical, Float, Int, SearchSpace

__all__ = ["BOTH", "Builder", "FIXED_NOTES", "HGB_ITERATIONS", "MODELS", "ModelSpec",
           "RF_TREES", "Symbolic", "library_default", "sqrt_fraction"]

def _svm(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    """An SVM. The classifier is a plain ``SVC``: it gives decision values, not
    probabilities, so it supports ``1-auc`` (from ``decision_function``), ``balanced-error``
    and ``1-accuracy`` (from ``predict``) but not ``log-loss``; its default metric is
    ``1-auc``.

    Why no probabilities: ``SVC(probability=True)`` is deprecated since scikit-learn 1.9
    (a FutureWarning per fit; removed in 1.11), and its replacement,
    ``CalibratedClassifierCV(SVC(...), method="sigmoid", cv=3, ensemble=False)`` (Platt
    scaling on 3 internal folds, deterministic), measured 6.7 times the trial time of a
    plain SVC on svm-wine and 3.7 times on svm-breast_cancer (30 evaluations, 3-fold CV,
    one thread; ``SVC(probability=True)``: 2.2 and 1.6 times).
    """
    from sklearn.svm import SVC, SVR

    if task == Task.CLASSIFICATION:
        return SVC(C=p["C"], gamma=p["gamma"], random_state=rs)
    return SVR(C=p["C"], gamma=p["gamma"])


def _knn(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsClassifier if task == Task.CLASSIFICATION else KNeighborsRegressor
    return cls(n_neighbors=p["n_neighbors"], p=p["p"], weights=p["weights"])


def _tree_params(p: Mapping[str, Any]) -> dict[str, Any]:
    return dict(max_depth=p["max_depth"], min_samples_split=p["min_samples_split"],
                min_samples_leaf=p["min_samples_leaf"], max_features=p["max_features"])


def _dt(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    cls = DecisionTreeClassifier if task == Task.CLASSIFICATION else DecisionTreeRegressor
    return cls(random_state=rs, **_tree_params(p))


def _rf(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestClassifier if task == Task.CLASSIFICATION else RandomForestRegressor
    return cls(n_estimators=RF_TREES, random_state=rs, n_jobs=1, **_tree_params(p))


def _hgb(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = (HistGradientBoostingClassifier if task == Task.CLASSIFICATION
           else HistGradientBoostingRegressor)
    return cls(learning_rate=p["learning_rate"], max_leaf_nodes=p["max_leaf_nodes"],
               max_depth=p["max_depth"], min_samples_leaf=p["min_samples_leaf"],
               l2_regularization=p["l2_regularization"], max_iter=HGB_ITERATIONS,
               early_stopping=False, random_state=rs)


def _logreg(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=p["C"], max_iter=1000, random_state=rs)


def _ridge(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    from sklearn.linear_model import Ridge

    return Ridge(alpha=p["alpha"])


def _lasso(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    from sklearn.linear_model import Lasso

    return Lasso(alpha=p["alpha"], random_state=rs)


def _enet(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    from sklearn.linear_model import ElasticNet

    return ElasticNet(alpha=p["alpha"], l1_ratio=p["l1_ratio"], random_state=rs)


def _mlp(task: str, p: Mapping[str, Any], rs: int) -> BaseEstimator:
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPClassifier if task == Task.CLASSIFICATION else MLPRegressor
    return cls(hidden_layer_sizes=(p["n_neurons"],) * p["n_layers"],
               learning_rate_init=p["learning_rate_init"], batch_size=p["batch_size"],
               max_iter=p["max_iter"], alpha=p["alpha"], solver="adam",
               early_stopping=False, random_state=rs)


#: Trees per random forest: Bayesmark fixes ``n_estimators=10``; 10 keeps a forest fit
#: cheap enough for the default suite. HPOBench treats it as a fidelity instead.
RF_TREES = 10
#: Boosting iterations (scikit-learn's default), no early stopping, so that the tuned
#: hyperparameters alone decide the model.
HGB_ITERATIONS = 100

_TREE_SPACE = (
    Int("max_depth", 1, 15),
    Float("min_samples_split", 0.01, 0.99),
    Float("min_samples_leaf", 0.01, 0.49),
    Float("max_features", 0.01, 0.99),
)


def sqrt_fraction(n_features: int) -> float:
    """The ``max_features`` fraction for which scikit-learn picks exactly
    ``floor(sqrt(n_features))`` features, as ``"sqrt"`` does: it uses
    ``max(1, int(fraction * n_features))``, so the midpoint ``(floor(sqrt(p)) + 0.5) / p``
    is safe from round-off."""
    p = max(1, int(n_features))
    return (math.isqrt(p) + 0.5) / p


# scikit-learn's counts (2 samples to split, 1 per leaf) are below the smallest fractions
# of the space for training sets over 100-200 rows; as fractions they are "about 0".
_NONE_DEPTH = Symbolic("None (unlimited)", lambda task, p: math.inf)
_ALL_FEATURES = Symbolic("None (all features)", lambda task, p: 1.0)
_TREE_DEFAULTS = {"max_depth": _NONE_DEPTH,
                  "min_samples_split": Symbolic("2 (samples)", lambda task, p: 0.0),
                  "min_samples_leaf": Symbolic("1 (sample)", lambda task, p: 0.0),
                  "max_features": _ALL_FEATURES}
_FOREST_DEFAULTS = dict(_TREE_DEFAULTS, max_features=Symbolic(
    "'sqrt' (classifier), 1.0 (regressor)",
    lambda task, p: sqrt_fraction(p) if task == Task.CLASSIFICATION else 1.0))
#: MLP ``batch_size="auto"`` is ``min(200, n_samples)``; 200 is the same model because
#: scikit-learn clips a batch larger than the training set to its size.
_AUTO_BATCH = Symbolic("'auto' (min(200, n_samples))", lambda task, p: 200)
#: SVC/SVR ``gamma="scale"`` is ``1 / (n_features * X.var())``; the numeric columns are
#: standardised inside the pipeline, so ``X.var()`` is 1 when every column is numeric.
_GAMMA_SCALE = Symbolic("'scale' (1 / (n_features * X.var()))", lambda task, p: 1.0 / max(1, p))

BOTH = ("classification", "regression")

MODELS: dict[str, ModelSpec] = {
    m.name: m
    for m in [
        ModelSpec(
            "svm", BOTH,
            SearchSpace((Float("C", 2.0**-10, 2.0**10, log=True),
                         Float("gamma", 2.0**-10, 2.0**10, log=True))),
            {"C": 1.0, "gamma": _GAMMA_SCALE},
            _svm,
            "HPOBench SVM: C, gamma in [2^-10, 2^10], log. Defaults C=1 and gamma='scale', "
            "resolved per dataset as 1/n_features (standardised features).",
            scores=Prediction.DECISION,
        ),
        ModelSpec(
            "knn", BOTH,
            SearchSpace((Int("n_neighbors", 1, 25), Int("p", 1, 4),
                         Categorical("weights", ("uniform", "distance")))),
            {"n_neighbors": 5, "p": 2, "weights": "uniform"},
            _knn,
            "Bayesmark kNN: n_neighbors 1-25, p 1-4; weights (scikit-learn's two options) "
            "added here so every strategy meets a categorical dimension.",
            cost=0.5,
        ),
        ModelSpec(
            "tree", BOTH, SearchSpace(_TREE_SPACE), _TREE_DEFAULTS, _dt,
            "Bayesmark DT: max_depth 1-15, min_samples_split 0.01-0.99, min_samples_leaf "
            "0.01-0.49, max_features 0.01-0.99 (fractions; linear here, logit in Bayesmark).",
            cost=0.3,
        ),
        ModelSpec(
            "rf", BOTH, SearchSpace(_TREE_SPACE), _FOREST_DEFAULTS, _rf,
            f"Bayesmark RF: same four ranges as the tree, n_estimators fixed at {RF_TREES}.",
            cost=2.0,
        ),
        ModelSpec(
            "hgb", BOTH,
            SearchSpace((Float("learning_rate", 0.01, 1.0, log=True),
                         Int("max_leaf_nodes", 3, 2047, log=True),
                         Int("max_depth", 2, 16),
                         Int("min_samples_leaf", 1, 200, log=True),
                         Float("l2_regularization", 1e-10, 1.0, log=True))),
            {"learning_rate": 0.1, "max_leaf_nodes": 31, "max_depth": _NONE_DEPTH,
             "min_samples_leaf": 20, "l2_regularization": 0.0},
            _hgb,
            "auto-sklearn gradient boosting: learning_rate 0.01-1 log, max_leaf_nodes 3-2047 "
            "log, min_samples_leaf 1-200 log, l2_regularization 1e-10-1 log; max_depth 2-16 "
            "chosen here (scikit-learn's default None is clipped to 16). "
            f"{HGB_ITERATIONS} iterations, no early stopping.",
            cost=20.0,
        ),
        ModelSpec(
            "logreg", ("classification",),
            SearchSpace((Float("C", 1e-2, 1e2, log=True),)),
            {"C": 1.0}, _logreg,
            "Bayesmark 'linear' classifier: C 1e-2-1e2 log (L2 penalty, lbfgs).",
            cost=0.3,
        ),
        ModelSpec(
            "ridge", ("regression",),
            SearchSpace((Float("alpha", 1e-2, 1e2, log=True),)),
            {"alpha": 1.0}, _ridge,
            "Bayesmark 'linear' regressor: alpha 1e-2-1e2 log.",
            cost=0.1,
        ),
        ModelSpec(
            "lasso", ("regression",),
            SearchSpace((Float("alpha", 1e-2, 1e2, log=True),)),
            {"alpha": 1.0}, _lasso,
            "Bayesmark 'lasso' regressor: alpha 1e-2-1e2 log.",
            cost=0.1,
        ),
        ModelSpec(
            "elasticnet", ("regression",),
            SearchSpace((Float("alpha", 1e-2, 1e2, log=True), Float("l1_ratio", 0.01, 1.0))),
            {"alpha": 1.0, "l1_ratio": 0.5}, _enet,
            "alpha as Bayesmark's lasso (1e-2-1e2 log); l1_ratio 0.01-1 chosen here (the "
            "whole ridge-to-lasso path; below 0.01 coordinate descent is unreliable).",
            cost=0.1,
        ),
        ModelSpec(
            "mlp", BOTH,
            SearchSpace((Float("learning_rate_init", 1e-5, 1e-1, log=True),
                         Int("batch_size", 10, 250),
                         Int("max_iter", 10, 200, log=True),
                         Float("alpha", 1e-5, 1e1, log=True),
                         Int("n_layers", 1, 3),
                         Int("n_neurons", 50, 200))),
            {"learning_rate_init": 1e-3, "batch_size": _AUTO_BATCH, "max_iter": 200,
             "alpha": 1e-4,
             "n_layers": 1, "n_neurons": 100},
            _mlp,
            "Bayesmark MLP-adam: learning_rate_init 1e-5-1e-1 log, batch_size 10-250, alpha "
            "1e-5-1e1 log, neurons per layer 50-200; max_iter (epochs) 10-200 log and 1-3 "
            "hidden layers of equal width chosen here (scikit-learn's default is 200 epochs, "
            "one layer of 100).",
            cost=10.0,
        ),
    ]
}

def _conditional_specs() -> list[ModelSpec]:
    """The families with conditional spaces (:mod:`problems.conditional_models`)."""
    from tunebench.problems import conditional_models as cm

    return [
        ModelSpec("svmc", BOTH, cm.SVMC_SPACE,
                  {"kernel": "rbf", "C": 1.0, "gamma": _GAMMA_SCALE, "degree": 3, "coef0": 0.0},
                  cm.svmc, cm.SVMC_SOURCE, cost=1.0, scores=Prediction.DECISION),
        ModelSpec("mlpc", BOTH, cm.MLPC_SPACE,
                  {"n_layers": 1, "width_1": 100, "width_2": 100, "width_3": 100,
                   "learning_rate_init": 1e-3, "batch_size": _AUTO_BATCH, "max_iter": 200,
                   "alpha": 1e-4},
                  cm.mlpc, cm.MLPC_SOURCE, cost=10.0),
        ModelSpec("rfc", ("classification",), cm.RFC_SPACE,
                  dict(_FOREST_DEFAULTS, criterion="gini", bootstrap=True,
                       max_samples=Symbolic("None (all rows)", lambda task, p: 1.0)),
                  cm.rfc, cm.RFC_SOURCE, cost=2.0),
        ModelSpec("gbc", BOTH, cm.GBC_SPACE,
                  {"learning_rate": 0.1, "max_leaf_nodes": 31, "max_depth": _NONE_DEPTH,
                   "min_samples_leaf": 20, "l2_regularization": 0.0,
                   "early_stop": Symbolic("'auto' (off below 10,000 rows)",
                                          lambda task, p: "off"),
                   "n_iter_no_change": 10, "validation_fraction": 0.1},
                  cm.gbc, cm.GBC_SOURCE, cost=20.0),
    ]


MODELS.update({m.name: m for m in _conditional_specs()})

#: What "library defaults" leaves fixed, for the report (see the module docstring).
FIXED_NOTES: dict[str, str] = {
    "rf": f"n_estimators is not tuned: {RF_TREES} trees for every configuration, defaults "
          "included (scikit-learn's default is 100).",
    "hgb": f"max_iter is not tuned: {HGB_ITERATIONS} iterations without early stopping for "
           "every configuration (scikit-learn's default early_stopping='auto' is off here).",
    "svm": "gamma='scale' assumes standardised features (X.var() = 1); with one-hot "
           "columns the library's value differs slightly.",
}
