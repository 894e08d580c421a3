"""Build the report of one or more runs: ``index.html``, ``report.md``, tables and figures.

Everything is computed from the stored ``trials.parquet`` and ``manifest.json`` alone;
nothing is re-run. Several runs can be reported together when they share the protocol
(budget, folds, test fraction) and, for each shared problem, the seeds.
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.analysis.aggregate import curves
from benchmarks.analysis.normalise import best_known, normalised_scores, random_reference
from benchmarks.analysis.overfitting import overfitting, overfitting_table, rank_reversals
from benchmarks.analysis.ranks import ranks_over_time
from benchmarks.analysis.stats import (
    aggregate_scores,
    friedman,
    probability_of_improvement,
    wilcoxon_holm,
)
from benchmarks.analysis.trajectory import final, incumbents
from benchmarks.report import figures
from benchmarks.report.citations import bibtex
from benchmarks.report.fidelity import render_fidelity
from benchmarks.report.tables import Table
from benchmarks.store import RunDir, StoreError, read_trials

log = logging.getLogger(__name__)
PROTOCOL = ("budget", "folds", "test_fraction", "start_from_default")
ALPHA = 0.05


@dataclass
class Inputs:
    trials: pd.DataFrame
    manifests: list[dict[str, Any]]
    failed_cells: dict[str, str] = field(default_factory=dict)

    @property
    def manifest(self) -> dict[str, Any]:
        return self.manifests[0]


def load(run_dirs: list[str | Path]) -> Inputs:
    """Read and combine runs; refuse (StoreError) when their protocols differ."""
    frames, manifests, failed = [], [], {}
    for d in run_dirs:
        run = RunDir(d)
        if not run.exists():
            raise StoreError(f"{d}: no manifest.json; is it a tunebench run directory?")
        manifests.append(run.read_manifest())
        frames.append(read_trials(d))
        failed.update(run.failed_cells())
    first = manifests[0]["suite"]
    for d, m in zip(run_dirs[1:], manifests[1:], strict=True):
        diffs = [f"{k}: {first.get(k)!r} vs {m['suite'].get(k)!r}" for k in PROTOCOL
                 if first.get(k) != m["suite"].get(k)]
        if diffs:
            raise StoreError(f"cannot report {run_dirs[0]} and {d} together: their protocols "
                             f"differ ({'; '.join(diffs)})")
    trials = pd.concat(frames, ignore_index=True)
    dup = trials.duplicated(["problem", "strategy", "seed", "trial"])
    if dup.any():
        row = trials[dup].iloc[0]
        raise StoreError(f"the runs overlap: strategy {row['strategy']!r} on {row['problem']!r} "
                         f"seed {row['seed']} appears in more than one run")
    seeds = trials.groupby(["problem", "strategy"])["seed"].apply(lambda s: tuple(sorted(set(s))))
    for problem, g in seeds.groupby(level=0):
        if g.nunique() > 1:
            raise StoreError(f"cannot report these runs together: on {problem!r} the strategies "
                             f"were run with different seeds {sorted(set(g))}")
    return Inputs(trials, manifests, failed)


class Page:
    """Collects sections for the HTML page and the Markdown report at once."""

    def __init__(self, out: Path) -> None:
        self.out, self.html, self.md = out, [], []

    def heading(self, text: str, level: int = 2, anchor: str = "") -> None:
        a = f' id="{anchor}"' if anchor else ""
        self.html.append(f"<h{level}{a}>{html.escape(text)}</h{level}>")
        self.md.append("#" * level + " " + text + "\n")

    def para(self, text: str, raw_html: str | None = None) -> None:
        self.html.append(raw_html or f"<p>{html.escape(text)}</p>")
        self.md.append(text + "\n")

    def table(self, table: Table) -> None:
        table.write(self.out / "tables")
        self.html.append(table.to_html())
        self.md.append(table.to_markdown())

    def figure(self, fig: Any, name: str, caption: str, pdf: bool = True) -> None:
        d = self.out / "figures"
        buf = io.BytesIO()
        # Rendered once: the file and the page share it. Many-panel figures (pdf=False)
        # are large canvases already, so 90 dpi.
        fig.savefig(buf, format="png", dpi=110 if pdf else 90)
        (d / f"{name}.png").write_bytes(buf.getvalue())
        if pdf:
            fig.savefig(d / f"{name}.pdf")
        figures.plt.close(fig)
        data = base64.b64encode(buf.getvalue()).decode()
        self.html.append(f'<figure><img alt="{html.escape(caption)}" '
                         f'src="data:image/png;base64,{data}"><figcaption>'
                         f"{html.escape(caption)}</figcaption></figure>")
        self.md.append(f"![{caption}](figures/{name}.png)\n")

    def pre(self, text: str) -> None:
        self.html.append(f"<pre>{html.escape(text)}</pre>")
        self.md.append("```\n" + text + "\n```\n")


def _best_known_map(inputs: Inputs, problems: list[str]) -> tuple[dict[str, float], dict[str, str]]:
    values, sources = {}, {}
    reference = {}
    for m in inputs.manifests:
        reference.update(m["suite"].get("reference", {}))
    info = {}
    for m in inputs.manifests:
        info.update(m.get("problems", {}))
    for p in problems:
        meta = info.get(p, {})
        try:
            values[p], sources[p] = best_known(p, meta.get("metric", ""), meta.get("optimum"),
                                               reference)
        except ValueError as exc:
            log.warning("%s", exc)
    return values, sources


def _final_by_problem(fin: pd.DataFrame, within: pd.DataFrame) -> Table:
    """Median final incumbent test loss per problem x strategy; bold = best; marks:
    ``+``/``-`` significantly better/worse than random (within-problem Wilcoxon, Holm)."""
    med = fin.groupby(["problem", "strategy"])["inc_test"].median().unstack("strategy")
    bold = med.eq(med.min(axis=1), axis=0)
    marks = pd.DataFrame("", index=med.index, columns=med.columns)
    if not within.empty:
        for _, r in within.iterrows():
            if r["p_holm"] < ALPHA and "random" in (r["a"], r["b"]):
                other = r["b"] if r["a"] == "random" else r["a"]
                better = (r["median_diff"] < 0) == (r["a"] == other)
                marks.at[r["problem"], other] = "+" if better else "-"
    df = med.reset_index()
    b = bold.reset_index()
    b["problem"] = False
    mk = marks.reset_index()
    mk["problem"] = ""
    return Table("final_test_loss", df, "Median test loss of the final incumbent, per problem",
                 bold=b, marks=mk,
                 note="Bold: lowest per problem. +/-: significantly lower/higher than random "
                      "(Wilcoxon signed-rank over seeds, Holm-corrected within the problem, "
                      "alpha 0.05).")


def build_report(run_dirs: str | Path | list[str | Path], out: str | Path | None = None) -> Path:
    """Write the report; returns the path of ``index.html``."""
    if not isinstance(run_dirs, list):
        run_dirs = [run_dirs]
    inputs = load(run_dirs)
    out = Path(out) if out else Path(run_dirs[0]) / "report"
    for sub in ("figures", "tables"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    page = Page(out)
    df = inputs.trials
    m = inputs.manifest
    budget = int(m["suite"]["budget"])
    traj = overfitting(incumbents(df))
    problems = sorted(traj["problem"].unique())
    strategies = sorted(traj["strategy"].unique())
    colours = figures.palette(strategies)
    best, best_src = _best_known_map(inputs, problems)
    has_random = "random" in strategies
    if has_random:
        scored = normalised_scores(traj, random_reference(df, budget), best)
    else:
        scored = traj.assign(score_val=np.nan, score_test=np.nan)
    fin = final(scored)
    agg = aggregate_scores(fin, "score_test") if has_random else pd.DataFrame()
    agg_val = aggregate_scores(fin, "score_val") if has_random else pd.DataFrame()
    fr = friedman(fin, "inc_test")
    # across problems: per-problem median normalised test score, paired by problem
    per_problem = fin.groupby(["problem", "strategy"], as_index=False)["score_test"].median()
    across = wilcoxon_holm(per_problem, "score_test", ["problem"]) if has_random else pd.DataFrame()
    within = []
    for problem, g in fin.groupby("problem"):
        w = wilcoxon_holm(g, "inc_test", ["seed"])
        w.insert(0, "problem", problem)
        within.append(w)
    within_df = pd.concat(within, ignore_index=True) if within else pd.DataFrame()
    poi = probability_of_improvement(fin, "inc_test") if has_random else pd.DataFrame()

    # ---- summary verdict
    page.heading(f"tunebench report: suite {m['suite']['name']}", 1)
    runs = ", ".join(x["run_id"] for x in inputs.manifests)
    page.para(f"Run(s) {runs}: {len(df)} trials, {len(problems)} problems, {len(strategies)} "
              f"strategies, seeds {sorted(df['seed'].unique().tolist())}, budget {budget} "
              f"evaluations, {m['suite']['folds']}-fold CV, test fraction "
              f"{m['suite']['test_fraction']}.")
    page.heading("Summary verdict", 2, "summary")
    verdict = []
    if not agg.empty:
        top = agg.iloc[0]
        verdict.append(f"Highest IQM normalised test score: {top['strategy']} with "
                       f"{top['iqm']:.3f} (95% CI {top['iqm_low']:.3f} to {top['iqm_high']:.3f}; "
                       "0 = random search at the same budget, 1 = best known loss).")
        overlapping = agg[agg["iqm_high"] >= top["iqm_low"]]["strategy"].tolist()
        if len(overlapping) > 1:
            verdict.append("Its interval overlaps those of " + ", ".join(overlapping[1:])
                           + ": the data do not separate these.")
    else:
        verdict.append("No normalised scores: the run has no 'random' strategy, which "
                       "provides the reference point 0.")
    if "skipped" not in fr:
        sig = "differ significantly" if fr["p_value"] < ALPHA else "do not differ significantly"
        verdict.append(f"Friedman test over {fr['problems']} problems: strategies {sig} "
                       f"(chi2 = {fr['statistic']:.2f}, p = {fr['p_value']:.3g}, Kendall's "
                       f"W = {fr['kendalls_w']:.2f}); best mean rank: "
                       f"{fr['mean_ranks'].index[0]} ({fr['mean_ranks'].iloc[0]:.2f}).")
    if not poi.empty:
        best_poi = poi.iloc[0]
        verdict.append(f"Most likely to beat random search on a problem: {best_poi['strategy']} "
                       f"(P = {best_poi['p_improve']:.2f}, 95% CI {best_poi['low']:.2f}-"
                       f"{best_poi['high']:.2f}).")
    failed_trials = int((df["status"] != "ok").sum())
    if inputs.failed_cells or failed_trials:
        verdict.append(f"Failures: {len(inputs.failed_cells)} failed cell(s), {failed_trials} "
                       "failed trial(s); see 'Failures' below.")
    for v in verdict:
        page.para(v)

    # ---- aggregate
    page.heading("Aggregate over problems", 2, "aggregate")
    if not agg.empty:
        for name, a, kind in (("aggregate_test", agg, "test"), ("aggregate_val", agg_val, "validation")):
            t = a[["strategy", "problems", "seeds", "iqm", "iqm_low", "iqm_high", "mean",
                   "mean_low", "mean_high"]]
            bold = pd.DataFrame(False, index=t.index, columns=t.columns)
            bold.loc[t["iqm"].idxmax(), "iqm"] = True
            bold.loc[t["mean"].idxmax(), "mean"] = True
            page.table(Table(name, t, f"Normalised {kind} score at the full budget (IQM and "
                             "mean over problems x seeds, 95% stratified bootstrap CI)",
                             bold=bold))
        page.figure(figures.interval_plot(agg, "iqm", "iqm_low", "iqm_high", colours,
                                          "IQM normalised test score (95% CI)", vline=0.0),
                    "aggregate_iqm", "IQM normalised test score per strategy with 95% CI")
        curve = (scored.dropna(subset=["score_val"]).groupby(["strategy", "trial"])["score_val"]
                 .agg(lambda s: float(np.mean(np.sort(s)[len(s) // 4: len(s) - len(s) // 4]
                                              if len(s) >= 4 else s)))
                 .reset_index())
        page.figure(figures.lines(curve, "trial", "score_val", colours,
                                  "IQM normalised validation score", hline=0.0),
                    "score_over_budget", "IQM normalised validation score against evaluations")
    ranks = ranks_over_time(traj, "inc_val")
    page.figure(figures.lines(ranks, "trial", "mean_rank", colours,
                              "mean rank (1 = best)"), "ranks_over_time",
                "Mean rank by best validation loss so far, averaged over seeds and problems")

    # ---- statistics
    page.heading("Final-budget statistics", 2, "statistics")
    if "skipped" in fr:
        page.para(f"Friedman test skipped: {fr['skipped']}.")
    else:
        page.para(f"Friedman test on the median final test loss per problem: chi2 = "
                  f"{fr['statistic']:.3f}, p = {fr['p_value']:.3g}, Kendall's W = "
                  f"{fr['kendalls_w']:.3f}, critical difference (Nemenyi, 0.05) = "
                  f"{fr['critical_difference']:.3f}.")
        page.figure(figures.cd_diagram(fr["mean_ranks"], fr["nemenyi"],
                                       fr["critical_difference"]), "critical_difference",
                    "Critical-difference diagram: strategies joined by a bar are not "
                    "significantly different (Nemenyi, alpha 0.05)")
    if not across.empty:
        page.table(Table("wilcoxon_across_problems", across,
                         "Pairwise Wilcoxon signed-rank tests on per-problem median normalised "
                         "test scores (paired by problem), Holm-corrected",
                         note="median_diff and rank_biserial are a minus b; positive: a scores "
                              "higher (better)."))
    page.table(_final_by_problem(fin, within_df))
    if not within_df.empty:
        within_df.to_csv(out / "tables" / "wilcoxon_within_problems.csv", index=False)
        page.para("Within-problem pairwise tests (paired by seed): "
                  "tables/wilcoxon_within_problems.csv.",
                  '<p>Within-problem pairwise tests (paired by seed): '
                  '<a href="tables/wilcoxon_within_problems.csv">wilcoxon_within_problems.csv</a>.</p>')
    if not poi.empty:
        page.table(Table("probability_of_improvement", poi,
                         "Probability that a strategy's final test loss is lower than random "
                         "search's on a problem (95% bootstrap CI)"))

    # ---- per problem
    page.heading("Per problem", 2, "problems")
    # A PDF of a many-panel figure costs seconds to render and is no use in a paper: PDFs
    # of the per-problem figures are written for runs of up to 9 problems.
    per_pdf = len(problems) <= 9
    if not per_pdf:
        page.para(f"{len(problems)} problems: the per-problem figures are written as PNG only "
                  "(PDF up to 9 problems; report a subset of runs for PDFs).")
    conv = curves(traj, "inc_val")
    page.figure(figures.convergence(conv, problems, "best validation loss so far", colours),
                "convergence_val", "Best validation loss so far: median over seeds, 95% "
                "bootstrap band", pdf=per_pdf)
    conv_t = curves(traj, "inc_test")
    page.figure(figures.convergence(conv_t, problems, "test loss of incumbent", colours,
                                    logx=True),
                "convergence_test", "Test loss of the incumbent (log x): median over seeds, "
                "95% bootstrap band", pdf=per_pdf)
    tcurves = _time_curves(traj)
    page.figure(figures.convergence(tcurves, problems, "best validation loss so far", colours,
                                    logx=True, x="time", xlabel="wall time (s): fit+ask+tell"),
                "convergence_time", "Best validation loss so far against cumulative wall time "
                "(median over seeds)", pdf=per_pdf)
    refs = pd.DataFrame({"problem": problems,
                         "best_known": [best.get(p, np.nan) for p in problems],
                         "source": [best_src.get(p, "") for p in problems]})
    page.table(Table("references", refs, "Reference point 1 of the normalised score (L*) per "
                     "problem; point 0 is random search at the same budget"))

    render_fidelity(page, df, traj, problems, colours)  # multi-fidelity runs only

    # ---- overfitting
    page.heading("Validation overfitting", 2, "overfitting")
    page.table(Table("overfitting", overfitting_table(fin), "Overfitting at the full budget "
                     "per strategy (over all cells)",
                     note="share_rel_ot_above_1 is over cells where relative overtuning is "
                          "defined; share_no_progress: cells whose incumbent test loss never "
                          "improved by 1e-3."))
    gap = curves(traj, "gap", n_boot=0)
    page.figure(figures.convergence(gap, problems, "test - validation loss", colours),
                "gap_over_budget", "Generalisation gap of the incumbent against evaluations "
                "(median over seeds)", pdf=per_pdf)
    page.table(Table("rank_reversals", rank_reversals(fin), "Do strategies rank differently by "
                     "validation and by test loss? (median final incumbent per strategy)"))

    # ---- timing
    page.heading("Timing", 2, "timing")
    tm = df.groupby("strategy").agg(trials=("trial", "size"), fit_s=("fit_seconds", "sum"),
                                    ask_s=("ask_seconds", "sum"), tell_s=("tell_seconds", "sum"),
                                    reused=("reused", "sum")).reset_index()
    tm["strategy_ms_per_trial"] = 1000 * (tm["ask_s"] + tm["tell_s"]) / tm["trials"]
    tm["strategy_share"] = (tm["ask_s"] + tm["tell_s"]) / (tm["ask_s"] + tm["tell_s"] + tm["fit_s"])
    page.table(Table("timing", tm, "Time spent per strategy: model fitting vs the strategy's "
                     "own ask/tell"))

    # ---- failures
    page.heading("Failures", 2, "failures")
    ft = df[df["status"] != "ok"].groupby(["problem", "strategy", "status"]).size()
    if inputs.failed_cells:
        page.pre("Failed cells (strategy raised; traceback in cells/<cell>.error):\n"
                 + "\n".join(sorted(inputs.failed_cells)))
    if len(ft):
        page.table(Table("failed_trials", ft.rename("trials").reset_index(),
                         "Failed trials (counted in the budget; never incumbents)"))
    if not inputs.failed_cells and not len(ft):
        page.para("No failed cells and no failed trials.")

    # ---- provenance, citation, notes
    page.heading("Provenance", 2, "provenance")
    prov = {k: m.get(k) for k in ("run_id", "command", "started_at", "finished_at", "jobs",
                                  "backend")}
    prov["environment"] = m.get("environment")
    prov["suite"] = m.get("suite")
    prov["strategies"] = m.get("strategies")
    page.pre(json.dumps(prov, indent=2, default=str))
    page.heading("How to cite", 2, "cite")
    page.para("Cite tunebench and the libraries whose algorithms you report, at these versions:")
    bib = bibtex(m)
    (out / "references.bib").write_text(bib, encoding="utf-8")
    page.pre(bib)
    page.heading("Method notes", 2, "methods")
    for note in METHOD_NOTES:
        page.para(note)

    css = ("body{font-family:system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;"
           "line-height:1.4}img{max-width:100%}table{border-collapse:collapse;margin:1em 0;"
           "font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
           "caption{font-weight:600;text-align:left}pre{background:#f6f6f6;padding:1em;"
           "overflow:auto;font-size:80%}.note{font-size:85%;color:#555}"
           "figcaption{font-size:90%;color:#333}nav a{margin-right:1em}")
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in [
        ("summary", "Summary"), ("aggregate", "Aggregate"), ("statistics", "Statistics"),
        ("problems", "Per problem"), ("overfitting", "Overfitting"), ("timing", "Timing"),
        ("failures", "Failures"), ("provenance", "Provenance"), ("cite", "Cite"),
        ("methods", "Methods")])
    body = "\n".join(page.html)
    title = html.escape(f"tunebench report: {m['suite']['name']}")
    index = out / "index.html"
    index.write_text(f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
                     f"<title>{title}</title><style>{css}</style></head><body>"
                     f"<nav>{nav}</nav>\n{body}\n</body></html>\n", encoding="utf-8")
    (out / "report.md").write_text("\n".join(page.md), encoding="utf-8")
    log.info("report written to %s", index)
    return index


def _time_curves(traj: pd.DataFrame, points: int = 60) -> pd.DataFrame:
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


METHOD_NOTES = [
    "Incumbent: after t evaluations, the configuration with the lowest validation (CV) loss "
    "so far, the first one on ties; failed trials never become incumbents. Its test loss is "
    "the score of that configuration refit on the whole training part, on the held-out test "
    "part, which no strategy sees.",
    "Convergence bands: 95% percentile-bootstrap intervals of the median over seeds "
    "(200 resamples per curve). With few seeds they are wide, as they should be.",
    "Normalised score: (R0 - loss) / (R0 - L*), where R0 is the expected best-so-far of random "
    "search at the same budget, computed from the random strategy's evaluations by order "
    "statistics, and L* the best known loss (known optimum, suite reference, or the metric's "
    "ideal 0). Both are fixed by random search and the suite alone, so adding a strategy "
    "never changes another's score.",
    "IQM: the mean of the middle 50% of the (problem, seed) scores, robust to outlying runs. "
    "Its 95% interval resamples seeds within each problem (stratified bootstrap, 2000 "
    "resamples).",
    "Friedman test: do the strategies' ranks over problems differ beyond chance? Kendall's W "
    "(0-1) is its effect size; the Nemenyi post-hoc test and critical-difference diagram show "
    "which pairs differ.",
    "Wilcoxon signed-rank tests compare two strategies on paired values (problems, or seeds "
    "within a problem), Holm-corrected for the number of pairs. Effect sizes: the median "
    "difference and the matched-pairs rank-biserial correlation (-1 to 1). With n pairs the "
    "smallest two-sided exact p-value is 2/2^n: with 5 seeds no within-problem test can reach "
    "0.05.",
    "Probability of improvement: the chance that a strategy's final test loss on a problem "
    "is lower than random search's, over all seed pairs (ties count half), averaged over "
    "problems, with a stratified bootstrap interval.",
    "Generalisation gap: test loss minus validation loss of the incumbent. Overtuning "
    "(Schneider, Bischl & Feurer 2025): OT_t = test(inc_t) - min over s<=t of test(inc_s), how "
    "much tuning longer made the chosen model worse on unseen data; relative overtuning divides "
    "by the test improvement so far and is undefined (no progress) below 1e-3.",
    "Trajectory test regret: the incumbent's test loss minus the best test loss among all "
    "configurations tried so far: what selecting by validation loss cost. Rank reversals: "
    "the share of strategy pairs that validation and test losses order differently.",
]
