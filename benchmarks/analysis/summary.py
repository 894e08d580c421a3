"""Every number a report shows, computed once: :func:`summarise` -> :class:`Summary`.

The report only renders a :class:`Summary`; a user's own table or plot starts from
``summarise(load([run_dir]))`` (or ``tunebench.summarise(run)``) instead of re-deriving
statistics. :func:`summarise` is a pure function of the loaded trials and manifests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tunebench.benchmarks.reference import runs as reference_runs
from tunebench.benchmarks.analysis.bayes import signed_rank
from tunebench.benchmarks.analysis.checklist import checklist
from tunebench.benchmarks.analysis.bands import iqm_band, quantile_curves, rank_band
from tunebench.benchmarks.analysis.conditional import by_mode
from tunebench.benchmarks.analysis.control import against_control
from tunebench.benchmarks.analysis.defaults import fixed_notes, moves_table
from tunebench.benchmarks.analysis.fidelity import fidelity_summary
from tunebench.benchmarks.analysis.metric_agreement import metric_rankings, primary_label
from tunebench.benchmarks.analysis.normalise import (
    best_known,
    normalised_scores,
    reference_curves,
)
from tunebench.benchmarks.analysis.nullcheck import above_one, final_scores, narrow_cells, null_check
from tunebench.benchmarks.analysis.parallel import default_workers_only, parallel_summary
from tunebench.benchmarks.analysis.overfitting import overfitting, overfitting_table, rank_reversals
from tunebench.benchmarks.analysis.power import power_statement, within_problem_note
from tunebench.benchmarks.analysis.profiles import TARGETS, performance_profile, problems_with_gap, regret
from tunebench.benchmarks.analysis.protocol import compare_protocols, default_protocol_only, protocols_of
from tunebench.benchmarks.analysis.scaling import main_size_only, scaling, sizes_of
from tunebench.benchmarks.analysis.ranks import ranks_over_time
from tunebench.benchmarks.analysis.stats import (
    aggregate_scores,
    friedman,
    probability_of_improvement,
    wilcoxon_holm,
)
from tunebench.benchmarks.analysis.trajectory import final, incumbents
from tunebench.benchmarks.plan.applicability import skipped_pairs
from tunebench.benchmarks.reference.baseline import BASELINE
from tunebench.benchmarks.store.manifest import problem_differences
from tunebench.benchmarks.store.rundir import RunDir, StoreError, read_trials
from tunebench.problems.base import Status
from tunebench.strategies.registry import StrategyNotFound

log = logging.getLogger(__name__)

#: Suite keys that must agree for runs to be reported together.
PROTOCOL = ("budget", "folds", "test_fraction", "start_from_default", "protocols", "metric")
#: Trial columns no statistic uses, not read (on millions of rows they would be most of
#: the memory: a JSON string and a list object per trial).
NOT_ANALYSED = ("params", "fold_losses")
#: Significance level of every test the report marks.
ALPHA = 0.05


@dataclass
class Inputs:
    """The stored trials and manifests of one or more runs, as read from disk."""

    trials: pd.DataFrame
    manifests: list[dict[str, Any]]
    failed_cells: dict[str, str] = field(default_factory=dict)
    #: The run directories read (the reference table each run recorded is found there).
    run_dirs: list[Path] = field(default_factory=list)

    @property
    def manifest(self) -> dict[str, Any]:
        return self.manifests[0]


def load(run_dirs: list[str | Path]) -> Inputs:
    """Read and combine runs (with the archived cells each one uses); refuse (StoreError)
    when their protocols differ."""
    from tunebench.benchmarks.store.archive import with_archived

    run_dirs = list(with_archived(run_dirs))
    frames, manifests, failed = [], [], {}
    for d in run_dirs:
        run = RunDir(d)
        if not run.exists():
            raise StoreError(f"{d}: no manifest.json; is it a tunebench run directory?")
        manifests.append(run.read_manifest())
        frames.append(read_trials(d, skip=NOT_ANALYSED))
        failed.update(run.failed_cells())
    first = manifests[0]["suite"]
    for d, m in zip(run_dirs[1:], manifests[1:], strict=True):
        diffs = [f"{k}: {first.get(k)!r} vs {m['suite'].get(k)!r}" for k in PROTOCOL
                 if first.get(k) != m["suite"].get(k)]
        if diffs:
            raise StoreError(f"cannot report {run_dirs[0]} and {d} together: their protocols "
                             f"differ ({'; '.join(diffs)})")
        diffs = problem_differences(manifests[0], m)
        if diffs:
            raise StoreError(f"cannot report {run_dirs[0]} and {d} together: {diffs[0]}")
    trials = pd.concat(frames, ignore_index=True)
    _check_combinable(trials, manifests, failed)
    return Inputs(trials, manifests, failed, [Path(d) for d in run_dirs])


def _check_combinable(trials: pd.DataFrame, manifests: list[dict[str, Any]],
                      failed: dict[str, str]) -> None:
    dup = trials.duplicated(["problem", "strategy", "seed", "trial"]
                            + (["protocol"] if "protocol" in trials else [])
                            + (["workers"] if "workers" in trials else [])
                            + (["n_train"] if "n_train" in trials else []))
    if dup.any():
        row = trials[dup].iloc[0]
        raise StoreError(f"the runs overlap: strategy {row['strategy']!r} on {row['problem']!r} "
                         f"seed {row['seed']} appears in more than one run")
    seeds = _seeds_with_failed(trials, manifests, failed)
    for problem, g in seeds.groupby(level=0):
        if g.nunique() > 1:
            raise StoreError(f"cannot report these runs together: on {problem!r} the strategies "
                             f"were run with different seeds {sorted(set(g))}")


def _seeds_with_failed(trials: pd.DataFrame, manifests: list[dict[str, Any]],
                       failed: dict[str, str]) -> pd.Series:
    """Seeds per (problem, strategy), counting failed cells (they have no trials)."""
    from tunebench.benchmarks.plan.cells import Cell, several

    seeds = trials.groupby(["problem", "strategy"])["seed"].apply(set)
    specs = {n: i.get("spec", n) for m in manifests for n, i in m.get("strategies", {}).items()}
    protocols = several(sorted({p for m in manifests
                                for p in (m["suite"].get("protocols") or [])}), "")
    sizes = several(sorted({str(x) for m in manifests
                            for x in (m["suite"].get("train_sizes") or [])}), "")
    every = set(trials["seed"])
    for (problem, strategy), got in seeds.items():
        spec = specs.get(strategy, strategy)
        got |= {s for s in every for p in protocols for n in sizes
                if Cell(problem, spec, s, p, train_size=n).id in failed}
    return seeds.apply(lambda s: tuple(sorted(s)))


@dataclass
class Summary:
    """Everything the report shows, as DataFrames and dicts (see :func:`summarise`).

    Frames are empty (not missing) when a statistic does not apply, e.g. the normalised
    scores of a run without a reference table, or anything of a run where no trial
    succeeded (``empty`` is then True).
    """

    manifests: list[dict[str, Any]]
    #: The trials of the default (first) validation protocol; ``all_trials``: every protocol.
    trials: pd.DataFrame
    all_trials: pd.DataFrame
    failed_cells: dict[str, str]
    budget: int
    problems: list[str]
    strategies: list[str]
    #: The primary metric's name, used in every caption and axis that shows a loss.
    metric_label: str
    #: Incumbent trajectories with overfitting columns and normalised scores.
    scored: pd.DataFrame
    #: The trajectory's last row per cell (problem, strategy, seed).
    final: pd.DataFrame
    #: Normalised test / validation score per strategy (IQM, mean, bootstrap CIs).
    aggregate_test: pd.DataFrame
    aggregate_val: pd.DataFrame
    #: Friedman test result (``skipped`` key when it cannot run).
    friedman: dict[str, Any]
    #: Pairwise Wilcoxon tests across problems and within each problem (Holm).
    wilcoxon_across: pd.DataFrame
    wilcoxon_within: pd.DataFrame
    probability_of_improvement: pd.DataFrame
    #: Median final incumbent test loss per problem x strategy, and its +/- marks.
    final_by_problem: pd.DataFrame
    final_marks: pd.DataFrame
    #: Curves: IQM normalised score bands (val, test) and mean-rank bands over evaluations.
    score_bands: dict[str, pd.DataFrame]
    rank_band: pd.DataFrame
    ranks: pd.DataFrame
    #: Log regret (loss - L*) median and IQR per problem, validation and test.
    regret: dict[str, pd.DataFrame]
    #: Anytime performance profile (COCO-style) on the validation loss.
    profile: pd.DataFrame
    convergence_time: pd.DataFrame
    #: Generalisation gap median/IQR, for the problems that have a gap at all.
    gap: pd.DataFrame
    gap_problems: list[str]
    #: The frozen reference table (or None) and what the report says about it.
    reference: Any
    reference_note: str
    #: L* per (problem, seed): lstar_val, lstar_test, source.
    lstar: pd.DataFrame
    overfitting: pd.DataFrame
    rank_reversals: pd.DataFrame
    timing: pd.DataFrame
    failed_trials: pd.DataFrame
    provenance: dict[str, Any]
    #: The primary analysis: each strategy against random search on per-problem mean
    #: normalised test scores, Holm over k - 1 (empty without scores or without random).
    control: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: What this design (problems x strategies) can detect, as the report states it.
    power_statement: str = ""
    #: Footnote of the per-problem table: its significance marks, or why none can appear.
    within_note: str = ""
    #: Final losses and normalised scores per cell; the null check of random search (its
    #: mean score against its permutation distribution; :mod:`~benchmarks.analysis.nullcheck`);
    #: how many final scores exceed 1, per side.
    final_scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    null_check: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: (problem, seed, side) whose R0 - L* is below NARROW_FRACTION of the sample's IQR.
    null_narrow: pd.DataFrame = field(default_factory=pd.DataFrame)
    above_one: dict[str, int] = field(default_factory=dict)
    #: Rankings of strategies under every recorded metric, and Kendall's tau of each with
    #: the ranking under the primary metric.
    metric_ranks: pd.DataFrame = field(default_factory=pd.DataFrame)
    metric_agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: When ``defaults`` ran: library defaults resolved or moved into the search space, and
    #: what each model family keeps fixed.
    default_moves: pd.DataFrame = field(default_factory=pd.DataFrame)
    fixed_notes: dict[str, str] = field(default_factory=dict)
    #: Protocol comparison (:func:`~benchmarks.analysis.protocol.compare_protocols`; empty
    #: with one protocol) and multi-fidelity numbers (empty when all ran at full fidelity).
    protocols: dict[str, Any] = field(default_factory=dict)
    #: Training-size axis (:func:`~benchmarks.analysis.scaling.scaling`; empty with one size).
    scaling: dict[str, Any] = field(default_factory=dict)
    fidelity: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Benchmarking checklist (:mod:`~benchmarks.analysis.checklist`): item, met, evidence,
    #: guideline; and the Bayesian signed-rank comparison against random
    #: (:func:`~benchmarks.analysis.bayes.signed_rank`; {} without scores).
    checklist: pd.DataFrame = field(default_factory=pd.DataFrame)
    bayes: dict[str, Any] = field(default_factory=dict)
    #: "With parallel workers" (:func:`~benchmarks.analysis.parallel.parallel_summary`;
    #: empty for a sequential run). The other sections read the smallest worker count.
    parallel: dict[str, Any] = field(default_factory=dict)
    #: Native against flattened handling of conditional spaces
    #: (:func:`~benchmarks.analysis.conditional.by_mode`; empty without conditional problems).
    conditional_modes: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def manifest(self) -> dict[str, Any]:
        return self.manifests[0]

    @property
    def has_scores(self) -> bool:
        return not self.aggregate_test.empty

    @property
    def empty(self) -> bool:
        """True when no trial succeeded (e.g. every cell failed or timed out)."""
        return self.trials.empty or not (self.trials["status"] == Status.OK).any()


def summarise(inputs: Inputs) -> Summary:
    """Compute every statistic of the report once, from the loaded runs alone."""
    budget = int(inputs.manifest["suite"]["budget"])
    df = main_size_only(default_workers_only(default_protocol_only(inputs.trials,
                                                                   inputs.manifest["suite"])))
    n_main = (sizes_of(inputs.trials) or [None])[-1]  # None: one size per problem
    if df.empty or not (df["status"] == Status.OK).any():
        return _empty(inputs, budget)
    traj = overfitting(incumbents(df))
    problems = sorted(traj["problem"].unique())
    strategies = sorted(traj["strategy"].unique())
    table, note = reference_runs.for_runs(inputs.run_dirs, inputs.manifests)
    proto = default_protocol(df, inputs.manifest["suite"])
    lstar = table.lstar(proto, n_main) if table is not None else pd.DataFrame()
    if table is not None and lstar.empty:
        table, note = None, (f"the reference table {table.name} ({table.hash}) has no rows "
                             f"for this run's protocol {proto}; build one for it with "
                             "`tunebench reference SUITE`")
    scored = (normalised_scores(traj, reference_curves(table.sample(proto, n_main), budget),
                                lstar) if table is not None
              else traj.assign(score_val=np.nan, score_test=np.nan))
    fin = final(scored)
    tests = _tests(fin, table is not None)
    med, marks = final_by_problem(fin, tests["wilcoxon_within"])
    best, start = best_and_start(inputs.manifests, problems, lstar,
                                 reference_curves(table.sample(proto, n_main), 1)
                                 if table is not None else pd.DataFrame())
    best_test = best_and_start(inputs.manifests, problems, lstar, pd.DataFrame(),
                               "lstar_test")[0]
    # the run's own (problem, seed) pairs, as the report lists them
    lstar = lstar.merge(df[["problem", "seed"]].drop_duplicates()) if not lstar.empty else lstar
    scores = table is not None and not tests["aggregate_test"].empty
    sample = table.sample(proto, n_main) if scores else None
    summary = Summary(
        manifests=inputs.manifests, trials=df, all_trials=inputs.trials,
        failed_cells=dict(inputs.failed_cells), budget=budget, problems=problems,
        strategies=strategies, metric_label=primary_label(df), scored=scored, final=fin,
        **tests, final_by_problem=med, final_marks=marks,
        score_bands=({k: iqm_band(scored, f"score_{k}") for k in ("val", "test")}
                     if table is not None else {}),
        rank_band=rank_band(traj, "inc_val"), ranks=ranks_over_time(traj, "inc_val"),
        regret=regret_curves(traj, lstar, best, best_test), profile=performance_profile(
            traj, "inc_val", start, best, TARGETS),
        convergence_time=time_curves(traj), **gap_curves(traj),
        reference=table, reference_note=note, lstar=lstar,
        overfitting=overfitting_table(fin), rank_reversals=rank_reversals(fin),
        timing=timing(df), failed_trials=failed_trials(df),
        provenance=provenance(inputs.manifest),
        scaling=scaling(default_protocol_only(inputs.trials, inputs.manifest["suite"])),
        **_sections(inputs, df, fin, scored, strategies, sample, lstar),
    )
    summary.bayes = signed_rank(fin) if scores else {}
    summary.checklist = checklist(summary, inputs.run_dirs)
    return summary


def _sections(inputs: Inputs, df: pd.DataFrame, fin: pd.DataFrame, scored: pd.DataFrame,
              strategies: list[str], sample: pd.DataFrame | None,
              lstar: pd.DataFrame) -> dict[str, Any]:
    """The numbers of the control, null-check, metric, defaults, protocol and fidelity
    sections; ``sample`` is the reference sample of the run's protocol, None when the run
    has no normalised scores."""
    has_scores = sample is not None
    problems = sorted(fin["problem"].unique())
    seeds = int(fin.groupby("problem")["seed"].nunique().min())
    ranks, agreement = metric_rankings(df)
    with_defaults = "defaults" in strategies
    return {
        "control": (against_control(fin, "score_test", BASELINE, ALPHA, lower_is_better=False)
                    if has_scores else pd.DataFrame()),
        "power_statement": power_statement(len(problems), int(fin["strategy"].nunique()),
                                           ALPHA),
        "within_note": within_problem_note(seeds, len(strategies), ALPHA),
        "final_scores": final_scores(fin),
        **_null(df, sample, lstar, int(inputs.manifest["suite"]["budget"])),
        "above_one": above_one(fin) if has_scores else {},
        "metric_ranks": ranks, "metric_agreement": agreement,
        "default_moves": moves_table(problems) if with_defaults else pd.DataFrame(),
        "fixed_notes": fixed_notes(problems) if with_defaults else {},
        "protocols": compare_protocols(inputs.trials, inputs.manifest["suite"]),
        "fidelity": fidelity_summary(df, scored),
        "parallel": parallel_summary(default_protocol_only(inputs.trials,
                                                           inputs.manifest["suite"]),
                                     inputs.manifest["suite"].get("parallel"), ALPHA),
        "conditional_modes": by_mode(fin),
    }


def _null(df: pd.DataFrame, sample: pd.DataFrame | None, lstar: pd.DataFrame,
          budget: int) -> dict[str, pd.DataFrame]:
    """The null check and its narrow cells (empty without normalised scores)."""
    if sample is None:
        return {"null_check": pd.DataFrame(), "null_narrow": pd.DataFrame()}
    narrow = narrow_cells(sample, lstar, budget).merge(
        df[["problem", "seed"]].drop_duplicates().astype({"seed": int}))
    return {"null_check": null_check(df, sample, lstar, narrow=narrow), "null_narrow": narrow}


def default_protocol(trials: pd.DataFrame, suite: dict[str, Any]) -> str:
    """The validation protocol the report's scores are about: the first one present in the
    (default-protocol) trials, else the suite's first."""
    present = protocols_of(trials, suite)
    return present[0] if present else (suite.get("protocols") or [f"cv-{suite['folds']}"])[0]


