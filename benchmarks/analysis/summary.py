"""Every number a report shows, computed once: :func:`summarise` -> :class:`Summary`.

The report only renders a :class:`Summary`; a user's own table or plot starts from
``summarise(load([run_dir]))`` (or ``tunebench.summarise(run)``) instead of re-deriving
statistics. :func:`load` (:mod:`~benchmarks.analysis.inputs`) reads the runs from disk;
:func:`summarise` is a pure function of what it read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tunebench.benchmarks.analysis.bands import iqm_band, rank_band
from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.store.manifest_types import Manifest
from tunebench.benchmarks.analysis.bayes import signed_rank
from tunebench.benchmarks.analysis.checklist import checklist
from tunebench.benchmarks.analysis.conditional import by_mode
from tunebench.benchmarks.analysis.control import against_control
from tunebench.benchmarks.analysis.curves import (
    best_and_start,
    best_known_map,
    gap_curves,
    regret_curves,
    time_curves,
)
from tunebench.benchmarks.analysis.defaults import fixed_notes, moves_table
from tunebench.benchmarks.analysis.fidelity import fidelity_summary
from tunebench.benchmarks.analysis.inputs import (
    NOT_ANALYSED,
    PROTOCOL,
    Inputs,
    References,
    _seeds_with_failed,
    load,
)
from tunebench.benchmarks.analysis.metric_agreement import metric_rankings, primary_label
from tunebench.benchmarks.analysis.normalise import normalised_scores, reference_curves
from tunebench.benchmarks.analysis.nullcheck import above_one, final_scores, narrow_cells, null_check
from tunebench.benchmarks.analysis.overfitting import overfitting, overfitting_table, rank_reversals
from tunebench.benchmarks.analysis.parallel import default_workers_only, parallel_summary
from tunebench.benchmarks.analysis.power import power_statement, within_problem_note
from tunebench.benchmarks.analysis.profiles import TARGETS, performance_profile
from tunebench.benchmarks.analysis.protocol import compare_protocols, default_protocol_only, protocols_of
from tunebench.benchmarks.analysis.ranks import ranks_over_time
from tunebench.benchmarks.analysis.runinfo import failed_trials, provenance, timing
from tunebench.benchmarks.analysis.scaling import main_size_only, scaling, sizes_of
from tunebench.benchmarks.analysis.significance import (
    ALPHA,
    final_by_problem,
    inapplicable,
    significance_tests,
)
from tunebench.benchmarks.analysis.trajectory import final, incumbents
from tunebench.benchmarks.reference.baseline import BASELINE
from tunebench.problems.base import Status

#: The names other modules, tests and users import from here (kept where they moved from).
__all__ = ["ALPHA", "NOT_ANALYSED", "PROTOCOL", "Inputs", "References", "Summary", "load",
           "summarise", "default_protocol", "best_and_start", "best_known_map",
           "regret_curves", "gap_curves", "time_curves", "final_by_problem", "timing",
           "failed_trials", "provenance", "_seeds_with_failed"]
_inapplicable = inapplicable  # its old private name here (tests import it)


@dataclass
class Summary:
    """Everything the report shows, as DataFrames and dicts (see :func:`summarise`).

    Frames are empty (not missing) when a statistic does not apply, e.g. the normalised
    scores of a run without a reference table, or anything of a run where no trial
    succeeded (``empty`` is then True).
    """

    manifests: list[Manifest]
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
    def manifest(self) -> Manifest:
        return self.manifests[0]

    @property
    def has_scores(self) -> bool:
        return not self.aggregate_test.empty

    @property
    def empty(self) -> bool:
        """True when no trial succeeded (e.g. every cell failed or timed out)."""
        return self.trials.empty or not (self.trials["status"] == Status.OK).any()


def summarise(inputs: Inputs) -> Summary:
    """Compute every statistic of the report once: a pure function of ``inputs`` (the
    trials, manifests, failed cells and reference table :func:`load` read)."""
    suite = inputs.manifest.suite
    budget = int(suite.budget)
    # one copy of the default protocol's trials, shared by every section that reads it
    proto_trials = default_protocol_only(inputs.trials, suite)
    df = main_size_only(default_workers_only(proto_trials))
    n_main = (sizes_of(inputs.trials) or [None])[-1]  # None: one size per problem
    if df.empty or not (df["status"] == Status.OK).any():
        return _empty(inputs, budget)
    traj = overfitting(incumbents(df))
    problems = sorted(traj["problem"].unique())
    strategies = sorted(traj["strategy"].unique())
    refs, proto = inputs.references, default_protocol(df, suite)
    table, note = refs.table, refs.note
    lstar = refs.lstar_of(proto, n_main) if table is not None else pd.DataFrame()
    if table is not None and lstar.empty:
        table, note = None, (f"the reference table {table.name} ({table.hash}) has no rows "
                             f"for this run's protocol {proto}; build one for it with "
                             "`tunebench reference SUITE`")
    scored = (normalised_scores(traj, reference_curves(refs.sample_of(proto, n_main), budget),
                                lstar) if table is not None
              else traj.assign(score_val=np.nan, score_test=np.nan))
    fin = final(scored)
    tests = significance_tests(fin, table is not None)
    med, marks = final_by_problem(fin, tests["wilcoxon_within"])
    best, start = best_and_start(inputs.manifests, problems, lstar,
                                 reference_curves(refs.sample_of(proto, n_main), 1)
                                 if table is not None else pd.DataFrame())
    best_test = best_and_start(inputs.manifests, problems, lstar, pd.DataFrame(),
                               "lstar_test")[0]
    # the run's own (problem, seed) pairs, as the report lists them
    lstar = lstar.merge(df[["problem", "seed"]].drop_duplicates()) if not lstar.empty else lstar
    scores = table is not None and not tests["aggregate_test"].empty
    sample = refs.sample_of(proto, n_main) if scores else None
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
        scaling=scaling(default_workers_only(proto_trials)),
        **_sections(inputs, df, fin, scored, strategies, sample, lstar, proto_trials),
    )
    summary.bayes = signed_rank(fin) if scores else {}
    summary.checklist = checklist(summary, signed=refs.signed)
    return summary


def _sections(inputs: Inputs, df: pd.DataFrame, fin: pd.DataFrame, scored: pd.DataFrame,
              strategies: list[str], sample: pd.DataFrame | None,
              lstar: pd.DataFrame, proto_trials: pd.DataFrame) -> dict[str, Any]:
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
        **_null(df, sample, lstar, int(inputs.manifest.suite.budget)),
        "above_one": above_one(fin) if has_scores else {},
        "metric_ranks": ranks, "metric_agreement": agreement,
        "default_moves": moves_table(problems) if with_defaults else pd.DataFrame(),
        "fixed_notes": fixed_notes(problems) if with_defaults else {},
        # each axis section reads its own axis at the others' main value
        "protocols": compare_protocols(main_size_only(default_workers_only(inputs.trials)),
                                       inputs.manifest.suite),
        "fidelity": fidelity_summary(df, scored),
        "parallel": parallel_summary(main_size_only(proto_trials),
                                     inputs.manifest.suite.parallel, ALPHA,
                                     lstar, best_known_map(inputs.manifests, _without_table(
                                         problems, lstar))[0]),
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


def _without_table(problems: list[str], lstar: pd.DataFrame) -> list[str]:
    """The problems the reference table gives no L* (their known optimum is looked up;
    asking for the others only warned that they had no table)."""
    covered = set(lstar["problem"]) if not lstar.empty else set()
    return [p for p in problems if p not in covered]


def default_protocol(trials: pd.DataFrame, suite: Suite) -> str:
    """The validation protocol the report's scores are about: the first one present in the
    (default-protocol) trials, else the suite's first."""
    present = protocols_of(trials, suite)
    return present[0] if present else suite.protocol_names[0]


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
