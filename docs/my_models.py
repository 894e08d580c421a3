"""An example tunebench model plug-in: a linear model trained by stochastic gradient descent.

Use it in a suite as ``"my_models:SGD-wine"`` (any catalogue dataset of a supported task)
or ``"my_models:SGD-csv:/data/x.csv:label"``, with this folder on PYTHONPATH (or as the
current directory of the ``tunebench`` command). Worker processes and Dask workers import
this module themselves, so the model must be a module-level ``tunebench.Model`` and
``build`` a module-level function.
"""

from sklearn.linear_model import SGDClassifier, SGDRegressor

from tunebench import Categorical, Float, Model, SearchSpace


def build(config, task, random_state):
    """An unfitted estimator for one configuration (inputs arrive standardised)."""
    common = dict(alpha=config["alpha"], penalty=config["penalty"],
                  l1_ratio=config["l1_ratio"], max_iter=1000, tol=1e-3,
                  random_state=random_state)
    if task == "classification":
        return SGDClassifier(loss="log_loss", **common)
    return SGDRegressor(**common)


SGD = Model(
    name="sgd",
    tasks=("classification", "regression"),
    build=build,
    space=SearchSpace((
        Float("alpha", 1e-6, 1e-1, log=True),
        Categorical("penalty", ("l2", "l1", "elasticnet")),
        Float("l1_ratio", 0.0, 1.0),
    )),
    # scikit-learn's defaults
    defaults={"alpha": 1e-4, "penalty": "l2", "l1_ratio": 0.15},
    metrics=("1-accuracy", "balanced-error", "log-loss", "1-auc", "rmse", "mae", "1-r2"),
    source="scikit-learn SGDClassifier / SGDRegressor; ranges chosen for this example",
)