def _inapplicable(strategies: list[str], problems: list[str]) -> set[str]:
    """Strategies the suite does not run on some of ``problems`` by design
    (:mod:`benchmarks.applicability`); a plug-in this installation cannot load counts as
    applicable everywhere (the report works from stored results alone)."""
    out = set()
    for s in strategies:
        try:
            if skipped_pairs((s,), tuple(problems)):
                out.add(s)
        except (StrategyNotFound, KeyError):
            continue
    return out


def _tests(fin: pd.DataFrame, has_scores: bool) -> dict[str, Any]:
    """Aggregates and significance tests at the full budget."""
    partial = _inapplicable(sorted(fin["strategy"].unique()), sorted(fin["problem"].unique()))
    # across problems: per-problem median normalised test score, paired by problem
    per_problem = fin.groupby(["problem", "strategy"], as_index=False)["score_test"].median()
    within = []
    for problem, g in fin.groupby("problem"):
        w = wilcoxon_holm(g, "inc_test", ["seed"])
        w.insert(0, "problem", problem)
        within.append(w)
    none = pd.DataFrame()
    has_baseline = BASELINE in set(fin["strategy"])
    return {
        "aggregate_test": aggregate_scores(fin, "score_test") if has_scores else none,
        "aggregate_val": aggregate_scores(fin, "score_val") if has_scores else none,
        "friedman": friedman(fin, "inc_test", partial),
        "wilcoxon_across": (wilcoxon_holm(per_problem, "score_test", ["problem"])
                            if has_scores else none),
        "wilcoxon_within": pd.concat(within, ignore_index=True) if within else none,
        "probability_of_improvement": (probability_of_improvement(fin, "inc_test", BASELINE)
                                       if has_baseline else none),
    }


