"""Performance benchmark (``nox -s perf``): a benchmark, not a test.

Measures in one run and writes ``results/perf/<date>.json`` and ``.md``:

1. harness overhead per strategy: a zero-cost objective (Branin) driven through
   tunebench's cell loop vs through the same library's own loop (``study.optimize``,
   ``fmin``, ``Optimizer.ask/tell``, a plain numpy loop); the ratio of wall times;
2. parallel efficiency: a suite with ``--jobs 1`` vs ``--jobs 2``;
3. report generation on synthetic ``trials.parquet`` files of 1,000,000 rows and of
   5,040,000 rows (the ``paper`` suite's shape with a protocol axis; targets 60 s and 4 GiB
   on 2 cores; ``--skip-paper-report`` leaves it out): wall time, CPU time and peak memory
   (measured in a child process);
4. the suite's wall time split into model fitting, strategy (ask + tell) and harness, and
   its estimated wall time against the measured one;
5. planning at paper scale, from estimated costs alone: the reference build of ``paper``
   against its cells (the rule in force and right-sized variants), and the makespan of its
   cells dispatched longest-first on 64 workers against sum(cost) / 64.

Usage: ``python -m tunebench.benchmarks.devtools.perf [--evals 200] [--suite default]
[--skip-parallel] [--skip-report] [--skip-paper-report]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger("tunebench.perf")

OVERHEAD_STRATEGIES = ["random", "grid", "optuna-random", "optuna-qmc", "optuna-tpe",
                       "optuna-cmaes", "optuna-ga", "hyperopt-random", "hyperopt-tpe",
                       "hyperopt-anneal", "skopt-gp", "skopt-rf"]
#: scikit-optimize's tell costs 0.3-1 s (its GP/forest refit and acquisition search), so
#: its loops are shorter; its harness share is smaller still.
SKOPT_EVALS = 100


def _native(name: str, evals: int, seed: int) -> float:
    """Wall time of the library's own loop on Branin, seeded like tunebench seeds it."""
    import optuna

    from tunebench.problems.synthetic import SYNTHETIC, branin
    from tunebench.strategies.registry import resolve

    problem = SYNTHETIC["branin"]
    space = problem.space
    cls = resolve(name)
    start = time.perf_counter()
    if name in ("random", "grid"):
        strategy = cls(space, seed, evals)  # these strategies are tunebench's own numpy code
        for _ in range(evals):
            c = strategy.ask()
            strategy.tell(c, branin(np.array([c["x0"], c["x1"]])))
    elif cls.library == "optuna":
        sampler = cls(space, seed, evals).study.sampler  # the same sampler, same seed

        def objective(trial: optuna.Trial) -> float:
            return branin(np.array([trial.suggest_float("x0", -5.0, 10.0),
                                    trial.suggest_float("x1", 0.0, 15.0)]))

        optuna.create_study(sampler=sampler).optimize(objective, n_trials=evals)
    elif cls.library == "hyperopt":
        from hyperopt import Trials, fmin, hp

        fmin(lambda p: branin(np.array([p["x0"], p["x1"]])),
             {"x0": hp.uniform("x0", -5.0, 10.0), "x1": hp.uniform("x1", 0.0, 15.0)},
             algo=cls.algo, max_evals=evals, trials=Trials(),
             rstate=np.random.default_rng(seed), show_progressbar=False)
    else:
        from skopt import Optimizer

        import tunebench.strategies.skopt_compat  # noqa: F401

        opt = Optimizer([(-5.0, 10.0), (0.0, 15.0)], base_estimator=cls.base_estimator,
                        random_state=seed)
        for _ in range(evals):
            x = opt.ask()
            opt.tell(x, branin(np.array(x)))
    return time.perf_counter() - start


def _through_tunebench(name: str, evals: int, seed: int) -> float:
    from tunebench.benchmarks.execution.cell import Cell, run_cell
    from tunebench.benchmarks.plan.suite import Suite

    suite = Suite(name="perf", strategies=(name,), problems=("branin",), budget=evals,
                  seeds=(seed,), folds=2, test_fraction=0.25)
    start = time.perf_counter()
    res = run_cell(Cell("branin", name, seed), suite)
    elapsed = time.perf_counter() - start
    if not res.ok:
        raise RuntimeError(res.error)
    return elapsed


