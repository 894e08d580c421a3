"""Problem selection for the built-in suites: a cheap seeded pilot over the offline catalogue.

Run ``nox -s select`` (``python -m benchmarks.select``). For every real problem whose data
is installed it:

1. gates on cost: seconds of one evaluation (CV fits plus the refit for the test loss)
   of the default configuration on seed 1; problems above ``max_eval_seconds`` are dropped
   ("too slow"). The cost the suites are budgeted with (``seconds_per_eval``) is measured
   later, as the mean over the pilot's evaluations: the default configuration is not a
   typical one (an MLP's or an elastic net's cost varies several-fold across its space).
   Where a problem's cost was measured in real runs (``--measured RUN_DIR ...``: mean fit
   time per evaluation over every strategy, column ``measured_seconds_per_eval``), that
   cost is used instead, uncalibrated;
2. runs the pilot on each pilot seed: random search and optuna's TPE, ``pilot_budget``
   evaluations each, on that seed's split. "Best seen" ``L`` is the lowest validation loss
   of either; ``R0`` the expected best of random search with half the pilot budget (the
   U-statistic over random search's evaluations, so one lucky draw does not decide).
   The *gap* ``(R0 - L) / (median_random - L)`` is how far random search at the budget
   is from the best seen, as a share of the spread of configurations;
3. drops problems that are
   * *degenerate*: one dimension, or more than ``tie_share`` of random search's
     evaluations at the best value (the metric cannot tell configurations apart);
   * *saturated*: gap below ``saturation`` on average over seeds (random search at the
     budget is already within noise of the best seen);
   * *small test set*: fewer than ``min_test_rows`` test rows;
4. picks ``default`` from the kept problems (:func:`pick_default`): one problem from each
   of the ``default_families`` cheapest model families, then round-robin over (family,
   task) pairs, lowest cost per test row first, while the estimated (calibrated) wall time
   of the default suite's cells stays under ``default_seconds``; ``paper`` keeps every
   kept problem plus those too slow to pilot here (not checked for saturation: rerun the
   pilot with a larger ``--max-eval-seconds`` and without ``--skip-slow`` on many cores to
   check them).

Everything is seeded (``derive_seed``) and the table it writes
(``benchmarks/suites/selection.csv``) says why each problem was kept or dropped. Costs are
measured, so they vary between machines; the decisions use the thresholds below.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from tunebench.benchmarks.devtools.coverage import top_up
from tunebench.benchmarks.devtools.criteria import DEFAULT_STRATEGIES, Criteria
from tunebench.benchmarks.devtools.pick import (
    MEASURED,
    measured_costs,
    pick_default,
    problem_seconds,
    suite_seconds,
    with_measured,
)
from tunebench.benchmarks.plan.estimate import OVERHEAD
from tunebench.problems.base import Problem, Task, derive_seed
from tunebench.problems.catalogue import PROBLEMS, available

__all__ = ["DEFAULT_STRATEGIES", "MEASURED", "OVERHEAD", "Criteria", "assess", "choose",
           "expected_min", "main", "measured_costs", "pick_default", "pilot_seed",
           "problem_seconds", "select", "static_row", "suite_seconds", "update_suite",
           "with_measured", "write"]

log = logging.getLogger(__name__)

def measure_cost(problem: Problem, crit: Criteria) -> float:
    """Seconds of one warm evaluation of the default configuration on seed 1 (the faster
    of two, after binding: data loading and imports are not per-evaluation costs)."""
    config = dict(problem.default_config) or problem.space.from_unit([0.5] * len(problem.space))
    objective = problem.bind(1, folds=crit.folds, test_fraction=crit.test_fraction)
    times = []
    for _ in range(2):
        start = time.perf_counter()
        objective(config)
        times.append(time.perf_counter() - start)
    return min(times)


def _run_strategy(name: str, problem: Problem, seed: int,
                  crit: Criteria) -> tuple[list[float], list[float]]:
    """Validation losses and evaluation seconds of ``name`` at the pilot budget."""
    from tunebench.strategies.registry import resolve

    objective = problem.bind(seed, folds=crit.folds, test_fraction=crit.test_fraction)
    strategy = resolve(name)(problem.space, derive_seed(seed, "select", name, problem.name),
                             crit.pilot_budget)
    losses, seconds = [], []
    for _ in range(crit.pilot_budget):
        config = strategy.ask()
        start = time.perf_counter()
        loss = float(objective(config).val_loss)
        seconds.append(time.perf_counter() - start)
        strategy.tell(config, loss if math.isfinite(loss) else float("inf"))
        losses.append(loss)
    return losses, seconds


def expected_min(values: np.ndarray, k: int) -> float:
    """Expected minimum of ``k`` draws without replacement from ``values`` (the
    U-statistic: sorted v_i weighted by C(n - i, k - 1) / C(n, k), i = 1..n)."""
    v = np.sort(np.asarray(values, float))
    n = len(v)
    if n == 0:
        return float("inf")
    w = np.array([math.comb(n - i, k - 1) for i in range(1, n + 1)], float) / math.comb(n, k)
    return float(np.dot(w, v))


def pilot_seed(problem: Problem, seed: int, crit: Criteria) -> dict[str, float]:
    """Gap, tie share and mean evaluation seconds of one pilot seed (random search and TPE
    at the pilot budget)."""
    rnd_losses, rnd_seconds = _run_strategy("random", problem, seed, crit)
    tpe_losses, tpe_seconds = _run_strategy("optuna-tpe", problem, seed, crit)
    rnd = np.array([x for x in rnd_losses if math.isfinite(x)])
    tpe = np.array([x for x in tpe_losses if math.isfinite(x)])
    best = float(min(rnd.min(initial=np.inf), tpe.min(initial=np.inf)))
    r0 = expected_min(rnd, max(1, len(rnd) // 2))
    spread = float(np.median(rnd)) - best if len(rnd) else 0.0
    gap = (r0 - best) / spread if spread > 0 else 0.0
    ties = float(np.mean(np.isclose(rnd, rnd.min(), rtol=1e-9, atol=1e-12))) if len(rnd) else 1.0
    return {"best": best, "r0": r0, "gap": gap, "tie_share": ties,
            "seconds": statistics.fmean(rnd_seconds + tpe_seconds)}


def _verdict(problem: Problem, crit: Criteria, seeds: list[dict[str, float]]) -> str:
    """Empty when kept, else the reason for dropping."""
    if max(s["tie_share"] for s in seeds) > crit.tie_share:
        return f"ties: over {crit.tie_share:.0%} of random search's evaluations at the best"
    gap = statistics.fmean(s["gap"] for s in seeds)
    if gap < crit.saturation:
        return (f"saturated: random search within {gap:.1%} of the best seen "
                f"(< {crit.saturation:.0%})")
    return ""


def static_row(problem: Problem, crit: Criteria) -> dict[str, object]:
    """The row of ``problem`` from what needs no evaluation; ``why`` is empty when the
    problem still has to be piloted."""
    ds = problem.dataset
    row: dict[str, object] = {
        "problem": problem.name, "task": problem.task, "model": problem.model.name,
        "dataset": ds.name, "dimensions": len(problem.space),
        "test_rows": int(round(ds.rows * crit.test_fraction)), "seconds_per_eval": np.nan,
        "gap": np.nan, "tie_share": np.nan, "kept": False, "why": ""}
    if len(problem.space) < 2:
        row["why"] = "degenerate: one dimension"
    elif row["test_rows"] < crit.min_test_rows:
        row["why"] = f"small test set: {row['test_rows']} rows (< {crit.min_test_rows})"
    elif crit.skip_slow and problem.slow:
        row["why"] = "slow: flagged by the catalogue (rows x model cost), not piloted"
    return row


def assess(problem: Problem, crit: Criteria) -> dict[str, object]:
    """One row of the selection table for ``problem``."""
    row = static_row(problem, crit)
    if row["why"]:
        return row
    cost = measure_cost(problem, crit)
    row["seconds_per_eval"] = round(cost, 4)
    if cost > crit.max_eval_seconds:
        row["why"] = f"too slow: {cost:.2f} s per evaluation (> {crit.max_eval_seconds} s)"
        return row
    seeds = [pilot_seed(problem, s, crit) for s in crit.pilot_seeds]
    row["seconds_per_eval"] = round(statistics.fmean(s["seconds"] for s in seeds), 4)
    row["gap"] = round(statistics.fmean(s["gap"] for s in seeds), 4)
    row["tie_share"] = round(max(s["tie_share"] for s in seeds), 3)
    row["why"] = _verdict(problem, crit, seeds) or "kept"
    row["kept"] = row["why"] == "kept"
    return row


def pilot_order(names: Iterable[str]) -> list[str]:
    """Cheapest first by the catalogue's cost proxy (rows/1000 x model cost), so a pilot
    stopped by its time limit has assessed the problems a default suite can afford."""
    def key(n: str) -> tuple[float, str]:
        p = PROBLEMS[n]
        return (p.dataset.rows / 1000 * p.model.cost, n)
    return sorted(names, key=key)


def select(problems: Iterable[str] | None = None, crit: Criteria | None = None,
           time_limit: float | None = None) -> pd.DataFrame:
    """The selection table over ``problems`` (default: every installed real problem) with
    ``crit`` (default: :class:`Criteria`).

    After ``time_limit`` seconds the remaining problems are recorded as not piloted."""
    crit = crit or Criteria()
    names = pilot_order(list(problems) if problems is not None else [
        n for n, p in PROBLEMS.items() if p.task != Task.SYNTHETIC and available(p)])
    rows = []
    start = time.perf_counter()
    for i, name in enumerate(names, 1):
        if time_limit is not None and time.perf_counter() - start > time_limit:
            row = static_row(PROBLEMS[name], crit)
            row["why"] = row["why"] or "slow: not piloted, pilot time limit reached"
        else:
            row = assess(PROBLEMS[name], crit)
        log.info("[%d/%d] %s: %s", i, len(names), name, row["why"])
        rows.append(row)
    return choose(pd.DataFrame(rows), crit)


def rejudge(table: pd.DataFrame, crit: Criteria) -> pd.DataFrame:
    """Apply ``crit``'s tie and saturation thresholds again to the piloted rows (those with
    a ``gap``), so thresholds can be revised without re-running the pilot."""
    table = table.copy()
    piloted = table["gap"].notna()
    for i in table.index[piloted]:
        seeds = [{"gap": table.at[i, "gap"], "tie_share": table.at[i, "tie_share"]}]
        why = _verdict(PROBLEMS[table.at[i, "problem"]], crit, seeds)
        table.at[i, "why"], table.at[i, "kept"] = why or "kept", not why
    return table


def choose(table: pd.DataFrame, crit: Criteria) -> pd.DataFrame:
    """Add the ``default`` and ``paper`` columns to a selection table (pure: the committed
    lists are reproduced from the committed table with ``--from-table``)."""
    table = rejudge(table.drop(columns=["default", "paper"], errors="ignore"), crit)
    default = set(top_up(table, pick_default(table, crit), crit))
    table["default"] = table["problem"].isin(default)
    table["paper"] = table["kept"] | table["why"].str.startswith(("slow", "too slow"))
    return table


def write(table: pd.DataFrame, path: Path, crit: Criteria) -> None:
    """Write the table and, as comment lines above it, the criteria that produced it."""
    head = "".join(f"# {k} = {v}\n" for k, v in asdict(crit).items())
    path.write_text(head + table.to_csv(index=False))


def update_suite(path: Path, problems: list[str]) -> None:
    """Replace the ``problems = [...]`` line of a suite file with ``problems``."""
    lines = path.read_text().splitlines()
    listed = "problems = [" + ", ".join(f'"{p}"' for p in problems) + "]"
    out = [listed if ln.startswith("problems = ") else ln for ln in lines]
    path.write_text("\n".join(out) + "\n")


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.select [--problems A B ...] [--out DIR] [--write-suites]``."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m benchmarks.select", description=__doc__.split(
        "\n")[0])
    ap.add_argument("--problems", nargs="*", help="restrict to these problems")
    ap.add_argument("--out", default=str(Path(__file__).parent / "suites"),
                    help="directory of selection.csv (and the suite files)")
    ap.add_argument("--pilot-budget", type=int, default=Criteria().pilot_budget)
    ap.add_argument("--pilot-seeds", type=int, default=len(Criteria().pilot_seeds))
    ap.add_argument("--max-eval-seconds", type=float, default=Criteria().max_eval_seconds)
    ap.add_argument("--include-slow", action="store_true",
                    help="also pilot problems the catalogue flags slow (skipped by default)")
    ap.add_argument("--time-limit", type=float, help="seconds of piloting; problems left "
                    "after it are recorded as not piloted")
    ap.add_argument("--from-table", help="re-choose the suites from this selection.csv "
                    "without running the pilot")
    ap.add_argument("--measured", nargs="+", metavar="RUN_DIR",
                    help="budget the problems of these stored runs by their measured cost "
                         "(kept in the table's measured_seconds_per_eval column)")
    ap.add_argument("--write-suites", action="store_true",
                    help="also rewrite the problems of default.toml and paper.toml")
    args = ap.parse_args(argv)
    for run in args.measured or []:
        if not (Path(run) / "trials.parquet").is_file():
            ap.error(f"--measured {run}: no trials.parquet there; give a finished run's "
                     "directory (results/<suite>/<run id>)")
    logging.basicConfig(level=logging.INFO, format="%(message)s", force=True)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    crit = Criteria(pilot_budget=args.pilot_budget,
                    pilot_seeds=tuple(range(1, args.pilot_seeds + 1)),
                    max_eval_seconds=args.max_eval_seconds, skip_slow=not args.include_slow)
    if args.from_table:
        table = choose(pd.read_csv(args.from_table, comment="#"), crit)
    else:
        table = select(args.problems, crit, args.time_limit)
    if args.measured:
        table = choose(with_measured(table, measured_costs(args.measured)), crit)
    out = Path(args.out)
    write(table, out / "selection.csv", crit)
    default = table.loc[table["default"], "problem"].tolist()
    paper = table.loc[table["paper"], "problem"].tolist()
    est = float(problem_seconds(table[table["default"]], crit).sum())
    log.info("kept %d of %d; default: %d problems, estimated %.0f s on %d cores; paper: %d",
             int(table["kept"].sum()), len(table), len(default), est, crit.cores, len(paper))
    if args.write_suites:
        update_suite(out / "default.toml", default)
        update_suite(out / "paper.toml", paper)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
