"""Tuning problems: typed search spaces, datasets, models and synthetic functions.

This package never imports :mod:`benchmarks`; strategies may import only
:mod:`problems.space` from it.
"""

from problems.base import Evaluation, Objective, Problem, derive_seed
from problems.space import Categorical, Config, Float, Int, SearchSpace

__all__ = ["Categorical", "Config", "Evaluation", "Float", "Int", "Objective", "Problem",
           "SearchSpace", "derive_seed"]