def harness_overhead(evals: int, repeats: int = 3) -> list[dict[str, Any]]:
    """Best-of-``repeats`` wall times, alternating the two loops to share machine noise."""
    import optuna

    from tunebench.problems.base import derive_seed

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("hyperopt").setLevel(logging.WARNING)
    seed = derive_seed(1, "strategy", "branin")
    rows = []
    for name in OVERHEAD_STRATEGIES:
        n = SKOPT_EVALS if name.startswith("skopt") else evals
        reps = 1 if name.startswith("skopt") else repeats
        native, ours = [], []
        for _ in range(reps):
            native.append(_native(name, n, seed))
            ours.append(_through_tunebench(name, n, seed))
        rows.append({"strategy": name, "evaluations": n, "native_s": min(native),
                     "tunebench_s": min(ours), "ratio": min(ours) / min(native),
                     "harness_ms_per_trial": 1000 * (min(ours) - min(native)) / n})
        log.info("overhead %-16s %6.3f s vs %6.3f s: ratio %.3f", name, min(ours), min(native),
                 rows[-1]["ratio"])
    return rows


def _run_suite(suite: str, jobs: int, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tunebench.benchmarks.cli", "-q", "run", suite, "--out",
                    str(out), "--jobs", str(jobs), "--no-report"], check=True)
    return time.perf_counter() - start


def parallel_and_breakdown(suite: str, workdir: Path) -> dict[str, Any]:
    from tunebench.benchmarks.plan.estimate import estimate
    from tunebench.benchmarks.plan.suite import load

    estimated = estimate(load(suite), 1)[0]
    t1 = _run_suite(suite, 1, workdir / "jobs1")
    t2 = _run_suite(suite, 2, workdir / "jobs2")
    df = pd.read_parquet(workdir / "jobs1" / "trials.parquet")
    fit, strat = float(df["fit_seconds"].sum()), float((df["ask_seconds"] + df["tell_seconds"]).sum())
    a = pd.read_parquet(workdir / "jobs2" / "trials.parquet")
    from tunebench.benchmarks.store.rundir import DETERMINISTIC

    identical = a[DETERMINISTIC].equals(df[DETERMINISTIC])
    return {"suite": suite, "jobs1_s": t1, "jobs2_s": t2, "speedup": t1 / t2,
            "estimated_jobs1_s": estimated, "estimate_over_measured": estimated / t1,
            "records_identical": bool(identical), "trials": len(df),
            "fit_s": fit, "strategy_s": strat, "harness_s": t1 - fit - strat,
            "fit_share": fit / t1, "strategy_share": strat / t1,
            "harness_share": (t1 - fit - strat) / t1}


def synthetic_run(path: Path, strategies: int = 10, problems: int = 50, seeds: int = 20,
                  evals: int = 100, seed: int = 0, protocols: int = 1) -> int:
    """Write a synthetic run directory with strategies x problems x seeds x evals rows,
    times ``protocols`` validation protocols (an axis: ``cv-3``, ``cv-5``, ...)."""
    import pyarrow as pa

    from tunebench.benchmarks.store.manifest_types import Manifest
    from tunebench.benchmarks.store.rundir import SCHEMA, RunDir, atomic_write_table

    names = ["random"] + [f"s{i:02d}" for i in range(1, strategies)]
    protos = [f"cv-{3 + 2 * i}" for i in range(protocols)]
    df = _synthetic_trials(np.random.default_rng(seed), names, protos, problems, seeds, evals)
    n = len(df)
    run = RunDir(path)
    run.create()
    atomic_write_table(run.trials_path, pa.Table.from_pandas(df[SCHEMA.names], schema=SCHEMA,
                                                             preserve_index=False))
    run.write_manifest(Manifest.from_dict({
        "run_id": "synthetic",
        "suite": {"name": "synthetic", "budget": evals, "folds": 5, "test_fraction": 0.25,
                  "start_from_default": False, "reference": {}, "strategies": names,
                  "problems": [f"p{i:02d}" for i in range(problems)],
                  "seeds": list(range(1, seeds + 1)),
                  **({"protocols": protos} if protocols > 1 else {})},
        "strategies": {s: {"library": "numpy", "spec": s} for s in names},
        "problems": {f"p{i:02d}": {"metric": "1-accuracy", "optimum": None}
                     for i in range(problems)},
        "environment": {"libraries": {}, "git": {}}}))
    return n


