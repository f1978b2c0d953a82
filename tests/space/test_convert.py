"""from_param_distributions: scikit-learn ``param_distributions`` to hp expressions."""

import math

import numpy as np
import pytest
from scipy import stats

from skopt_hp import hp, space_eval
from skopt_hp.space import (
    Choice,
    Distribution,
    Normal,
    RandInt,
    SearchSpace,
    Uniform,
    from_param_distributions,
    from_scipy,
)
from skopt_hp.space._convert import SUBSPACE_LABEL

ALPHA = 1e-3


def sample_points(space, n, seed):
    compiled = SearchSpace(space)
    return compiled, compiled.decode(compiled.sample(np.random.default_rng(seed), n))


# -- lists, arrays, tuples -> choice -----------------------------------------------------
@pytest.mark.parametrize(
    "values",
    [["rbf", "poly", "linear"], ("rbf", "poly", "linear"), np.array(["rbf", "poly", "linear"])],
    ids=["list", "tuple", "ndarray"],
)
def test_a_sequence_of_values_becomes_a_choice(values):
    space = from_param_distributions({"kernel": values})
    expr = space["kernel"]
    assert isinstance(expr, Choice) and expr.label == "kernel" and expr.p is None
    assert list(expr.options) == ["rbf", "poly", "linear"]
    assert space_eval(space, {"kernel": 2}) == {"kernel": "linear"}
    _, points = sample_points(space, 600, seed=0)
    assert {p["kernel"] for p in points} == {0, 1, 2}


@pytest.mark.parametrize("values", [range(2, 7), range(10, 0, -3)], ids=["range", "stepped"])
def test_a_range_is_a_choice_over_its_items(values):
    """As scikit-learn's ParameterSampler draws ``values[i]``, not the range itself."""
    expr = from_param_distributions({"max_depth": values})["max_depth"]
    assert isinstance(expr, Choice) and list(expr.options) == list(values)
    assert all(type(option) is int for option in expr.options)
    for i, value in enumerate(values):
        assert space_eval({"max_depth": expr}, {"max_depth": i}) == {"max_depth": value}


def test_a_string_stays_one_value():
    assert from_param_distributions({"solver": "lbfgs"}) == {"solver": "lbfgs"}


def test_numeric_arrays_keep_their_values():
    space = from_param_distributions({"alpha": np.logspace(-3, 0, 4)})
    assert space_eval(space, {"alpha": 1})["alpha"] == pytest.approx(1e-2)


def test_a_list_of_mixed_objects_keeps_the_objects():
    marker = object()
    space = from_param_distributions({"x": [None, marker, 3]})
    assert space_eval(space, {"x": 1})["x"] is marker
    assert space_eval(space, {"x": 0})["x"] is None


# -- scipy.stats distributions with an hp equivalent -------------------------------------
def test_uniform_becomes_hp_uniform_over_loc_to_loc_plus_scale():
    expr = from_param_distributions({"x": stats.uniform(loc=2, scale=3)})["x"]
    assert isinstance(expr, Uniform)
    assert expr.same_definition(hp.uniform("x", 2.0, 5.0))
    assert from_param_distributions({"x": stats.uniform()})["x"].same_definition(
        hp.uniform("x", 0, 1)
    )
    _, points = sample_points({"x": expr}, 3000, seed=1)
    values = np.array([p["x"] for p in points])
    assert values.min() >= 2 and values.max() <= 5
    assert stats.kstest(values, stats.uniform(2, 3).cdf).pvalue > ALPHA


@pytest.mark.parametrize("dist", [stats.loguniform, stats.reciprocal])
def test_loguniform_and_reciprocal_become_hp_loguniform_with_log_bounds(dist):
    expr = from_param_distributions({"C": dist(1e-3, 1e2)})["C"]
    assert isinstance(expr, Uniform) and expr.log and expr.q is None
    assert expr.low == pytest.approx(math.log(1e-3))
    assert expr.high == pytest.approx(math.log(1e2))
    _, points = sample_points({"C": expr}, 3000, seed=2)
    values = np.array([p["C"] for p in points])
    assert values.min() >= 1e-3 * (1 - 1e-9) and values.max() <= 1e2 * (1 + 1e-9)
    assert stats.kstest(values, dist(1e-3, 1e2).cdf).pvalue > ALPHA


