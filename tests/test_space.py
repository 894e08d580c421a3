"""Search-space types: validation, mapping and sampling, with property-based tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunebench.problems.space import Categorical, Float, Int, SearchSpace
from tunebench.strategies.hyperopt_adapter import HyperoptTPE
from tunebench.strategies.optuna_adapter import OptunaTPE
from tunebench.strategies.skopt_adapter import SkoptRF


def test_dimensions_are_frozen_and_hashable():
    d = Float("lr", 1e-4, 1e-1, log=True)
    with pytest.raises(AttributeError):
        d.low = 0.0  # type: ignore[misc]
    assert hash(SearchSpace((d, Int("n", 1, 3)))) == hash(SearchSpace((d, Int("n", 1, 3))))


@pytest.mark.parametrize("bad,match", [
    (lambda: Float("x", 1, 1), "low must be < high"),
    (lambda: Float("x", 0, 1, log=True), "log scale needs low > 0"),
    (lambda: Int("x", 1.5, 3), "integers"),
    (lambda: Categorical("x", ()), "at least one"),
    (lambda: Categorical("x", ("a", "a")), "distinct"),
    (lambda: Float("not an identifier", 0, 1), "identifier"),
    (lambda: SearchSpace((Float("x", 0, 1), Int("x", 1, 2))), "duplicate"),
])
def test_invalid_dimensions_say_why(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


def test_validate_names_the_problem():
    space = SearchSpace((Float("a", 0, 1), Int("n", 1, 3)))
    with pytest.raises(ValueError, match=r"missing \['n'\].*unknown \['b'\].*a=2.0"):
        space.validate({"a": 2.0, "b": 1})


dims = st.one_of(
    st.tuples(st.floats(-1e3, 1e3), st.floats(1e-3, 1e3), st.booleans()).map(
        lambda t: Float("f", min(abs(t[0]), 1e2) + 1e-3 if t[2] else t[0],
                        (min(abs(t[0]), 1e2) + 1e-3 if t[2] else t[0]) + t[1], log=t[2])),
    st.tuples(st.integers(1, 1000), st.integers(1, 1000), st.booleans()).map(
        lambda t: Int("i", t[0], t[0] + t[1], log=t[2])),
    st.lists(st.text("abc", min_size=1, max_size=3), min_size=1, max_size=5, unique=True).map(
        lambda c: Categorical("c", tuple(c))),
)


@settings(max_examples=200, deadline=None)
@given(dim=dims, u=st.floats(0, 1))
def test_from_unit_is_in_bounds_and_typed_and_round_trips(dim, u):
    v = dim.from_unit(u)
    assert dim.contains(v)
    back = dim.from_unit(dim.to_unit(v))
    assert back == v or (isinstance(dim, Float) and np.isclose(back, v, rtol=1e-9))


@settings(max_examples=30, deadline=None)
@given(dim=dims, n=st.integers(1, 12))
def test_grid_points_are_valid_distinct_and_at_most_n(dim, n):
    pts = dim.grid(n)
    assert all(dim.contains(p) for p in pts)
    assert len({repr(p) for p in pts}) == len(pts)
    assert len(pts) <= max(n, 1) or isinstance(dim, Categorical) and len(pts) <= len(dim.choices)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # skopt's transform
@settings(max_examples=15, deadline=None)
@given(dim=dims, seed=st.integers(0, 2**31 - 1))
def test_library_mappings_stay_in_bounds_and_typed(dim, seed):
    space = SearchSpace((dim, Float("z", 0.0, 1.0)))
    for cls in (OptunaTPE, HyperoptTPE, SkoptRF):
        s = cls(space, seed, 5) if cls is not SkoptRF else cls(space, seed, 5, n_initial_points=3)
        for _ in range(4):
            c = s.ask()
            space.validate(c)
            s.tell(c, float(space.to_unit(c).sum()))
