"""SearchSpace: flattening, conditional activity, sampling, snap, encode/decode, space_eval."""

import math
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from sklearn.svm import SVC

from skopt_hp import hp, space_eval
from skopt_hp.exceptions import BadSearchSpace, DuplicateLabel
from skopt_hp.space import Expr, SearchSpace, as_search_space


# -- the three example spaces of hyperopt's documentation --------------------------------
def example_a(h):
    return {"C": h.uniform("C", 0, 1), "max_iter": h.randint("max_iter", 50, 200)}


def example_b(h):
    return h.lognormal("C", 0, 1)


def example_c(h):
    return h.choice(
        "classifier_type",
        [
            {"type": "naive_bayes"},
            {
                "type": "svm",
                "C": h.lognormal("svm_C", 0, 1),
                "kernel": h.choice(
                    "svm_kernel",
                    [
                        {"ktype": "linear"},
                        {"ktype": "RBF", "width": h.lognormal("svm_rbf_width", 0, 1)},
                    ],
                ),
            },
            {
                "type": "dtree",
                "criterion": h.choice("dtree_criterion", ["gini", "entropy"]),
                "max_depth": h.choice(
                    "dtree_max_depth", [None, h.qlognormal("dtree_max_depth_int", 3, 1, 1)]
                ),
                "min_samples_split": h.qlognormal("dtree_min_samples_split", 2, 1, 1),
            },
        ],
    )


def nan_equal(a, b):
    return np.array_equal(a, b, equal_nan=True)


def column(space, Z, label):
    return Z[:, space.index[label]]


# -- structure ---------------------------------------------------------------------------
def test_flat_structure_of_a_flat_space():
    space = SearchSpace(example_a(hp))
    assert space.labels == ("C", "max_iter")
    assert space.index == {"C": 0, "max_iter": 1}
    assert [p.label for p in space.params] == list(space.labels)
    assert space.conditions == (((),), ((),))
    assert not space.is_conditional
    assert len(space) == space.n_params == 2
    assert repr(space) == "SearchSpace(hp.uniform('C', 0.0, 1.0), hp.randint('max_iter', 50, 200))"


def test_choices_come_before_the_parameters_they_gate():
    x = hp.uniform("x", 0, 1)
    # "x" is met under "a" before "b" is reached; it is still placed after both.
    space = SearchSpace({"a": hp.choice("a", [x, 1]), "b": hp.choice("b", [x, 2])})
    assert space.labels == ("a", "b", "x")
    for j, conds in enumerate(space.conditions):
        for conj in conds:
            assert all(c < j for c, _ in conj)
    assert space.conditions[space.index["x"]] == (((0, 0),), ((1, 0),))


def test_conditions_are_canonical_whatever_the_labels():
    # The disjuncts come out sorted, not in the (hash-dependent) order of a set.
    for i in range(20):
        x = hp.uniform(f"x{i}", 0, 1)
        space = SearchSpace(
            [hp.choice(f"a{i}", [x, 1]), hp.choice(f"b{i}", [2, x]), hp.choice(f"c{i}", [x])]
        )
        assert space.conditions[-1] == (((0, 0),), ((1, 1),), ((2, 0),))


def test_nested_conditions_of_the_hyperopt_example():
    space = SearchSpace(example_c(hp))
    ix = space.index
    assert space.labels[0] == "classifier_type"
    assert space.conditions[ix["svm_C"]] == (((ix["classifier_type"], 1),),)
    assert space.conditions[ix["svm_rbf_width"]] == (
        ((ix["classifier_type"], 1), (ix["svm_kernel"], 1)),
    )
    assert space.conditions[ix["dtree_max_depth_int"]] == (
        ((ix["classifier_type"], 2), (ix["dtree_max_depth"], 1)),
    )
    assert space.is_conditional


def test_empty_and_constant_spaces_have_no_parameters():
    for structure in ({}, [], {"a": 1, "b": [None, "x"]}, 3):
        space = SearchSpace(structure)
        assert space.labels == ()
        Z = space.sample(np.random.default_rng(0), 4)
        assert Z.shape == (4, 0)
        assert space.decode(Z) == [{}] * 4
        assert space.active_mask(Z).shape == (4, 0)
        assert space_eval(structure, {}) == structure


