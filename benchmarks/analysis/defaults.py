"""What the ``defaults`` strategy evaluated: scikit-learn's defaults resolved for each
dataset (``"sqrt"``, ``"scale"``) or moved to the nearest point of the search space, and
the hyperparameters no strategy tunes (:data:`problems.models.FIXED_NOTES`)."""

from __future__ import annotations

import pandas as pd

from tunebench.problems.catalogue import default_moves, get_problem
from tunebench.problems.models import FIXED_NOTES


def moves_table(problems: list[str]) -> pd.DataFrame:
    """One row per (problem, parameter) whose default was resolved or moved."""
    rows = []
    for name in problems:
        for m in default_moves(get_problem(name)):
            rows.append({"problem": name, "parameter": m["parameter"],
                         "scikit-learn": str(m["library"]), "equivalent": m["equivalent"],
                         "used": m["used"], "moved": m["equivalent"] != m["used"]})
    return pd.DataFrame(rows, columns=["problem", "parameter", "scikit-learn", "equivalent",
                                       "used", "moved"])


def fixed_notes(problems: list[str]) -> dict[str, str]:
    """Model family -> what it keeps fixed, for the families of ``problems``."""
    families = sorted({get_problem(p).model.name for p in problems
                       if getattr(get_problem(p), "model", None) is not None})
    return {f: FIXED_NOTES[f] for f in families if f in FIXED_NOTES}
