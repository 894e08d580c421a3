"""All problems by name: ``<model>-<dataset>`` for real data, plus the synthetic functions.

Only compatible pairs exist (a classifier-only model is never paired with a regression
dataset). A problem is flagged ``slow`` when rows/1000 x the model's relative fit cost
exceeds :data:`SLOW_THRESHOLD`, so suites meant to be quick can avoid it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from tunebench.problems.base import Problem
from tunebench.problems.datasets import DATASETS, Dataset, get_dataset
from tunebench.problems.metrics import METRICS
from tunebench.problems.models import MODELS, ModelSpec, library_default
from tunebench.problems.plugins import PLUGIN_PROBLEM, load_model
from tunebench.problems.synthetic import SYNTHETIC
from tunebench.problems.tabular import TabularProblem

SLOW_THRESHOLD = 5.0


def make_problem(model: ModelSpec, dataset: Dataset) -> TabularProblem:
    """The problem of tuning ``model`` on ``dataset``; raises if the task does not fit."""
    if dataset.task not in model.tasks:
        raise ValueError(
            f"model {model.name!r} supports {list(model.tasks)}, but dataset {dataset.name!r} "
            f"is a {dataset.task} dataset; models for {dataset.task}: "
            f"{sorted(m.name for m in MODELS.values() if dataset.task in m.tasks)}"
        )
    slow = dataset.rows / 1000 * model.cost > SLOW_THRESHOLD
    default, _ = library_default(model, dataset.task, dataset.features)
    return TabularProblem(
        name=f"{model.name}-{dataset.name}", space=model.space, metric=model.default_metric(dataset.task),
        task=dataset.task, default_config=default, optimum=None, slow=slow,
        description=f"{model.name} on {dataset.name}: {dataset.description}",
        dataset=dataset, model=model,
    )


def _build() -> dict[str, Problem]:
    out: dict[str, Problem] = {}
    for ds in DATASETS.values():
        for m in MODELS.values():
            if ds.task in m.tasks:
                p = make_problem(m, ds)
                out[p.name] = p
    out.update(SYNTHETIC)
    return out


PROBLEMS: dict[str, Problem] = _build()

_SPEC = re.compile(r"^(?P<model>[a-z0-9_]+)-(?P<dataset>(openml|csv):.+)$")


def get_problem(name: str) -> Problem:
    """A problem by catalogue name, or ``<model>-openml:<id>`` / ``<model>-csv:<path>:<target>``."""
    if name in PROBLEMS:
        return PROBLEMS[name]
    m = _SPEC.match(name)
    if m and m["model"] in MODELS:
        return make_problem(MODELS[m["model"]], get_dataset(m["dataset"]))
    plugin = PLUGIN_PROBLEM.match(name)
    if plugin:
        return plugin_problem(plugin["module"], plugin["attr"], plugin["dataset"])
    close = difflib.get_close_matches(name, PROBLEMS, n=3, cutoff=0.5)
    hint = f" Did you mean {close}?" if close else ""
    raise KeyError(f"unknown problem {name!r}.{hint} See `tunebench list problems` "
                   f"for the {len(PROBLEMS)} valid names.")


def plugin_problem(module: str, attr: str, dataset: str) -> TabularProblem:
    """The problem ``module:attr-dataset``: a user's :class:`~problems.plugins.Model`."""
    spec = load_model(module, attr)
    problem = make_problem(spec, get_dataset(dataset))
    if spec.metrics and problem.metric not in spec.metrics:
        raise ValueError(f"model {spec.name!r} supports the metrics {list(spec.metrics)}, "
                         f"not {problem.metric!r}, the metric of {problem.name!r}")
    return problem


def default_moves(problem: Problem) -> list[dict[str, object]]:
    """How ``problem``'s default configuration differs from scikit-learn's stated defaults
    (see :func:`problems.models.library_default`); empty for problems without a model."""
    model, dataset = getattr(problem, "model", None), getattr(problem, "dataset", None)
    if model is None or dataset is None:
        return []
    return library_default(model, dataset.task, dataset.features)[1]


def available(problem: Problem) -> bool:
    """False when the problem's dataset needs an optional extra that is not installed."""
    ds = getattr(problem, "dataset", None)
    return ds is None or ds.available


MetricSpec = str | Mapping[str, str | list[str]] | None


def with_suite_metric(problem: Problem, spec: MetricSpec) -> Problem:
    """The problem with the primary metric a suite's ``metric`` key chooses for it.

    ``spec`` is a metric name (it applies to the problems of its task; the others keep
    their default), a mapping task -> metric name or list of names (the first one the
    problem supports: ``["log-loss", "1-auc"]``), or ``None`` (every problem keeps its
    default: ``log-loss`` for classification where the model gives probabilities, else the
    model's documented fallback; ``rmse`` for regression). Synthetic functions always keep
    their own metric. Raises ``ValueError`` when the chosen metric does not apply.
    """
    if problem.task not in ("classification", "regression") or spec is None:
        return problem
    if isinstance(spec, str):
        name = spec if spec in METRICS and METRICS[spec].task == problem.task else None
    else:
        name = spec.get(problem.task)
        if isinstance(name, list):
            supported = problem.supported_metrics()
            name = next((n for n in name if n in supported), name[0])
    return problem if name is None else problem.with_metric(name)