# -- conditional activity ----------------------------------------------------------------
def test_branch_parameters_are_nan_exactly_when_another_branch_is_chosen():
    space = SearchSpace(
        hp.choice(
            "model",
            [
                {"type": "svm", "C": hp.loguniform("C", -3, 3)},
                {"type": "tree", "depth": hp.randint("depth", 1, 10)},
                {"type": "dummy"},
            ],
        )
    )
    Z = space.sample(np.random.default_rng(0), 3000)
    model = column(space, Z, "model")
    assert set(model.tolist()) == {0.0, 1.0, 2.0}
    np.testing.assert_array_equal(np.isnan(column(space, Z, "C")), model != 0)
    np.testing.assert_array_equal(np.isnan(column(space, Z, "depth")), model != 1)
    np.testing.assert_array_equal(space.active_mask(Z), ~np.isnan(Z))
    for point, m in zip(space.decode(Z), model, strict=True):
        expected = {0: {"model", "C"}, 1: {"model", "depth"}, 2: {"model"}}[int(m)]
        assert set(point) == expected


def test_two_levels_of_nested_choices():
    space = SearchSpace(example_c(hp))
    Z = space.sample(np.random.default_rng(1), 4000)
    ctype = column(space, Z, "classifier_type")
    kernel = column(space, Z, "svm_kernel")
    depth = column(space, Z, "dtree_max_depth")
    assert np.array_equal(~np.isnan(kernel), ctype == 1)
    width_active = (ctype == 1) & (kernel == 1)
    depth_int_active = (ctype == 2) & (depth == 1)
    assert width_active.any() and ((ctype == 1) & (kernel == 0)).any()
    assert depth_int_active.any() and ((ctype == 2) & (depth == 0)).any()
    np.testing.assert_array_equal(~np.isnan(column(space, Z, "svm_rbf_width")), width_active)
    np.testing.assert_array_equal(
        ~np.isnan(column(space, Z, "dtree_max_depth_int")), depth_int_active
    )
    np.testing.assert_array_equal(
        ~np.isnan(column(space, Z, "dtree_min_samples_split")), ctype == 2
    )
    np.testing.assert_array_equal(space.active_mask(Z), ~np.isnan(Z))


def test_an_expression_reused_in_two_branches_is_active_when_either_is_chosen():
    lr = hp.loguniform("lr", -5, 0)
    space = SearchSpace(
        hp.choice(
            "opt",
            [{"name": "sgd", "lr": lr}, {"name": "adam", "lr": lr}, {"name": "lbfgs"}],
        )
    )
    assert space.labels == ("opt", "lr")
    assert space.conditions[1] == (((0, 0),), ((0, 1),))
    Z = space.sample(np.random.default_rng(2), 2000)
    np.testing.assert_array_equal(~np.isnan(Z[:, 1]), Z[:, 0] != 2)
    evaluated = space.evaluate({"opt": 1, "lr": 0.01})
    assert evaluated == {"name": "adam", "lr": 0.01}


def test_a_top_level_reuse_makes_the_expression_always_active():
    x = hp.uniform("x", 0, 1)
    space = SearchSpace({"x": x, "c": hp.choice("c", [{"x": x}, {"y": 1}])})
    assert space.conditions[space.index["x"]] == ((),)
    assert not space.is_conditional
    Z = space.sample(np.random.default_rng(3), 500)
    assert not np.isnan(Z).any()
    assert space.evaluate({"x": 0.5, "c": 0}) == {"x": 0.5, "c": {"x": 0.5}}


def test_parameters_inside_choice_options_of_lists_and_tuples_are_gated():
    space = SearchSpace(
        hp.choice("c", [[hp.uniform("a", 0, 1), 1], (2, {"deep": [hp.normal("b", 0, 1)]})])
    )
    assert space.conditions == (((),), (((0, 0),),), (((0, 1),),))
    assert space_eval(space, {"c": 1, "b": 0.25}) == (2, {"deep": [0.25]})


# -- labels ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "first, second",
    [
        (hp.uniform("dup", 0, 1), hp.uniform("dup", 0, 2)),
        (hp.uniform("dup", 0, 1), hp.loguniform("dup", 0, 1)),
        (hp.uniform("dup", 0, 1), hp.quniform("dup", 0, 1, 0.5)),
        (hp.normal("dup", 0, 1), hp.uniform("dup", 0, 1)),
        (hp.randint("dup", 3), hp.choice("dup", [0, 1, 2])),
        (hp.choice("dup", [1, 2]), hp.choice("dup", [1, 3])),
        (hp.pchoice("dup", [(0.5, 1), (0.5, 2)]), hp.choice("dup", [1, 2])),
    ],
    ids=repr,
)
def test_one_label_for_two_different_expressions_is_an_error(first, second):
    with pytest.raises(ValueError, match=r"Label 'dup' is used for two different expressions"):
        SearchSpace({"a": first, "b": second})
    # Also when the two live in different branches of a choice.
    with pytest.raises(ValueError, match=r"Label 'dup'"):
        SearchSpace(hp.choice("c", [{"a": first}, {"b": second}]))