def _synthetic_trials(rng: np.random.Generator, names: list[str], protos: list[str],
                      problems: int, seeds: int, evals: int) -> pd.DataFrame:
    """The trials of :func:`synthetic_run`: every column of the trials schema, losses
    drawn from ``rng`` (strategy ``sNN`` is NN / (4 x strategies) better than random)."""
    strategies = len(names)
    idx = pd.MultiIndex.from_product([[f"p{i:02d}" for i in range(problems)], protos, names,
                                      range(1, seeds + 1), range(evals)],
                                     names=["problem", "protocol", "strategy", "seed", "trial"])
    n = len(idx)
    df = idx.to_frame(index=False)
    skill = df["strategy"].str[1:].replace("andom", "0").astype(int).to_numpy() / (4 * strategies)
    base = rng.random(n) * (1 - skill)
    df["val_loss"] = base
    df["test_loss"] = base + rng.normal(0, 0.02, n)
    fail = rng.random(n) < 0.01
    df.loc[fail, ["val_loss", "test_loss"]] = np.nan
    df["suite"] = "synthetic"
    df["params"] = '{"x": 0.5}'
    df["fold_losses"] = [[v] for v in df["val_loss"]]
    df["metric"] = "1-accuracy"
    df["status"] = np.where(fail, "error", "ok")
    df["error"] = np.where(fail, "synthetic failure", None)
    for c in ["fit_seconds", "ask_seconds", "tell_seconds"]:
        df[c] = rng.random(n) * 0.01
    df["trial_seconds"] = df["fit_seconds"] + df["ask_seconds"] + df["tell_seconds"]
    df["reused"] = False
    df["n_warnings"] = 0
    df["started_at"] = pd.Timestamp("2026-01-01", tz="UTC")
    from tunebench.benchmarks.store.rundir import METRIC_COLUMNS

    for c in METRIC_COLUMNS:  # the primary metric recorded; the others not applicable
        df[c] = np.nan
    df["val:1-accuracy"], df["test:1-accuracy"] = df["val_loss"], df["test_loss"]
    df["fidelity"] = 1.0
    df["cost"] = 1.0
    df["fits"] = 4
    df["n_train"] = pd.array([pd.NA] * n, dtype="Int64")  # the whole training part
    df["test_loss_se"] = np.nan
    return df


def report_scaling(workdir: Path, **shape: int) -> dict[str, Any]:
    """Wall time and peak memory of ``build_report`` on a synthetic run of ``shape``
    (:func:`synthetic_run`'s arguments), measured in a child process."""
    run = workdir / "synthetic"
    rows = synthetic_run(run, **shape)
    code = ("import resource, sys, time; from tunebench.benchmarks.report import build_report; "
            "u = resource.getrusage(resource.RUSAGE_SELF); t = time.perf_counter(); "
            "build_report(sys.argv[1]); r = resource.getrusage(resource.RUSAGE_SELF); "
            "print(time.perf_counter() - t, r.ru_utime + r.ru_stime - u.ru_utime - u.ru_stime, "
            "r.ru_maxrss)")
    res = subprocess.run([sys.executable, "-c", code, str(run)], capture_output=True,
                         text=True, check=True)
    # CPU seconds next to wall: on a shared machine the wall time follows the load
    seconds, cpu, rss_kib = res.stdout.split()[-3:]
    return {"rows": rows, "seconds": float(seconds), "cpu_seconds": float(cpu),
            "peak_mib": int(rss_kib) / 1024}


#: The paper suite's shape with a protocol axis: 15 x 84 x 20 x 100 x 2 = 5,040,000 rows.
PAPER_SHAPE = {"strategies": 15, "problems": 84, "seeds": 20, "evals": 100, "protocols": 2}


def paper_planning(suite: str = "paper", workers: int = 64) -> dict[str, Any]:
    """Reference build / cells (estimated) and the simulated longest-first makespan."""
    from tunebench.benchmarks.execution.runner import plan
    from tunebench.benchmarks.plan import estimate
    from tunebench.benchmarks.plan.suite import load
    from tunebench.benchmarks.reference import cache
    from tunebench.benchmarks.reference import tables as ref

    s = load(suite)
    costs = estimate.cell_costs(s, plan(s))
    cells = sum(costs.values())
    variants = {"in force": {},
                "campaign 1 x budget": {"factor": 1},
                "N = 5 x budget, campaign 1 x budget": {"samples": 5 * s.budget, "factor": 1}}
    build = {}
    for name, kw in variants.items():
        b = cache.build_cost(s, reuse=False, **kw)
        build[name] = {"sample_s": b.sample_seconds, "campaign_s": b.campaign_seconds,
                       "ratio": b.seconds / cells}
    in_order = list(costs.values())
    lpt = sorted(in_order, reverse=True)
    bound = cells / workers
    return {"suite": suite, "cells": len(costs), "cells_s": cells, "workers": workers,
            "samples_per_budget": ref.SAMPLES_PER_BUDGET, "campaign_factor": ref.CAMPAIGN_FACTOR,
            "build": build, "makespan_plan_order": estimate.makespan(in_order, workers) / bound,
            "makespan_longest_first": estimate.makespan(lpt, workers) / bound}


