"""Report sections: the benchmarking checklist and the Bayesian comparison with a ROPE.

Rendering only: the numbers are the summary's ``checklist``
(:mod:`benchmarks.analysis.checklist`) and ``bayes`` (:mod:`benchmarks.analysis.bayes`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tunebench.benchmarks.analysis.bayes import INSTALL, NSAMPLES
from tunebench.benchmarks.report.tables import Table

MET, NOT_MET = "\u2713", "\u2717"


def render_checklist(page: Any, s: Any) -> None:
    """Each item met (✓) or not (✗), with its evidence and guideline (keys of
    ``references.bib``)."""
    page.heading("Benchmarking checklist", 2, "checklist", nav="Checklist")
    table = getattr(s, "checklist", None)
    if table is None or table.empty:
        page.para("No checklist: no trial succeeded.")
        return
    t = pd.DataFrame({"": [MET if m else NOT_MET for m in table["met"]],
                      "item": table["item"], "evidence": table["evidence"],
                      "guideline": [f"{g} [{k}]" for g, k in zip(table["guideline"],
                                                                   table["keys"], strict=True)]})
    met = int(table["met"].sum())
    page.para(f"Which published best practices this run meets, judged from its own records "
              f"(trials, manifest, reference table): {met} of {len(table)} items met. "
              "Guidelines: Lindauer & Hutter 2020 (checklist), Eggensperger et al. 2021, "
              "Bischl et al. 2023, Demšar 2006, Benavoli et al. 2017; BibTeX keys in "
              "brackets, entries in references.bib.")
    page.table(Table("checklist", t, "Benchmarking checklist (\u2713 met, \u2717 not met)"))


def render_bayes(page: Any, s: Any) -> None:
    """P(better), P(equivalent), P(worse) of each strategy against random search."""
    bayes = getattr(s, "bayes", None) or {}
    if not bayes:
        return  # no normalised scores: the control section already says why
    page.heading("Bayesian comparison with random search (secondary)", 2, "bayes",
                 nav="Bayes")
    if bayes.get("skipped"):
        page.para(f"Not computed: {bayes['skipped']}." if "install" not in bayes["skipped"]
                  else f"Not computed: baycomp is not installed. Install it with {INSTALL}.")
        return
    rope = float(bayes["rope"])
    t = bayes["table"][["strategy", "problems", "p_better", "p_equivalent", "p_worse"]]
    page.para(f"Bayesian signed-rank test (Benavoli et al. 2017, baycomp's SignedRankTest, "
              f"{NSAMPLES} posterior samples) on the per-problem mean normalised test "
              f"scores: the posterior probability that each strategy is better than random "
              f"search, practically equivalent (difference within the ROPE of \u00b1{rope:g} "
              "score units, i.e. 5% of the gap from random search to the best known loss), "
              "or worse. It answers what the p-values above cannot (how likely a practical "
              "difference is) but, like them, treats problems as the replicates; the "
              "hierarchical test that would also use every seed needs pystan and is not run.")
    page.table(Table("bayes_signed_rank", t, f"Each strategy against random search: "
                     f"P(better), P(equivalent within \u00b1{rope:g}), P(worse)",
                     note="secondary to the primary analysis (exact Wilcoxon, Holm)."))
