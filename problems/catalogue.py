"""All problems by name: ``<model>-<dataset>`` for real data, plus the synthetic functions.

Only compatible pairs exist (a classifier-only model is never paired with a regression
dataset). A problem is flagged ``slow`` when rows/1000 x the model's relative fit cost
exceeds :data:`SLOW_THRESHOLD`, so suites meant to be quick can avoid it.
"""

from __future__ import annotations

import difflib
import re

from problems.base import Problem
from problems.datasets import DATASETS, Dataset, get_dataset
from problems.models import MODELS, ModelSpec, library_default
from problems.synthetic import SYNTHETIC
from problems.tabular import METRICS, TabularProblem

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
        name=f"{model.name}-{dataset.name}", space=model.space, metric=METRICS[dataset.task][0],
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
    close = difflib.get_close_matches(name, PROBLEMS, n=3, cutoff=0.5)
    hint = f" Did you mean {close}?" if close else ""
    raise KeyError(f"unknown problem {name!r}.{hint} See `tunebench list problems` "
                   f"for the {len(PROBLEMS)} valid names.")


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
