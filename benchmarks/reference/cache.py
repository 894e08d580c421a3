"""Which reference table serves a suite, and what building one would cost.

The reuse rule (README, "Reference tables"): a table's sample and L* for (problem, protocol,
metric, seed) serve any suite with those problems, seeds, protocol (folds, test fraction)
and metric whose budget ``t`` satisfies ``N >= 10 t`` (:data:`tables.SAMPLES_PER_BUDGET`).
R0's weights ``w_t(i) = C(N-i, t-1) / C(N, t)`` are exact for any ``N >= t``: a larger sample
only makes R0 more precise, so a table built for a larger budget serves every smaller one,
whatever suite built it. L* is the best loss known; a campaign run for a larger budget only
makes it closer to the optimum. Lookups therefore go over every shipped and cached table,
not over tables named after the suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tunebench.benchmarks.plan.suite import Suite
from tunebench.benchmarks.reference import tables


@dataclass(frozen=True)
class BuildCost:
    """Estimated seconds of evaluation work to build a suite's reference table (0 when a
    shipped or cached table covers it), split into the R0 sample and the L* campaign."""

    sample_seconds: float
    campaign_seconds: float
    table: Path | None = None

    @property
    def seconds(self) -> float:
        return self.sample_seconds + self.campaign_seconds


def covering(suite: Suite, cache: Path | None = None) -> tables.ReferenceTable | None:
    """A shipped or cached table that serves the suite under the reuse rule (module doc)."""
    return tables.find(suite, cache)


def build_cost(suite: Suite, *, samples: int | None = None,
               campaign: tuple[str, ...] = tables.CAMPAIGN,
               factor: int = tables.CAMPAIGN_FACTOR, cache: Path | None = None,
               reuse: bool = True) -> BuildCost:
    """What :func:`tables.ensure` would spend on this suite (see :class:`BuildCost`); with
    ``reuse`` a covering table costs nothing."""
    from tunebench.benchmarks.plan.estimate import cost_model
    from tunebench.problems.catalogue import get_problem

    if reuse:
        found = covering(suite, cache)
        if found is not None:
            return BuildCost(0.0, 0.0, found.path)
    model = cost_model(suite)
    n = samples or tables.default_samples(suite.budget)
    runs = len(suite.seeds) * len(suite.protocol_names)
    sizes = suite.size_names if suite.train_sizes else ("",)  # each size has its own table
    sample = sum(model.cell(p, "random", n, z) for p in suite.problems for z in sizes) * runs
    real = [p for p in suite.problems if get_problem(p).optimum is None]
    camp = sum(model.cell(p, s, factor * suite.budget, z) for p in real for s in campaign
               for z in sizes) * runs
    return BuildCost(sample, camp)


def build_cells(suite: Suite) -> int:
    """Cells of a reference build: one sample cell per (problem, protocol, seed) and one
    campaign cell per (real problem, campaign strategy, protocol, seed)."""
    from tunebench.problems.catalogue import get_problem

    runs = len(suite.seeds) * len(suite.protocol_names) * len(suite.size_names)
    real = sum(get_problem(p).optimum is None for p in suite.problems)
    return (len(suite.problems) + real * len(tables.CAMPAIGN)) * runs
