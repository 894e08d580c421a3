"""Report section "With parallel workers": loss against simulated wall time for each q."""

from __future__ import annotations

from typing import Any

from tunebench.benchmarks.report import figures
from tunebench.benchmarks.report.tables import Table

CLOCK_RULE = (
    "Parallel workers are simulated: the records are the same whatever the machine or --jobs. "
    "{mode} Each evaluation lasts a deterministic simulated time: the problem's measured "
    "seconds per model fit (benchmarks/suites/selection.csv) x the protocol's fits x the "
    "configuration's training resource (epochs, trees) relative to its average draw; other "
    "effects on fit time are not modelled, and suggestion overhead is not charged. The budget "
    "is the number of evaluations at every q."
)
MODES = {
    "batch": "Batch mode: each round the strategy proposes q configurations before any of "
             "their results; a round lasts as long as its slowest evaluation.",
    "async": "Asynchronous mode: q workers; each worker that finishes is told its result and "
             "gets the next suggestion while the others are still running.",
}


def _raw_note(parallel: dict[str, Any]) -> str:
    missing = parallel.get("without_lstar") or []
    return (f"; without a reference table, {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} plotted as raw validation loss"
            if missing else "")


def render_parallel(page: Any, parallel: dict[str, Any], problems: list[str],
                    colours: dict[str, object]) -> None:
    """Add the section to ``page`` for a parallel run (``Summary.parallel``; {} otherwise)."""
    if not parallel:
        return
    page.heading("With parallel workers", 2, "parallel", nav="Parallel")
    page.para(CLOCK_RULE.format(mode=MODES.get(parallel["mode"], "")))
    curves = parallel["curves"]
    for q in parallel["workers"]:
        sub = curves[curves["workers"] == q].rename(columns={"regret": "center"})
        sub = sub.assign(low=sub["center"], high=sub["center"])
        page.figure(figures.convergence(sub, problems, "validation regret (to L*)",
                                        colours, logx=False, x="time", bands=False,
                                        xlabel="simulated wall time (s)"),
                    f"parallel_regret_q{q}", f"q = {q} workers: validation regret of the "
                    "incumbent (minus each seed's frozen L* from the reference table) "
                    "against simulated wall time, mean over seeds" + _raw_note(parallel))
    page.table(Table("parallel_scaling", parallel["scaling"],
                     "Speed-up to reach random search's final one-worker validation loss "
                     "(its one-worker time / this time) and parallel efficiency (the "
                     "strategy's one-worker time / (q x its time at q)): medians over "
                     "problems where the target was reached"))
    page.table(Table("parallel_best", parallel["best"], "Best strategy at each q: lowest "
                     "mean rank over problems of the final validation loss"))
    if not parallel["control"].empty:
        page.table(Table("parallel_control", parallel["control"], "Each strategy against "
                         "random search at the same q: exact Wilcoxon signed-rank over "
                         "problems on the final validation loss, Holm within each q"))