def test_a_shifted_loguniform_stays_an_opaque_distribution():
    dist = stats.loguniform(1, 10, loc=1)
    expr = from_param_distributions({"C": dist})["C"]
    assert isinstance(expr, Distribution) and expr.dist is dist
    _, points = sample_points({"C": expr}, 2000, seed=3)
    values = np.array([p["C"] for p in points])
    assert values.min() >= 2 and values.max() <= 11
    assert stats.kstest(values, dist.cdf).pvalue > ALPHA


def test_randint_becomes_hp_randint_with_the_same_half_open_range():
    expr = from_param_distributions({"n": stats.randint(1, 5)})["n"]
    assert isinstance(expr, RandInt) and (expr.low, expr.high) == (1, 5)
    _, points = sample_points({"n": expr}, 2000, seed=4)
    values = [p["n"] for p in points]
    assert set(values) == {1, 2, 3, 4}
    assert all(type(v) is int for v in values)


def test_norm_becomes_hp_normal():
    expr = from_param_distributions({"w": stats.norm(loc=1.5, scale=2.0)})["w"]
    assert isinstance(expr, Normal) and not expr.log and expr.q is None
    assert (expr.mu, expr.sigma) == (1.5, 2.0)
    assert from_param_distributions({"w": stats.norm()})["w"].same_definition(hp.normal("w", 0, 1))


@pytest.mark.parametrize(
    "dist",
    [stats.uniform(0, 0), stats.loguniform(0, 1), stats.norm(0, 0), stats.randint(3, 3)],
    ids=["uniform-scale-0", "loguniform-from-0", "norm-scale-0", "randint-empty"],
)
def test_an_invalid_scipy_distribution_is_reported_with_its_name(dist):
    with pytest.raises(ValueError, match=r"param_distributions\['bad'\]: cannot use"):
        from_param_distributions({"bad": dist})


# -- other distributions: opaque, sampled by rvs -----------------------------------------
def test_other_continuous_distributions_are_sampled_by_rvs():
    dist = stats.expon(scale=2.0)
    space = from_param_distributions({"t": dist})
    expr = space["t"]
    assert isinstance(expr, Distribution) and expr.kind == "opaque" and not expr.integer
    compiled, points = sample_points(space, 3000, seed=5)
    values = np.array([p["t"] for p in points])
    assert all(type(p["t"]) is float for p in points)
    assert stats.kstest(values, dist.cdf).pvalue > ALPHA
    _, again = sample_points(space, 3000, seed=5)
    assert [p["t"] for p in again] == values.tolist()
    Z = compiled.sample(np.random.default_rng(5), 100)
    np.testing.assert_array_equal(compiled.encode(compiled.decode(Z)), Z)
    np.testing.assert_array_equal(compiled.snap(Z), Z)


def test_other_discrete_distributions_give_ints():
    dist = stats.poisson(3.0)
    expr = from_param_distributions({"k": dist})["k"]
    assert isinstance(expr, Distribution) and expr.integer
    _, points = sample_points({"k": expr}, 3000, seed=6)
    values = [p["k"] for p in points]
    assert all(type(v) is int and v >= 0 for v in values)
    assert np.mean(values) == pytest.approx(3.0, abs=0.15)
    assert space_eval({"k": expr}, {"k": 4.0}) == {"k": 4}


def test_any_object_with_rvs_is_a_distribution():
    class Coin:
        def rvs(self, size=None, random_state=None):
            return random_state.integers(0, 2, size) * 10.0

    expr = from_param_distributions({"c": Coin()})["c"]
    assert isinstance(expr, Distribution)
    _, points = sample_points({"c": expr}, 500, seed=7)
    assert {p["c"] for p in points} == {0.0, 10.0}


def test_a_distribution_needs_rvs_and_numbers():
    with pytest.raises(TypeError, match=r"distribution 'd': expected an object with an `rvs`"):
        Distribution("d", 3)

    class Words:
        def rvs(self, size=None, random_state=None):
            return ["a"] * size

    space = SearchSpace({"w": Distribution("w", Words())})
    with pytest.raises(TypeError, match=r"distribution 'w': rvs\(\) must return numbers"):
        space.sample(np.random.default_rng(0), 3)


def test_from_scipy_directly():
    assert isinstance(from_scipy("x", stats.uniform(0, 1)), Uniform)
    assert isinstance(from_scipy("x", stats.gamma(2.0)), Distribution)


