"""Tuning problems: typed search spaces, datasets, models and synthetic functions.

This package never imports :mod:`benchmarks`; strategies may import only
:mod:`problems.space` from it.
"""

if __name__ == "problems":  # the pre-0.2 top-level name, imported from a source checkout
    from tunebench._legacy import alias_package

    alias_package(__name__)


from tunebench.problems.base import Evaluation, Objective, Problem, derive_seed
from tunebench.problems.space import Categorical, Config, Float, Int, SearchSpace

__all__ = ["Categorical", "Config", "Evaluation", "Float", "Int", "Objective", "Problem",
           "SearchSpace", "derive_seed"]
