"""The benchmarking checklist: which published best practices a run meets, from its records.

Each item is judged from the run's own trials, manifest and computed statistics (never from
what the suite promised), with the evidence shown next to the mark, and the guideline it
comes from: Lindauer & Hutter (2020), the NAS best-practice checklist; Eggensperger et al.
(2021), HPOBench's reproducibility and evaluation protocol; Bischl et al. (2023), the HPO
review's best practices; Demšar (2006) and Benavoli et al. (2017) for the statistics.
The citation keys are in the report's ``references.bib``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.benchmarks.reference.baseline import BASELINE

COLUMNS = ["item", "met", "evidence", "guideline", "keys"]
#: Fewest seeds per problem for "seeds": repeated runs, so spreads and intervals exist.
MIN_SEEDS = 2

LH = "lindauer2020best"
EGG = "eggensperger2021hpobench"
BIS = "bischl2023hpo"


def _row(item: str, met: bool, evidence: str, guideline: str, *keys: str) -> dict[str, Any]:
    return {"item": item, "met": bool(met), "evidence": evidence, "guideline": guideline,
            "keys": ",".join(keys)}


def _budgets(s: Any) -> dict[str, Any]:
    df, budget = s.trials, s.budget
    cells = ["problem", "strategy", "seed"]
    mf = "fidelity" in df.columns and bool((df["fidelity"].fillna(1.0) < 1.0).any())
    cost = (df.assign(_c=df["fidelity"].fillna(1.0)).groupby(cells)["_c"].sum() if mf
            else df.groupby(cells).size())
    full = cost
    # multi-fidelity cells stop when the next trial would not fit: within one evaluation
    off = full[(full - budget).abs() > 1 + 1e-9] if mf else full[full != budget]
    what = ("cost in full-evaluation equivalents (a trial at fidelity f costs f)" if mf
            else "evaluations")
    if off.empty:
        ev = (f"every one of {len(full)} cells of {df['strategy'].nunique()} strategies "
              f"spent {budget} {what}" + (" (multi-fidelity cells: within one evaluation)"
                                          if mf else ""))
    else:
        ex = ", ".join(f"{p}/{st}/seed {sd}: {v:g}" for (p, st, sd), v in off.head(3).items())
        ev = f"{len(off)} of {len(full)} cells did not spend {budget} {what} (e.g. {ex})"
    return _row("Equal budgets per strategy" + (" (and cost)" if mf else ""), off.empty, ev,
                "Lindauer & Hutter 2020: same evaluation protocol and budget for all methods; "
                "Eggensperger et al. 2021: multi-fidelity cost in full-evaluation "
                "equivalents", LH, EGG)


def _seeds(s: Any) -> dict[str, Any]:
    per = s.trials.groupby("problem")["seed"].nunique()
    seeds = sorted(int(x) for x in s.trials["seed"].unique())
    n = int(per.min())
    return _row("Seeds and their number", n >= MIN_SEEDS,
                f"{n} seed(s) on every problem{'' if per.max() == n else ' (more on some)'}: "
                f"{seeds}; each seed fixes the split, folds, model seed and strategy seed",
                "Lindauer & Hutter 2020: multiple runs, seeds reported", LH)


def _present(s: Any, name: str, item: str, why: str, guideline: str, *keys: str
             ) -> dict[str, Any]:
    there = name in s.strategies
    return _row(item, there, f"'{name}' {'ran' if there else 'is not in the run'}: {why}",
                guideline, *keys)


def _test_data(s: Any) -> dict[str, Any]:
    frac = float(s.manifest.suite.test_fraction or 0)
    ok = frac > 0
    ev = (f"a test part of {frac:g} of each dataset is held out per seed; strategies are told "
          "only the validation (CV) loss and the incumbent is chosen by it; test losses only "
          "score the incumbent" if ok else "no test part (test_fraction 0): test numbers "
          "reuse the data strategies tuned on")
    return _row("Test data never seen by strategies", ok, ev,
                "Bischl et al. 2023: an untouched outer test set (nested evaluation); "
                "Lindauer & Hutter 2020: same evaluation protocol", BIS, LH)


def _correction(s: Any) -> dict[str, Any]:
    c = s.control
    if c is not None and not c.empty:
        ev = (f"Holm over the {len(c)} comparisons against {BASELINE} (primary); pairwise "
              "tests Holm over all pairs; within-problem tests Holm per problem")
        met = True
    elif s.wilcoxon_across is not None and not s.wilcoxon_across.empty:
        ev, met = "pairwise tests Holm over all pairs; no comparison against random", True
    else:
        ev, met = "no corrected comparison across problems was computed", False
    return _row("Multiple-comparison correction", met, ev,
                "Demšar 2006; Benavoli et al. 2017: tests over problems, corrected for "
                "multiple comparisons", "demsar2006", "benavoli2017time")


def _power(s: Any) -> dict[str, Any]:
    c = s.control
    reach = (c is not None and not c.empty and bool(c["attainable"].any()))
    ev = s.power_statement or "no power statement"
    if s.power_statement and reach:
        ev += " (some comparison against random can reach significance)"
    return _row("Power statement", bool(s.power_statement), ev,
                "Bischl et al. 2023: enough problems and repetitions for the tests used; "
                "Benavoli et al. 2017", BIS, "benavoli2017time")


def _reference(s: Any, signed: bool) -> dict[str, Any]:
    table = s.reference
    if table is None:
        return _row("Reference table signed", False, f"no reference table: {s.reference_note}",
                    "Eggensperger et al. 2021: versioned, checkable reference values", EGG)
    ev = (f"table {table.name}, content hash {table.hash}; "
          + ("the run's signatures (losses of fixed configurations per problem and seed) "
             "match the table's" if signed else "the run recorded no signatures, so the "
             "table was used unchecked"))
    return _row("Reference table signed", signed, ev,
                "Eggensperger et al. 2021: versioned, checkable reference values", EGG)


def _versions(s: Any) -> dict[str, Any]:
    env = s.manifest.environment
    libs = env.libraries
    have = bool(libs) and bool(env.python) and bool(env.cpu_model)
    ev = (f"Python {env.python}, {len(libs)} library versions, CPU "
          f"{env.cpu_model} x {env.cpu_count}, BLAS "
          f"{', '.join(str(b.get('internal_api')) for b in env.blas) or 'n/a'}, "
          f"platform {env.platform}") if have else "the manifest lacks them"
    return _row("Versions and hardware recorded", have, ev,
                "Lindauer & Hutter 2020: report all details of the setup and resources; "
                "Eggensperger et al. 2021", LH, EGG)


def _failed(s: Any) -> dict[str, Any]:
    n = len(s.failed_cells)
    ft = int(s.failed_trials["trials"].sum()) if len(s.failed_trials) else 0
    ev = (f"{n} failed cell(s): {', '.join(sorted(s.failed_cells)[:3])}"
          f"{' ...' if n > 3 else ''}" if n else "no failed cells")
    ev += f"; {ft} failed trial(s), counted in the budget"
    return _row("No failed cells", n == 0, ev,
                "Bischl et al. 2023: report and handle crashed evaluations; Lindauer & "
                "Hutter 2020", BIS, LH)


def _reruns(s: Any) -> dict[str, Any]:
    m = s.manifest
    git = m.environment.git or {}
    threads = m.threads_per_worker
    clean = git.get("commit") is not None and git.get("dirty") is False
    ok = clean and threads == 1
    ev = (f"seeds derived from the suite's seeds (no global random state); BLAS threads per "
          f"cell {threads}; code at git commit {str(git.get('commit'))[:12]}"
          f"{' (clean)' if clean else ' (uncommitted changes or unknown)' }; a resume "
          "refuses other library versions. Identity is not re-verified here: rerun into a "
          "new directory and compare trials.parquet")
    return _row("Reruns identical", ok, ev,
                "Lindauer & Hutter 2020: release code, report seeds; Eggensperger et al. "
                "2021: reproducible benchmarks", LH, EGG)


def checklist(s: Any, signed: bool = False) -> pd.DataFrame:
    """The checklist of a :class:`~benchmarks.analysis.summary.Summary` (``signed``: every
    run recorded signatures, checked against its reference table); one row per item."""
    if s.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = [
        _budgets(s), _seeds(s),
        _present(s, BASELINE, "Random search present", "the control every strategy is "
                 "compared with and the normalised score's zero", "Lindauer & Hutter 2020: "
                 "compare to random search", LH),
        _present(s, "defaults", "Library defaults present", "shows what tuning gains over "
                 "not tuning", "Bischl et al. 2023: defaults as a baseline", BIS),
        _test_data(s), _correction(s), _power(s), _reference(s, signed),
        _versions(s), _failed(s), _reruns(s),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)