def _empty(inputs: Inputs, budget: int) -> Summary:
    """The summary of runs without a successful trial: only failures and provenance."""
    none = pd.DataFrame()
    return Summary(
        manifests=inputs.manifests, trials=inputs.trials, all_trials=inputs.trials,
        failed_cells=dict(inputs.failed_cells), budget=budget, problems=[], strategies=[],
        metric_label="loss", scored=none, final=none, aggregate_test=none,
        aggregate_val=none, friedman={"skipped": "no trial succeeded"}, wilcoxon_across=none,
        wilcoxon_within=none, probability_of_improvement=none, final_by_problem=none,
        final_marks=none, score_bands={}, rank_band=none, ranks=none, regret={},
        profile=none, convergence_time=none, gap=none, gap_problems=[], reference=None,
        reference_note="no trial succeeded", lstar=none, overfitting=none,
        rank_reversals=none, timing=none,
        failed_trials=failed_trials(inputs.trials) if len(inputs.trials) else none,
        provenance=provenance(inputs.manifest),
    )


def best_and_start(manifests: list[dict[str, Any]], problems: list[str], lstar: pd.DataFrame,
                   r0_first: pd.DataFrame, column: str = "lstar_val"
                   ) -> tuple[dict[str, float], dict[str, float]]:
    """Per problem: L* (validation; mean over seeds of the frozen per-seed values, else a
    synthetic function's known optimum) and the profile's start point (R0 at t = 1, the
    expected loss of one random configuration, mean over seeds)."""
    best: dict[str, float] = {}
    if not lstar.empty:
        best = lstar.groupby("problem")[column].mean().to_dict()
    known, _ = best_known_map(manifests, [p for p in problems if p not in best])
    best.update(known)
    start = (r0_first.groupby("problem")["r0_val"].mean().to_dict()
             if not r0_first.empty else {})
    return best, start


