"""``tunebench nullcheck RUN_DIR [--resalt K]``: the run's null check, and whether a flag is
chance or a reference mismatch (:mod:`~benchmarks.analysis.resalt`)."""

from __future__ import annotations

from pathlib import Path


from tunebench.benchmarks.analysis.nullcheck import narrow_cells, null_check
from tunebench.benchmarks.analysis.resalt import flag_counts, share_summary, verdict_lines
from tunebench.benchmarks.analysis.summary import default_protocol, load
from tunebench.benchmarks.analysis.protocol import default_protocol_only
from tunebench.benchmarks.reference import runs as reference_runs
from tunebench.benchmarks.store.rundir import StoreError

SHOWN = ["strategy", "side", "problems", "seeds", "mean", "median", "iqm", "null_low",
         "null_high", "p_value", "narrow"]


def run_nullcheck(run_dir: Path, resalts: int, jobs: int = 1,
                  out: Path | None = None) -> list[str]:
    """The lines the command prints; raises StoreError with an actionable message when the
    run has no reference table or no random-search strategy."""
    inputs = load([run_dir])
    suite = inputs.manifest.suite
    trials = default_protocol_only(inputs.trials, suite)
    table, note = reference_runs.for_runs(inputs.run_dirs, inputs.manifests)
    if table is None:
        raise StoreError(f"{run_dir}: no null check without a reference table: {note}")
    proto = default_protocol(trials, suite)
    sample, lstar = table.sample(proto), table.lstar(proto)
    narrow = narrow_cells(sample, lstar, int(suite.budget))
    own = null_check(trials, sample, lstar, narrow=narrow)
    if own.empty:
        raise StoreError(f"{run_dir}: no random-search strategy (random, optuna-random, "
                         "hyperopt-random) in the run: nothing to check")
    lines = [f"null check of {run_dir} against reference table {table.name} ({table.hash}), "
             f"protocol {proto}:", own[SHOWN].to_string(index=False, float_format="%.3g")]
    if not narrow.empty:
        lines += ["narrow cells (R0 - L* below 1% of the sample's loss IQR; their scores "
                  "swing by whole units):", narrow.to_string(index=False, float_format="%.3g")]
    if not resalts:
        lines.append("a flag (p < 0.05) is expected in about 1 run in 20 by chance; add "
                     "--resalt 20 to tell chance from a mismatch")
        return lines
    from tunebench.benchmarks.execution.resalt import resalted_trials

    counts = flag_counts(resalted_trials(Path(run_dir), resalts, jobs), sample, lstar)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        counts.to_csv(out, index=False)
    lines += [f"re-salted {resalts} times (fresh strategy seeds, same objectives and table): "
              + share_summary(counts),
              counts.to_string(index=False, float_format="%.3g"),
              *verdict_lines(counts, own)]
    return lines


__all__ = ["run_nullcheck"]