def test_a_choice_sharing_the_label_of_one_of_its_own_parameters_is_an_error():
    with pytest.raises(ValueError, match=r"Label 'x'"):
        SearchSpace(hp.choice("x", [hp.uniform("x", 0, 1), 2]))


@pytest.mark.parametrize(
    "make",
    [
        lambda: hp.uniform("x", 0, 1),
        lambda: hp.choice("x", ["p", "q"]),
        lambda: hp.randint("x", 2, 9),
    ],
    ids=["uniform", "choice", "randint"],
)
def test_identical_redeclarations_are_a_duplicate_label(make):
    # hyperopt raises DuplicateLabel for two hp calls with one label, even with equal
    # arguments; skopt_hp used to merge them silently into one parameter.
    with pytest.raises(DuplicateLabel, match=r"Label 'x' is used for two different") as info:
        SearchSpace({"a": make(), "b": [make()]})
    assert info.value.label == "x"
    assert isinstance(info.value, BadSearchSpace) and isinstance(info.value, ValueError)


def test_one_expression_object_reused_is_one_parameter():
    x, k, r = hp.uniform("x", 0, 1), hp.choice("k", ["p", "q"]), hp.randint("r", 2, 9)
    space = {"a": x, "b": [x], "c": k, "d": k, "e": r, "f": (r, hp.choice("g", [x, r]))}
    compiled = SearchSpace(space)
    assert sorted(compiled.labels) == ["g", "k", "r", "x"]
    Z = compiled.sample(np.random.default_rng(4), 10)
    for point in compiled.decode(Z):
        out = space_eval(space, point)
        assert out["a"] == out["b"][0] == point["x"]
        assert out["c"] == out["d"]
        assert out["e"] == out["f"][0] == point["r"]
        assert out["f"][1] == (point["x"] if point["g"] == 0 else point["r"])


def test_a_recursive_container_is_an_error():
    loop = [hp.uniform("x", 0, 1)]
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        SearchSpace(loop)


def test_an_unknown_expression_type_is_an_error():
    class Strange(Expr):
        def __repr__(self):
            return "Strange()"

    with pytest.raises(TypeError, match=r"Unsupported expression Strange\(\)"):
        SearchSpace({"a": Strange()})


# -- sampling ----------------------------------------------------------------------------
def test_same_seed_gives_identical_samples_and_another_seed_does_not():
    space = SearchSpace(example_c(hp))
    Z1 = space.sample(np.random.default_rng(42), 200)
    Z2 = space.sample(np.random.default_rng(42), 200)
    Z3 = space.sample(np.random.default_rng(43), 200)
    assert Z1.shape == (200, len(space.labels))
    assert nan_equal(Z1, Z2)
    assert not nan_equal(Z1, Z3)


def test_sampling_zero_points():
    space = SearchSpace(example_c(hp))
    Z = space.sample(np.random.default_rng(0), 0)
    assert Z.shape == (0, len(space.labels))
    assert space.decode(Z) == []
    assert space.encode([]).shape == (0, len(space.labels))


def test_samples_are_valid_and_validate_accepts_them():
    space = SearchSpace(example_c(hp))
    Z = space.sample(np.random.default_rng(5), 500)
    space.validate(Z)
    Z[np.argmax(Z[:, 0] == 1), space.index["svm_C"]] = np.nan
    with pytest.raises(ValueError, match=r"active parameter 'svm_C' has no value"):
        space.validate(Z)