# -- constants and hp expressions --------------------------------------------------------
def test_constants_are_kept_as_they_are():
    marker = object()
    space = from_param_distributions({"fit_intercept": True, "solver": "lbfgs", "obj": marker})
    assert space == {"fit_intercept": True, "solver": "lbfgs", "obj": marker}
    assert SearchSpace(space).labels == ()
    assert space_eval(space, {})["obj"] is marker


def test_hp_expressions_pass_through_unchanged():
    C = hp.loguniform("my_C", -3, 3)
    kernel = hp.choice("my_kernel", ["rbf", "linear"])
    space = from_param_distributions({"C": C, "kernel": kernel, "gamma": [0.1, 1.0]})
    assert space["C"] is C and space["kernel"] is kernel
    assert SearchSpace(space).labels == ("my_C", "my_kernel", "gamma")
    assert from_param_distributions(C) is C
    branches = from_param_distributions([{"C": C}, {"C": C, "x": [1, 2]}])
    assert branches.options[0]["C"] is C and branches.options[1]["C"] is C
    compiled = SearchSpace(branches)
    assert compiled.labels == ("__subspace__", "my_C", "x")
    assert compiled.conditions[1] == (((0, 0),), ((0, 1),))


# -- a list of dicts -> a choice between dicts -------------------------------------------
def test_a_list_of_dicts_is_a_choice_between_them():
    space = from_param_distributions(
        [
            {"kernel": ["linear"], "C": [1, 10]},
            {"kernel": ["rbf"], "C": [1, 10], "gamma": stats.loguniform(1e-4, 1e-1)},
        ]
    )
    assert isinstance(space, Choice) and space.label == SUBSPACE_LABEL == "__subspace__"
    compiled = SearchSpace(space)
    assert compiled.labels[0] == "__subspace__"
    assert space_eval(space, {"__subspace__": 0, "kernel": 0, "C": 1}) == {
        "kernel": "linear",
        "C": 10,
    }
    assert space_eval(space, {"__subspace__": 1, "kernel[1]": 0, "C": 0, "gamma": 0.01}) == {
        "kernel": "rbf",
        "C": 1,
        "gamma": 0.01,
    }
    Z = compiled.sample(np.random.default_rng(8), 1000)
    branch = Z[:, 0]
    assert set(branch.tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(np.isnan(Z[:, compiled.index["gamma"]]), branch != 1)
    assert not np.isnan(Z[:, compiled.index["C"]]).any()


def test_a_list_of_one_dict_is_that_dict():
    space = from_param_distributions([{"C": [1, 10]}])
    assert isinstance(space, dict) and SearchSpace(space).labels == ("C",)


def test_the_same_list_under_one_name_in_two_dicts_shares_one_label():
    space = from_param_distributions([{"C": [1, 10], "a": 1}, {"C": [1, 10], "b": 2}])
    compiled = SearchSpace(space)
    assert compiled.labels == ("__subspace__", "C")
    assert space.options[0]["C"] is space.options[1]["C"]
    # Active in every branch (a disjunction over all of them, so never NaN).
    assert compiled.conditions[compiled.index["C"]] == (((0, 0),), ((0, 1),))
    Z = compiled.sample(np.random.default_rng(0), 200)
    assert not np.isnan(Z).any()


def test_equal_scipy_distributions_under_one_name_share_one_label():
    space = from_param_distributions([{"C": stats.uniform(0, 2)}, {"C": stats.uniform(0, 2)}])
    assert SearchSpace(space).labels == ("__subspace__", "C")


def test_different_distributions_under_one_name_get_distinct_labels():
    space = from_param_distributions(
        [{"C": [1, 10]}, {"C": [100, 1000]}, {"C": stats.uniform(0, 1)}, {"x": 0}]
    )
    compiled = SearchSpace(space)
    assert compiled.labels == ("__subspace__", "C", "C[1]", "C[2]")
    assert [o["C"].label for o in space.options[:3]] == ["C", "C[1]", "C[2]"]
    ix = compiled.index
    assert compiled.conditions[ix["C[1]"]] == (((0, 1),),)
    # The key in the evaluated dict is still the parameter name.
    point = {"__subspace__": 1, "C[1]": 1}
    assert space_eval(space, point) == {"C": 1000}
    Z = compiled.sample(np.random.default_rng(9), 400)
    for point in compiled.decode(Z):
        out = space_eval(space, point)
        assert set(out) == ({"x"} if point["__subspace__"] == 3 else {"C"})


def test_a_later_repeat_of_a_relabelled_distribution_shares_its_label():
    space = from_param_distributions(
        [{"C": [1, 2]}, {"C": [3, 4]}, {"C": [3, 4]}, {"C": [1, 2]}, {"C": [3, 4]}]
    )
    compiled = SearchSpace(space)
    assert compiled.labels == ("__subspace__", "C", "C[1]")
    assert compiled.conditions[compiled.index["C"]] == (((0, 0),), ((0, 3),))
    assert compiled.conditions[compiled.index["C[1]"]] == (((0, 1),), ((0, 2),), ((0, 4),))


def test_opaque_distributions_share_a_label_only_when_they_are_the_same_object():
    dist = stats.expon()
    shared = from_param_distributions([{"t": dist}, {"t": dist}])
    assert SearchSpace(shared).labels == ("__subspace__", "t")
    distinct = from_param_distributions([{"t": stats.expon()}, {"t": stats.expon()}])
    assert SearchSpace(distinct).labels == ("__subspace__", "t", "t[1]")


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("empty", [[], (), np.array([])], ids=["list", "tuple", "ndarray"])
def test_an_empty_list_of_values_names_the_parameter(empty):
    with pytest.raises(ValueError, match=r"search_space\['gamma'\]: a list of values must not"):
        from_param_distributions({"C": [1], "gamma": empty})
    with pytest.raises(ValueError, match=r"\['gamma'\]"):
        from_param_distributions([{"C": [1]}, {"gamma": empty}])


def test_an_empty_list_of_dicts_is_an_error():
    with pytest.raises(ValueError, match="a list of dicts must not be empty"):
        from_param_distributions([])


@pytest.mark.parametrize("item", [["C", [1, 2]], "C", 3, None])
def test_a_list_search_space_must_hold_dicts(item):
    with pytest.raises(TypeError, match=r"search_space\[1\]: a list search space must hold dicts"):
        from_param_distributions([{"C": [1, 2]}, item])


@pytest.mark.parametrize("key", [1, ("C",), None])
def test_parameter_names_must_be_strings(key):
    with pytest.raises(TypeError, match=r"parameter names must be str, but got"):
        from_param_distributions({key: [1, 2]})
    with pytest.raises(TypeError, match=r"parameter names must be str"):
        from_param_distributions([{"a": 1}, {key: [1, 2]}])


@pytest.mark.parametrize("space", [3, "C", None, {1, 2}])
def test_other_search_space_types_are_rejected(space):
    with pytest.raises(TypeError, match="search_space must be a dict of parameter name"):
        from_param_distributions(space)


# -- which options count as the same list ------------------------------------------------
@pytest.mark.parametrize(
    "first, second",
    [([True, False], [1, 0]), ([1.0, 10.0], [1, 10]), (["1"], [1])],
    ids=["bool-vs-int", "float-vs-int", "str-vs-int"],
)
def test_equal_values_of_different_types_are_different_options(first, second):
    # True == 1 and 1.0 == 1 in Python, but an estimator gets what the user wrote.
    space = from_param_distributions([{"v": first}, {"v": second}])
    assert SearchSpace(space).labels == ("__subspace__", "v", "v[1]")
    out = space_eval(space, {"__subspace__": 1, "v[1]": 0})["v"]
    assert out == second[0] and type(out) is type(second[0])
    out = space_eval(space, {"__subspace__": 0, "v": 0})["v"]
    assert out == first[0] and type(out) is type(first[0])


def test_array_valued_options_are_compared_without_error():
    a, b = np.array([1, 2]), np.array([1, 2])
    space = from_param_distributions([{"w": [a]}, {"w": [b]}, {"w": [a]}])
    compiled = SearchSpace(space)
    # Distinct array objects are distinct options; the same object is shared.
    assert compiled.labels == ("__subspace__", "w", "w[1]")
    assert space_eval(space, {"__subspace__": 2, "w": 0})["w"] is a
    assert space_eval(space, {"__subspace__": 1, "w[1]": 0})["w"] is b


def test_pchoice_probabilities_are_part_of_the_definition():
    p1 = hp.pchoice("x", [(0.5, 1), (0.5, 2)])
    p2 = hp.pchoice("x", [(0.2, 1), (0.8, 2)])
    from skopt_hp.space._convert import _same

    assert not _same(p1, p2)
    assert _same(p1, hp.pchoice("x", [(0.5, 1), (0.5, 2)]))
    assert not _same(hp.choice("x", [1, 2]), p1)