def regret_curves(traj: pd.DataFrame, lstar: pd.DataFrame, best_val: dict[str, float],
                  best_test: dict[str, float]) -> dict[str, pd.DataFrame]:
    """Median and IQR over seeds of the incumbent's validation regret (against validation
    L*) and test regret (against test L*), each seed against its own frozen L*; problems
    without a table row (synthetic functions) use their known optimum."""
    out = {}
    for kind, best in (("val", best_val), ("test", best_test)):
        col = f"inc_{kind}"
        reg = regret(traj, best, columns=(col,))
        if not lstar.empty and not reg.empty:
            per_seed = reg.merge(lstar[["problem", "seed", f"lstar_{kind}"]],
                                 on=["problem", "seed"], how="left")[f"lstar_{kind}"]
            known = reg["problem"].map(best).astype(float).to_numpy()
            lower = np.where(per_seed.isna().to_numpy(), known, per_seed.to_numpy())
            reg[f"regret_{col}"] = np.maximum(reg[col].to_numpy() - lower, 1e-8)
        if not reg.empty:
            out[kind] = quantile_curves(reg, f"regret_{col}")
    return out


def gap_curves(traj: pd.DataFrame) -> dict[str, Any]:
    """Gap median/IQR for the problems with a generalisation gap (not noise-free ones)."""
    keep = problems_with_gap(traj)
    gap = (quantile_curves(traj[traj["problem"].isin(keep)], "gap") if keep
           else pd.DataFrame())
    return {"gap": gap, "gap_problems": keep}