# -- decode / encode ---------------------------------------------------------------------
def mixed_space():
    return {
        "model": hp.choice(
            "model",
            [
                {"C": hp.loguniform("C", -4, 4), "kernel": hp.choice("kernel", ["rbf", "poly"])},
                {
                    "depth": hp.randint("depth", 1, 12),
                    "leaf": hp.qloguniform("leaf", -2, 3, 1),
                    "w": hp.lognormal("w", 0, 1),
                },
            ],
        ),
        "lr": hp.normal("lr", 0, 1),
        "batch": hp.quniform("batch", 16, 256, 16),
        "n": hp.uniformint("n", 1, 5),
        "q": hp.qnormal("q", 0, 3, 0.5),
        "p": hp.pchoice("p", [(0.3, "x"), (0.7, "y")]),
        "u": hp.uniform("u", -1, 1),
        "ql": hp.qlognormal("ql", 1, 1, 2),
    }


LOG_UNQUANTISED = {"C", "w"}


def assert_round_trip(space, Z):
    back = space.encode(space.decode(Z))
    assert np.array_equal(np.isnan(back), np.isnan(Z))
    for j, label in enumerate(space.labels):
        if label in LOG_UNQUANTISED:
            np.testing.assert_allclose(back[:, j], Z[:, j], rtol=1e-13, atol=1e-13)
        else:
            np.testing.assert_array_equal(back[:, j], Z[:, j], err_msg=label)


def test_decode_encode_round_trip():
    space = SearchSpace(mixed_space())
    Z = space.sample(np.random.default_rng(6), 2000)
    assert_round_trip(space, Z)


def test_decode_gives_external_values_of_the_active_parameters_only():
    space = SearchSpace(mixed_space())
    Z = space.sample(np.random.default_rng(7), 300)
    for point, row in zip(space.decode(Z), Z, strict=True):
        assert set(point) == {lab for lab, z in zip(space.labels, row, strict=True) if z == z}
        assert type(point["model"]) is int and type(point["p"]) is int
        assert type(point["n"]) is int and type(point["batch"]) is float
        if "C" in point:
            assert point["C"] == pytest.approx(math.exp(row[space.index["C"]]))
            assert type(point["kernel"]) is int
        else:
            assert type(point["depth"]) is int and 1 <= point["depth"] < 12
    assert space.decode(Z[0]) == space.decode(Z[:1])


def test_encode_accepts_hyperopt_misc_vals_form():
    space = SearchSpace(example_c(hp))
    plain = [
        {"classifier_type": 1, "svm_C": 2.0, "svm_kernel": 1, "svm_rbf_width": 0.5},
        {"classifier_type": 0},
    ]
    hyperopt_form = [
        {
            "classifier_type": [1],
            "svm_C": [2.0],
            "svm_kernel": [np.int64(1)],
            "svm_rbf_width": np.array([0.5]),
            "dtree_criterion": [],
            "dtree_max_depth": [],
            "dtree_max_depth_int": [],
            "dtree_min_samples_split": [],
        },
        {"classifier_type": (0,), "svm_C": [], "svm_kernel": []},
    ]
    Z = space.encode(plain)
    assert nan_equal(space.encode(hyperopt_form), Z)
    ix = space.index
    assert Z[0, ix["svm_C"]] == pytest.approx(math.log(2.0))
    assert Z[0, ix["svm_kernel"]] == 1.0
    assert np.isnan(Z[1, 1:]).all()


def test_zero_dimensional_arrays_are_accepted_as_values():
    space = SearchSpace(example_a(hp))
    point = {"C": np.array(0.25), "max_iter": np.array(60)}
    np.testing.assert_array_equal(space.encode([point]), [[0.25, 60.0]])
    out = space_eval(example_a(hp), point)
    assert out == {"C": 0.25, "max_iter": 60}
    assert type(out["C"]) is float and type(out["max_iter"]) is int


def test_encode_drops_values_given_for_inactive_parameters():
    space = SearchSpace(example_c(hp))
    Z = space.encode([{"classifier_type": 0, "svm_C": 2.0}])
    assert np.isnan(Z[0, space.index["svm_C"]])


def test_encode_rejects_unknown_labels():
    space = SearchSpace(example_a(hp))
    with pytest.raises(
        ValueError, match=r"Point 1 has labels not in the search space: \['gamma'\]"
    ):
        space.encode([{"C": 0.5, "max_iter": 60}, {"C": 0.5, "max_iter": 60, "gamma": 1}])


def test_encode_rejects_a_missing_active_label():
    space = SearchSpace(example_c(hp))
    with pytest.raises(ValueError, match=r"Point 0 has no value for the active parameter 'svm_C'"):
        space.encode([{"classifier_type": 1, "svm_kernel": 0}])
    with pytest.raises(ValueError, match=r"active parameter 'svm_rbf_width'"):
        space.encode([{"classifier_type": 1, "svm_C": 1.0, "svm_kernel": [1]}])
    with pytest.raises(ValueError, match=r"active parameter 'classifier_type'"):
        space.encode([{}])