def to_markdown(result: dict[str, Any]) -> str:
    lines = [f"# tunebench performance, {result['date']}", "",
             f"Machine: {result['machine']['cpu']} x {result['machine']['cores']}, Python "
             f"{result['machine']['python']}. Command: `{result['command']}`.", "",
             "## Harness overhead (zero-cost objective: Branin)", "",
             "| strategy | evaluations | library loop (s) | through tunebench (s) | ratio | "
             "harness ms/trial |", "| --- | --- | --- | --- | --- | --- |"]
    for r in result["overhead"]:
        lines.append(f"| {r['strategy']} | {r['evaluations']} | {r['native_s']:.3f} | "
                     f"{r['tunebench_s']:.3f} | {r['ratio']:.3f} | "
                     f"{r['harness_ms_per_trial']:.3f} |")
    if result.get("parallel"):
        p = result["parallel"]
        lines += ["", f"## Suite `{p['suite']}`: parallel efficiency and time split", "",
                  f"* `--jobs 1`: {p['jobs1_s']:.1f} s; `--jobs 2`: {p['jobs2_s']:.1f} s; "
                  f"speed-up {p['speedup']:.2f} (records identical: {p['records_identical']})",
                  f"* estimated before the run (1 worker): {p['estimated_jobs1_s']:.1f} s, "
                  f"{p['estimate_over_measured']:.2f} x the measured time",
                  f"* of the `--jobs 1` wall time: model fitting {100 * p['fit_share']:.1f}%, "
                  f"strategy ask+tell {100 * p['strategy_share']:.1f}%, harness (process start, "
                  f"binding, storage) {100 * p['harness_share']:.1f}%"]
    reports = [result[k] for k in ("report", "paper_report") if result.get(k)]
    if reports:
        lines += ["", "## Report generation (synthetic runs; paper's shape: 15 strategies x "
                  "84 problems x 20 seeds x 100 evaluations x 2 protocols)", ""]
        lines += [f"* {r['rows']:,} rows: {r['seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s "
                  f"CPU, peak memory {r['peak_mib']:.0f} MiB" for r in reports]
    if result.get("planning"):
        p = result["planning"]
        lines += ["", f"## Planning `{p['suite']}` (estimated costs)", "",
                  f"* {p['cells']:,} cells, {p['cells_s'] / 3600:.0f} h of work; on "
                  f"{p['workers']} workers, makespan / (sum / {p['workers']}): longest first "
                  f"{p['makespan_longest_first']:.3f}, plan order {p['makespan_plan_order']:.3f}"]
        for name, b in p["build"].items():
            lines.append(f"* reference build / cells, {name}: {b['ratio']:.2f} (sample "
                         f"{b['sample_s'] / 3600:.0f} h, campaign {b['campaign_s'] / 3600:.0f} h)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tunebench.benchmarks.devtools.perf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evals", type=int, default=200)
    parser.add_argument("--suite", default="default")
    parser.add_argument("--skip-parallel", action="store_true")
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--skip-paper-report", action="store_true",
                        help="skip the report on 5,040,000 rows (paper's shape); the report on "
                        "1,000,000 rows is still measured")
    parser.add_argument("--out", type=Path, default=Path("results") / "perf")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from tunebench.benchmarks.store.manifest import cpu_model

    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"), "command": " ".join(sys.argv),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(),
                    "python": platform.python_version()}}
    result["planning"] = paper_planning()
    log.info("planning: %s", result["planning"])
    result["overhead"] = harness_overhead(args.evals)
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_report:
            result["report"] = report_scaling(Path(tmp) / "1m")
            log.info("report: %s", result["report"])
            if not args.skip_paper_report:  # targets (issue 28): <= 60 s, <= 4 GiB
                result["paper_report"] = report_scaling(Path(tmp) / "5m", **PAPER_SHAPE)
                log.info("paper-scale report: %s", result["paper_report"])
        if not args.skip_parallel:
            result["parallel"] = parallel_and_breakdown(args.suite, Path(tmp))
            log.info("parallel: %s", result["parallel"])
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / result["date"]
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, default=float))
    md = to_markdown(result)
    stem.with_suffix(".md").write_text(md)
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