def best_known_map(manifests: list[dict[str, Any]], problems: list[str]
                   ) -> tuple[dict[str, float], dict[str, str]]:
    """L* per problem and its source, from the manifests' problem info and suite references."""
    values, sources = {}, {}
    reference: dict[str, float] = {}
    info: dict[str, Any] = {}
    for m in manifests:
        reference.update(m["suite"].get("reference", {}))
        info.update(m.get("problems", {}))
    for p in problems:
        meta = info.get(p, {})
        try:
            values[p], sources[p] = best_known(p, meta.get("metric", ""), meta.get("optimum"),
                                               reference)
        except ValueError as exc:
            log.warning("%s", exc)
    return values, sources


def final_by_problem(fin: pd.DataFrame, within: pd.DataFrame
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Median final incumbent test loss (problem x strategy) and its marks: ``+``/``-``
    significantly better/worse than the baseline (within-problem Wilcoxon, Holm)."""
    med = fin.groupby(["problem", "strategy"])["inc_test"].median().unstack("strategy")
    marks = pd.DataFrame("", index=med.index, columns=med.columns)
    if not within.empty:
        for _, r in within.iterrows():
            if r["p_holm"] < ALPHA and BASELINE in (r["a"], r["b"]):
                other = r["b"] if r["a"] == BASELINE else r["a"]
                better = (r["median_diff"] < 0) == (r["a"] == other)
                marks.at[r["problem"], other] = "+" if better else "-"
    return med, marks


def timing(df: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: trials, fit / ask / tell seconds, reused evaluations, strategy share."""
    tm = df.groupby("strategy").agg(trials=("trial", "size"), fit_s=("fit_seconds", "sum"),
                                    ask_s=("ask_seconds", "sum"), tell_s=("tell_seconds", "sum"),
                                    reused=("reused", "sum")).reset_index()
    tm["strategy_ms_per_trial"] = 1000 * (tm["ask_s"] + tm["tell_s"]) / tm["trials"]
    tm["strategy_share"] = (tm["ask_s"] + tm["tell_s"]) / (tm["ask_s"] + tm["tell_s"] + tm["fit_s"])
    return tm


def failed_trials(df: pd.DataFrame) -> pd.DataFrame:
    """Failed trials counted per (problem, strategy, status)."""
    ft = df[df["status"] != Status.OK].groupby(["problem", "strategy", "status"]).size()
    return ft.rename("trials").reset_index()


def provenance(m: dict[str, Any]) -> dict[str, Any]:
    """The manifest's record of what produced the run (first run of several)."""
    prov = {k: m.get(k) for k in ("run_id", "command", "started_at", "finished_at", "jobs",
                                  "backend")}
    prov["environment"] = m.get("environment")
    prov["suite"] = m.get("suite")
    prov["strategies"] = m.get("strategies")
    return prov


def time_curves(traj: pd.DataFrame, points: int = 60) -> pd.DataFrame:
    """Median over seeds of best-so-far val loss on a common log-spaced wall-time grid."""
    rows = []
    for problem, gp in traj.groupby("problem", sort=True):
        lo = max(gp["elapsed"].min(), 1e-4)
        hi = gp["elapsed"].max()
        grid = np.geomspace(lo, hi, points) if hi > lo else np.array([hi])
        for strategy, gs in gp.groupby("strategy", sort=True):
            vals = []
            for _, cell in gs.groupby("seed"):
                e, v = cell["elapsed"].to_numpy(), cell["inc_val"].to_numpy()
                i = np.searchsorted(e, grid, side="right") - 1
                vals.append(np.where(i >= 0, v[np.clip(i, 0, None)], np.nan))
            arr = np.array(vals)
            with np.errstate(all="ignore"):
                ok = ~np.isnan(arr).any(axis=0)
            if ok.any():
                med = np.median(arr[:, ok], axis=0)
                rows.append(pd.DataFrame({"problem": problem, "strategy": strategy,
                                          "time": grid[ok], "center": med, "low": med,
                                          "high": med}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["problem", "strategy", "time", "center", "low", "high"])