@pytest.mark.parametrize(
    "point, exc, match",
    [
        ({"classifier_type": 3}, ValueError, r"expected an option index in \[0, 3\), got 3"),
        ({"classifier_type": 0.5}, ValueError, r"expected an option index"),
        ({"classifier_type": "svm"}, TypeError, r"expected a number, got 'svm'"),
        ({"classifier_type": True}, TypeError, r"expected a number, got True"),
        ({"classifier_type": [0, 1]}, ValueError, r"Label 'classifier_type': expected one value"),
        ({"classifier_type": 1, "svm_C": math.nan}, ValueError, r"expected a finite value"),
    ],
)
def test_encode_rejects_invalid_values(point, exc, match):
    with pytest.raises(exc, match=match):
        SearchSpace(example_c(hp)).encode([point])


def test_encode_rejects_randint_values_outside_the_range():
    space = SearchSpace(example_a(hp))
    with pytest.raises(ValueError, match=r"hp\.randint\('max_iter', 50, 200\).*\[50, 200\)"):
        space.encode([{"C": 0.5, "max_iter": 200}])
    with pytest.raises(ValueError, match=r"hp\.randint\('max_iter', 50, 200\).*got 60\.5"):
        space.encode([{"C": 0.5, "max_iter": 60.5}])


def test_encode_rejects_a_non_mapping_point():
    with pytest.raises(TypeError, match="A point must be a mapping"):
        SearchSpace(example_a(hp)).encode([[0.5, 60]])


# -- snap --------------------------------------------------------------------------------
def test_snap_maps_arbitrary_floats_to_valid_points():
    space = SearchSpace(mixed_space())
    rng = np.random.default_rng(8)
    Z = rng.normal(0, 4, size=(3000, len(space.labels)))
    for label, (low, high) in {
        "model": (-2, 3),
        "p": (-2, 3),
        "batch": (-100, 400),
        "depth": (-5, 20),
        "n": (-2, 8),
    }.items():
        Z[:, space.index[label]] = rng.uniform(low, high, 3000)
    Z[rng.random(Z.shape) < 0.1] = np.nan  # a sampler may leave inactive entries blank
    S = space.snap(Z)
    active = space.active_mask(S)
    # Inactive entries are blank; active ones are set wherever the input had a value.
    assert np.isnan(S[~active]).all()
    assert not np.isnan(S[active & ~np.isnan(Z)]).any()
    rows = ~(active & np.isnan(S)).any(axis=1)  # the rows with every active entry set
    assert rows.sum() > 500
    S = S[rows]
    assert_round_trip(space, S)
    assert nan_equal(space.snap(S), S)
    points = space.decode(S)
    assert {p["batch"] for p in points} == {16.0 * k for k in range(1, 17)}
    assert {p["n"] for p in points} == {1, 2, 3, 4, 5}
    for point in points:
        assert point["model"] in (0, 1) and point["p"] in (0, 1)
        assert 16 <= point["batch"] <= 256 and point["batch"] % 16 == 0
        assert 1 <= point["n"] <= 5 and point["q"] % 0.5 == 0
        assert point["ql"] >= 0 and point["ql"] % 2 == 0
        if point["model"] == 0:
            assert math.exp(-4) * (1 - 1e-12) <= point["C"] <= math.exp(4) * (1 + 1e-12)
            assert point["kernel"] in (0, 1)
        else:
            assert 1 <= point["depth"] <= 11 and point["leaf"] % 1 == 0
            assert 0 <= point["leaf"] <= round(math.exp(3))


def test_snap_leaves_sampled_points_unchanged():
    space = SearchSpace(mixed_space())
    Z = space.sample(np.random.default_rng(9), 2000)
    assert nan_equal(space.snap(Z), Z)


def test_snap_blanks_parameters_of_unchosen_branches():
    space = SearchSpace(example_c(hp))
    Z = np.zeros((1, len(space.labels)))  # every column set, classifier_type 0
    S = space.snap(Z)
    assert S[0, 0] == 0 and np.isnan(S[0, 1:]).all()


