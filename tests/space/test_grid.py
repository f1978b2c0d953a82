"""FiniteGrid: the size, points and keys of a finite search space."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st

from skopt_hp import hp
from skopt_hp.space import SearchSpace, _grid, from_param_distributions
from skopt_hp.space._grid import FiniteGrid

FINITE = {
    "choice": (hp.choice("a", ["x", "y", "z"]), 3),
    "randint": (hp.randint("a", -2, 5), 7),
    "uniformint": (hp.uniformint("a", 1, 10), 10),
    "quniform": (hp.quniform("a", 0, 1, 0.25), 5),
    # 0, .3, .6, .9 and 1.2: 1.05 / .3 = 3.5 rounds (half to even) to 4, as the bounds do.
    "quniform off-grid bounds": (hp.quniform("a", 0.1, 1.05, 0.3), 5),
    "qloguniform": (hp.qloguniform("a", math.log(1), math.log(20), 2), 11),  # 0, 2, ..., 20
    "pchoice with a zero": (hp.pchoice("a", [(0.5, "x"), (0.0, "y"), (0.5, "z")]), 2),
    "product": ({"a": hp.choice("a", [1, 2]), "b": hp.randint("b", 0, 3)}, 6),
    "conditional": (
        hp.choice(
            "m",
            [
                {"a": hp.choice("a", [1, 2, 3]), "b": hp.randint("b", 0, 2)},
                {"c": hp.quniform("c", 0, 4, 2)},
                {},
            ],
        ),
        6 + 3 + 1,
    ),
    "nested": (
        hp.choice("m", [{"k": hp.choice("k", [{"x": hp.choice("x", [1, 2])}, {}])}, {}]),
        2 + 1 + 1,
    ),
    "lists of dicts": (from_param_distributions([{"C": [1, 2]}, {"C": [1, 2], "g": [0, 1]}]), 6),
    "no parameters": ({"a": 1}, 1),
}


def _prior_points(space: SearchSpace, n: int) -> set[bytes]:
    grid = FiniteGrid.of(space)
    return set(grid.keys(space.sample(np.random.default_rng(0), n)))


@pytest.mark.parametrize("name", list(FINITE))
def test_the_size_of_a_finite_space_counts_its_reachable_points(name):
    expr, size = FINITE[name]
    space = SearchSpace(expr)
    grid = FiniteGrid.of(space)
    assert grid is not None and grid.size == size
    points = grid.points()
    keys = grid.keys(points)
    assert len(points) == size and len(set(keys)) == size  # distinct points
    space.validate(points)
    np.testing.assert_array_equal(space.snap(points), points)  # canonical
    # The prior gives nothing else, and every point but a quantised bound reached only
    # from the exact bound (1.05 above; 0 of the qloguniform, from exp(0) / 2 = 0.5).
    drawn = _prior_points(space, 4000)
    assert drawn <= set(keys)
    assert len(set(keys) - drawn) == (
        1 if name in ("quniform off-grid bounds", "qloguniform") else 0
    )


@pytest.mark.parametrize(
    "expr",
    [
        hp.uniform("a", 0, 1),
        hp.qnormal("a", 0, 1, 1),  # quantised but unbounded
        hp.loguniform("a", 0, 1),
        {"a": hp.choice("a", [1, 2]), "b": hp.normal("b", 0, 1)},
        hp.choice("m", [{"a": hp.uniform("a", 0, 1)}, {}]),  # infinite in one branch only
        from_param_distributions({"a": st.poisson(3)}),  # opaque distributions
    ],
)
def test_a_space_with_a_continuous_or_unbounded_parameter_is_not_finite(expr):
    assert FiniteGrid.of(SearchSpace(expr)) is None


def test_keys_are_equal_for_the_same_point_written_differently():
    space = SearchSpace(
        {"a": hp.quniform("a", -1, 1, 0.5), "m": hp.choice("m", [{"b": [0, 1]}, {}])}
    )
    grid = FiniteGrid.of(space)
    same = np.array([[-0.0, 1.0, np.nan], [0.0, 1.0, np.nan], [0.1, 1.0, np.nan]])
    assert len(set(grid.keys(same))) == 1  # -0.0, 0.0 and a value snapped to 0.0
    other = np.array([[0.5, 1.0, np.nan]])
    assert grid.keys(other)[0] != grid.keys(same)[0]


def test_a_space_with_too_many_nested_choices_to_count_has_no_size(monkeypatch):
    monkeypatch.setattr(_grid, "MAX_COUNT_STEPS", 20)
    branches = [{f"x{i}": hp.choice(f"x{i}", [1, 2]), "y": [1]} for i in range(30)]
    grid = FiniteGrid.of(SearchSpace(hp.choice("m", branches)))
    assert grid is not None and grid.size is None
    with pytest.raises(ValueError, match="too many to count"):
        grid.points()


def test_a_large_grid_is_counted_but_not_enumerated():
    space = SearchSpace({"a": hp.randint("a", 0, 1000), "b": hp.randint("b", 0, 1000)})
    grid = FiniteGrid.of(space)
    assert grid.size == 10**6
    with pytest.raises(ValueError, match="at most 100000"):
        grid.points()
