"""The report's method notes: how every number it shows is defined, in plain words."""

from __future__ import annotations

from tunebench.benchmarks.analysis.summary import Summary
from tunebench.benchmarks.report.page import Page


def methods(page: Page, s: Summary) -> None:
    page.heading("Method notes", 2, "methods", nav="Methods")
    for note in METHOD_NOTES:
        page.para(note)



METHOD_NOTES = [
    "Incumbent: after t evaluations, the configuration with the lowest validation (CV) loss "
    "so far, the first one on ties; failed trials never become incumbents. Its test loss is "
    "the score of that configuration refit on the whole training part, on the held-out test "
    "part, which no strategy sees.",
    "Convergence: log regret (loss - L*) against evaluations on log axes, the median over "
    "seeds with its interquartile band, drawn for random search and the two best strategies "
    "of each panel so bands stay readable. Score and rank curves: 95% bootstrap bands "
    "(seeds resampled within problems; problems for ranks), one panel per strategy family.",
    "Performance profile (COCO-style): for each (problem, seed) run and target tau in "
    "0.5, 0.8, 0.9, 0.95, 0.99, the first evaluation where the best validation loss has "
    "closed tau of the gap from the expected loss of one random configuration to L*; the "
    "curve is the share of (run, target) pairs reached by each budget.",
    "Normalised score: (R0 - loss) / (R0 - L*) per problem and seed, on validation and on "
    "test. R0 is the exact expected best of t draws without replacement from an independent "
    "reference sample of random configurations evaluated on that seed's split and folds (tied "
    "validation losses share their test losses' mean); L* is the best loss of the recorded "
    "reference campaign, or a synthetic function's known optimum. Both are frozen in the "
    "reference table named in 'Reference points and null check', so no strategy in the run, "
    "random included, moves another's score. Scores above 1 are kept and counted.",
    "IQM: the mean of the middle 50% of the (problem, seed) scores, robust to outlying runs. "
    "Its 95% interval resamples seeds within each problem (stratified bootstrap, 2000 "
    "resamples).",
    "Friedman test: do the strategies' ranks over problems differ beyond chance? Kendall's W "
    "(0-1) is its effect size; the Nemenyi post-hoc test and critical-difference diagram show "
    "which pairs differ.",
    "Wilcoxon signed-rank tests compare two strategies on paired values (problems, or seeds "
    "within a problem), Holm-corrected for the number of pairs. Effect sizes: the median "
    "difference and the matched-pairs rank-biserial correlation (-1 to 1); in the table "
    "against random search both are over the same problems as the test (exact ties "
    "dropped). With n pairs the "
    "smallest two-sided exact p-value is 2/2^n: with 5 seeds no within-problem test can reach "
    "0.05.",
    "Probability of improvement: the chance that a strategy's final test loss on a problem "
    "is lower than random search's, over all seed pairs (ties count half), averaged over "
    "problems, with a stratified bootstrap interval.",
    "Generalisation gap: test loss minus validation loss of the incumbent. Overtuning "
    "(Schneider, Bischl & Feurer 2025): OT_t = test(inc_t) - min over s<=t of test(inc_s), how "
    "much tuning longer made the chosen model worse on unseen data; relative overtuning divides "
    "by the test improvement so far and is undefined (no progress) below 1e-3.",
    "Null check: a permutation test; in each cell the run's t random-search evaluations and "
    "the reference sample's N are pooled and re-split at random 2000 times (R0 recomputed "
    "from each pseudo-sample), and the run's mean score is compared with the permuted means. "
    "About 1 run in 20 is flagged at p < 0.05 by chance; `tunebench nullcheck RUN_DIR "
    "--resalt 20` tells chance (rare flags on fresh seeds) from a mismatch (persistent).",
    "Bayesian comparison: baycomp's signed-rank test (Benavoli et al. 2017) on per-problem "
    "mean normalised test scores, ROPE +/-0.05 score units; secondary to the Wilcoxon tests.",
    "Trajectory test regret: the incumbent's test loss minus the best test loss among all "
    "configurations tried so far: what selecting by validation loss cost. Rank reversals: "
    "the share of strategy pairs that validation and test losses order differently.",
]