def test_snap_below_a_quantised_log_range_gives_the_canonical_lowest_value():
    # exp(low) = 4.5 rounds down to 4, so 0 is not a value of this parameter; a
    # proposal far below the range must snap to the encoding of 4, not of 0.
    space = SearchSpace({"x": hp.qloguniform("x", math.log(4.5), math.log(100), 2)})
    S = space.snap(np.array([[-100.0], [0.0], [math.log(3)], [50.0]]))
    assert [p["x"] for p in space.decode(S)] == [4.0, 4.0, 4.0, 100.0]
    np.testing.assert_array_equal(space.encode(space.decode(S)), S)
    np.testing.assert_array_equal(space.snap(S), S)


def test_snap_of_a_quantised_log_range_that_reaches_zero_uses_the_zero_code():
    space = SearchSpace({"x": hp.qloguniform("x", -3, 2, 1)})
    S = space.snap(np.array([[-50.0], [-2.0], [-1.0], [1.0]]))
    assert [p["x"] for p in space.decode(S)] == [0.0, 0.0, 0.0, 3.0]
    np.testing.assert_array_equal(space.encode(space.decode(S)), S)
    sampled = space.sample(np.random.default_rng(10), 500)
    zero_code = sampled[np.exp(sampled[:, 0]) < 0.5, 0]
    assert zero_code.size and np.all(zero_code == S[0, 0])


# -- space_eval --------------------------------------------------------------------------
def test_space_eval_of_nested_structures_with_constants_and_objects():
    estimator = SVC(C=3.0)
    sentinel = object()
    Pair = namedtuple("Pair", "left right")
    space = {
        "est": estimator,
        "grid": [1, (hp.uniform("u", 0, 1), "const", None), {"obj": sentinel}],
        "pair": Pair(hp.randint("r", 5), hp.choice("c", ["a", estimator])),
        "ordered": OrderedDict([("z", hp.quniform("z", 0, 1, 0.25)), ("a", 1)]),
    }
    out = space_eval(space, {"u": 0.5, "r": 3, "c": 1, "z": 0.75})
    assert out == {
        "est": estimator,
        "grid": [1, (0.5, "const", None), {"obj": sentinel}],
        "pair": Pair(3, estimator),
        "ordered": OrderedDict([("z", 0.75), ("a", 1)]),
    }
    assert out["est"] is estimator and out["pair"].right is estimator
    assert out["grid"][2]["obj"] is sentinel
    assert type(out["grid"]) is list and type(out["grid"][1]) is tuple
    assert type(out["pair"]) is Pair and type(out["ordered"]) is OrderedDict
    assert list(out["ordered"]) == ["z", "a"]
    assert type(out["pair"].left) is int
    # The space itself is not modified.
    assert isinstance(space["grid"][1][0], Expr)


def test_space_eval_of_a_single_expression_returns_a_scalar():
    assert space_eval(hp.uniform("u", 0, 1), {"u": 0.25}) == 0.25
    assert type(space_eval(hp.uniform("u", 0, 1), {"u": 1})) is float
    assert space_eval(hp.randint("r", 10), {"r": np.int64(4)}) == 4
    assert type(space_eval(hp.randint("r", 10), {"r": np.int64(4)})) is int
    assert space_eval(hp.choice("c", ["a", "b"]), {"c": 1}) == "b"
    assert space_eval(hp.choice("c", ["a", "b"]), {"c": [np.int64(0)]}) == "a"


def test_space_eval_of_hyperopt_example_a():
    assert space_eval(example_a(hp), {"C": 0.3, "max_iter": 120}) == {"C": 0.3, "max_iter": 120}
    assert space_eval(example_a(hp), {"C": [0.3], "max_iter": [120]}) == {
        "C": 0.3,
        "max_iter": 120,
    }


def test_space_eval_of_hyperopt_example_b():
    value = space_eval(example_b(hp), {"C": 1.5})
    assert value == 1.5 and type(value) is float


