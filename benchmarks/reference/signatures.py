"""Signatures: losses of a few fixed configurations that identify a problem's objectives.

Bayesmark's idea: 5 configurations per problem drawn with a fixed seed, evaluated on each
seed's objective. A reference table stores them; a run records them at its start; when they
differ beyond floating-point noise the objective (library, data, model or search space)
changed and the table no longer belongs to the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from tunebench.problems.base import derive_seed
from tunebench.problems.space import Config

N_SIGNATURES = 5
SIGNATURE_RTOL, SIGNATURE_ATOL = 1e-7, 1e-10


def signature_configs(problem: Any, k: int = N_SIGNATURES) -> list[Config]:
    """``k`` configurations of a problem drawn with a fixed seed (the same for every run)."""
    rng = np.random.default_rng(derive_seed(0, "signature", problem.name))
    return [problem.space.canonical(problem.space.sample(rng)) for _ in range(k)]


def signatures(problems: Iterable[str], seeds: Iterable[int], folds: int,
               test_fraction: float, timeout: float | None = None) -> pd.DataFrame:
    """Losses of the signature configurations per (problem, seed), one BLAS thread; each
    evaluation stops after ``timeout`` seconds like a trial (``status="timeout"``)."""
    from threadpoolctl import threadpool_limits

    from tunebench.benchmarks.execution.cell import params_json
    from tunebench.benchmarks.execution.trial import evaluate
    from tunebench.problems.catalogue import get_problem

    rows = []
    with threadpool_limits(1):
        for name in problems:
            problem = get_problem(name)
            configs = signature_configs(problem)
            for seed in seeds:
                objective = problem.bind(seed, folds=folds, test_fraction=test_fraction)
                for i, config in enumerate(configs):
                    ev = evaluate(objective, config, timeout)
                    rows.append({"problem": problem.name, "seed": int(seed), "index": i,
                                 "params": params_json(config), "status": str(ev.status),
                                 "val_loss": ev.val_loss, "test_loss": ev.test_loss})
    return pd.DataFrame(rows, columns=["problem", "seed", "index", "params", "status",
                                       "val_loss", "test_loss"])


def signature_differences(stored: pd.DataFrame, current: pd.DataFrame) -> list[str]:
    """Where a run's signatures differ from a table's, beyond floating-point noise."""
    m = current.merge(stored, on=["problem", "seed", "index"], how="left",
                      suffixes=("", "_table"))
    out = []
    for _, r in m.iterrows():
        where = f"{r['problem']} seed {r['seed']} signature {r['index']}"
        if pd.isna(r["params_table"]):
            out.append(f"{where}: not in the table")
        elif r["params"] != r["params_table"]:
            out.append(f"{where}: configuration {r['params']} vs {r['params_table']} "
                       "(search space changed)")
        else:
            for col in ("val_loss", "test_loss"):
                a, b = float(r[col]), float(r[f"{col}_table"])
                same = (np.isnan(a) and np.isnan(b)) or np.isclose(
                    a, b, rtol=SIGNATURE_RTOL, atol=SIGNATURE_ATOL)
                if not same:
                    out.append(f"{where}: {col} {a!r} in the run vs {b!r} in the table")
    return out
