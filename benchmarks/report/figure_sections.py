"""Report sections made of figures only: the performance profile, log-regret convergence and
the generalisation gap. Each takes the page (anything with ``figure`` and ``para``), the
data and the strategies' styles, so ``build.py`` only calls them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from benchmarks.analysis.bands import quantile_curves
from benchmarks.analysis.profiles import (
    TARGETS,
    performance_profile,
    problems_with_gap,
    regret,
)
from benchmarks.report import figures
from benchmarks.report.palette import Style


def report_profile(page: Any, traj: pd.DataFrame, r0: pd.DataFrame, best: Mapping[str, float],
                   styles: Mapping[str, Style]) -> None:
    """The one-figure summary: share of (run, target) pairs reached against evaluations."""
    start = r0[r0["trial"] == 0].set_index("problem")["r0_val"].to_dict()
    prof = performance_profile(traj, "inc_val", start, best, TARGETS)
    if prof.empty:
        page.para("No performance profile: no problem has both a random-search start point "
                  "and a best-known loss.")
        return
    page.figure(figures.profile(prof, styles, TARGETS), "performance_profile",
                "Anytime performance profile: share of (problem, seed, target) triples reached "
                "by the best validation loss so far, against evaluations (COCO-style ECDF)")


def report_regret(page: Any, traj: pd.DataFrame, best: Mapping[str, float],
                  styles: Mapping[str, Style], pdf: bool) -> None:
    """Validation and test log regret per problem, the same axes for both."""
    reg = regret(traj, best)
    problems = sorted(reg["problem"].unique())
    missing = sorted(set(traj["problem"]) - set(problems))
    if missing:
        page.para("No best-known loss, so no regret panel, for: " + ", ".join(missing) + ".")
    if not problems:
        return
    for kind, label in (("val", "validation"), ("test", "test")):
        conv = quantile_curves(reg, f"regret_inc_{kind}")
        page.figure(figures.convergence(conv, problems, f"{label} regret (loss - L*)", styles,
                                        logx=True, logy=True),
                    f"convergence_{kind}", f"{label.capitalize()} regret of the incumbent "
                    "against evaluations (log-log): median over seeds, interquartile band for "
                    "random search and the two best strategies per problem", pdf=pdf)


def report_gap(page: Any, traj: pd.DataFrame, styles: Mapping[str, Style], pdf: bool) -> None:
    """Generalisation gap per problem, leaving out problems with no gap (noise-free)."""
    problems = problems_with_gap(traj)
    left_out = sorted(set(traj["problem"]) - set(problems))
    if left_out:
        page.para("Left out of the gap figure (test loss equals validation loss, e.g. "
                  "noise-free synthetic functions): " + ", ".join(left_out) + ".")
    if not problems:
        return
    gap = quantile_curves(traj[traj["problem"].isin(problems)], "gap")
    page.figure(figures.convergence(gap, problems, "test - validation loss", styles,
                                    logx=True),
                "gap_over_budget", "Generalisation gap of the incumbent against evaluations: "
                "median over seeds, interquartile band for the highlighted strategies",
                pdf=pdf)