@pytest.mark.parametrize(
    "point, expected",
    [
        ({"classifier_type": 0}, {"type": "naive_bayes"}),
        (
            {"classifier_type": 1, "svm_C": 2.0, "svm_kernel": 0},
            {"type": "svm", "C": 2.0, "kernel": {"ktype": "linear"}},
        ),
        (
            {"classifier_type": 1, "svm_C": 2.0, "svm_kernel": 1, "svm_rbf_width": 0.5},
            {"type": "svm", "C": 2.0, "kernel": {"ktype": "RBF", "width": 0.5}},
        ),
        (
            {
                "classifier_type": 2,
                "dtree_criterion": 1,
                "dtree_max_depth": 0,
                "dtree_min_samples_split": 4.0,
            },
            {"type": "dtree", "criterion": "entropy", "max_depth": None, "min_samples_split": 4.0},
        ),
        (
            {
                "classifier_type": 2,
                "dtree_criterion": 0,
                "dtree_max_depth": 1,
                "dtree_max_depth_int": 7.0,
                "dtree_min_samples_split": 3.0,
                "svm_C": 9.9,  # labels of inactive branches are ignored
            },
            {"type": "dtree", "criterion": "gini", "max_depth": 7.0, "min_samples_split": 3.0},
        ),
    ],
)
def test_space_eval_of_hyperopt_example_c(point, expected):
    assert space_eval(example_c(hp), point) == expected
    assert SearchSpace(example_c(hp)).evaluate(point) == expected
    assert space_eval(SearchSpace(example_c(hp)), point) == expected


@pytest.mark.parametrize(
    "point, missing",
    [
        ({}, "classifier_type"),
        ({"classifier_type": 1, "svm_kernel": 0}, "svm_C"),
        ({"classifier_type": 1, "svm_C": 1.0, "svm_kernel": 1}, "svm_rbf_width"),
        ({"classifier_type": 2, "dtree_criterion": 0, "dtree_max_depth": 1}, "dtree_max_depth_int"),
    ],
)
def test_space_eval_with_a_missing_active_label_names_it(point, missing):
    with pytest.raises(KeyError, match=rf"no value for the active parameter '{missing}'"):
        space_eval(example_c(hp), point)


def test_space_eval_rejects_an_invalid_choice_index():
    with pytest.raises(ValueError, match=r"hp\.choice\('classifier_type'.*got 5"):
        space_eval(example_c(hp), {"classifier_type": 5})


def test_as_search_space_compiles_once():
    compiled = SearchSpace(example_c(hp))
    assert as_search_space(compiled) is compiled
    assert as_search_space(example_a(hp)).labels == ("C", "max_iter")
    assert SearchSpace(compiled).labels == compiled.labels


# -- agreement with hyperopt's space_eval ------------------------------------------------
@pytest.mark.parametrize("example", [example_a, example_b, example_c])
def test_space_eval_agrees_with_hyperopt(example):
    hyperopt = pytest.importorskip("hyperopt")
    ours, theirs = example(hp), example(hyperopt.hp)
    space = SearchSpace(ours)
    points = space.decode(space.sample(np.random.default_rng(11), 40))
    if example is example_c:
        points.append(
            {
                "classifier_type": 2,
                "dtree_criterion": 1,
                "dtree_max_depth": 0,
                "dtree_min_samples_split": 4.0,
            }
        )
        assert {p["classifier_type"] for p in points} == {0, 1, 2}
    for point in points:
        assert space_eval(ours, point) == hyperopt.space_eval(theirs, point)


@pytest.mark.parametrize("example", [example_a, example_b, example_c])
def test_points_from_hyperopt_trials_encode_and_evaluate_alike(example):
    # misc.vals as hyperopt's rand.suggest stores them: {label: [numpy scalar]} or [].
    hyperopt = pytest.importorskip("hyperopt")
    theirs = example(hyperopt.hp)
    trials = hyperopt.Trials()
    best = hyperopt.fmin(
        lambda _: 0.0,
        theirs,
        algo=hyperopt.rand.suggest,
        max_evals=40,
        trials=trials,
        rstate=np.random.default_rng(12),
        show_progressbar=False,
    )
    ours = example(hp)
    space = SearchSpace(ours)
    vals = [misc["vals"] for misc in trials.miscs]
    assert any(v == [] for point in vals for v in point.values()) or example is not example_c
    Z = space.encode(vals)
    np.testing.assert_array_equal(space.snap(Z), Z)
    for decoded, point in zip(space.decode(Z), vals, strict=True):
        flat = {label: v[0] for label, v in point.items() if len(v)}
        # hyperopt's own space_eval wants scalars; ours takes the misc.vals form too.
        assert space_eval(ours, point) == hyperopt.space_eval(theirs, flat)
        assert decoded == pytest.approx(flat, rel=1e-12)
        assert {label: type(v) for label, v in decoded.items()} == {
            label: int if isinstance(v, np.integer) else float for label, v in flat.items()
        }
    assert space_eval(ours, best) == hyperopt.space_eval(theirs, best)
