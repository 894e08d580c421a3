"""tunebench from Python: run a suite, load runs, summarise them, write reports.

>>> import tunebench as tb
>>> run = tb.run("quick", budget=5, seeds=2, jobs=1)     # doctest: +SKIP
>>> s = tb.summarise(run)                                 # doctest: +SKIP
>>> s.aggregate_test                                      # doctest: +SKIP
>>> tb.report(run)                                        # doctest: +SKIP

The three packages behind it (``benchmarks``, ``strategies``, ``problems``) stay
importable; this is the stable public surface.
"""

from tunebench.benchmarks.analysis.summary import Summary
from tunebench.benchmarks.plan.suite import Suite, SuiteError
from tunebench.problems.plugins import Model
from tunebench.problems.space import Categorical, Float, Int, SearchSpace
from tunebench.strategies.base import Strategy
from tunebench.api import Run, load, report, run, summarise

__all__ = ["Categorical", "Float", "Int", "Model", "Run", "SearchSpace", "Strategy", "Suite",
           "SuiteError", "Summary", "load", "report", "run", "summarise"]
