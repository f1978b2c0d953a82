"""Arithmetic and comparisons on space expressions: deferred, evaluated by space_eval,
invisible to samplers (hyperopt's pyll operators)."""

import operator
import pickle

import numpy as np
import pytest

try:
    import cloudpickle
except ImportError:  # joblib before 1.5 shipped it inside instead of depending on it
    from joblib.externals import cloudpickle
from sklearn.base import clone
from sklearn.linear_model import Ridge

from skopt_hp import HyperoptSearchCV, Trials, fmin, hp, rand, space_eval, tpe
from skopt_hp.pyll import scope
from skopt_hp.space import Expr, SearchSpace
from skopt_hp.space._apply import Apply

U = -3.0  # the value given to u below


def u_node():
    return hp.uniform("u", -4, -1)


BINARY = [
    (operator.add, "+"), (operator.sub, "-"), (operator.mul, "*"), (operator.truediv, "/"),
    (operator.floordiv, "//"), (operator.mod, "%"), (operator.pow, "**"),
    (operator.lt, "<"), (operator.le, "<="), (operator.gt, ">"), (operator.ge, ">="),
]


@pytest.mark.parametrize(("op", "symbol"), BINARY, ids=[s for _, s in BINARY])
@pytest.mark.parametrize("number", [2, 2.5, -3.0, np.float64(2.0), np.int64(3)])
def test_binary_operators_with_a_number_on_either_side(op, symbol, number):
    u = u_node()
    left, right = op(u, number), op(number, u)
    assert isinstance(left, Apply) and isinstance(right, Apply)
    assert space_eval(left, {"u": U}) == op(U, number)
    assert space_eval(right, {"u": U}) == op(number, U)
    assert f" {symbol} " in repr(left)


@pytest.mark.parametrize(("op", "expected"), [
    (operator.neg, 3.0), (operator.pos, -3.0), (abs, 3.0),
])
def test_unary_operators(op, expected):
    assert space_eval(op(u_node()), {"u": U}) == expected


def test_expressions_combine_with_each_other_and_with_scope():
    x, y = hp.normal("x", 0, 1), hp.quniform("y", 0, 10, 1)
    expr = 1 + x * 2 - scope.int(y) ** 2 / (y + 1)
    assert space_eval(expr, {"x": 0.5, "y": 3.0}) == 1 + 0.5 * 2 - 3 ** 2 / 4.0
    assert sorted(SearchSpace(expr).labels) == ["x", "y"]
    assert space_eval(scope.eq(x, 0.5), {"x": 0.5}) is True
    assert space_eval(scope.getitem(hp.choice("c", [(1, 2), (3, 4)]), 1), {"c": 1}) == 4


def test_hyperopts_space_eval_example():
    # hyperopt's test_space_eval.
    space = hp.choice("a", [("case 1", 1 + hp.lognormal("c1", 0, 1)),
                            ("case 2", hp.uniform("c2", -10, 10))])
    assert space_eval(space, {"a": 0, "c1": 1.0}) == ("case 1", 2.0)
    assert space_eval(space, {"a": 1, "c2": 3.5}) == ("case 2", 3.5)


def test_equality_and_hash_keep_their_identity_meaning():
    u, v = u_node(), hp.uniform("v", 0, 1)
    assert u == u and u != v and not (u == 3) and u != 3
    assert isinstance(u == u, bool)
    table = {u: "u", v: "v", u + 1: "sum"}
    assert table[u] == "u" and table[v] == "v" and len({u, v, u}) == 2
    assert hash(u) == hash(u)
    s = u + 1
    assert s == s and s != u + 1  # two deferred sums are two objects


def test_samplers_see_only_the_parameters_inside():
    u = u_node()
    space = {"lr": 10 ** u, "flag": u < -2, "k": hp.choice("k", [-hp.normal("n", 0, 1), 2])}
    compiled = SearchSpace(space)
    assert sorted(compiled.labels) == ["k", "n", "u"]
    Z = compiled.sample(np.random.default_rng(0), 50)
    for point in compiled.decode(Z):
        out = space_eval(space, point)
        assert out["lr"] == pytest.approx(10 ** point["u"])
        assert out["flag"] is (point["u"] < -2)
        assert out["k"] == (-point["n"] if point["k"] == 0 else 2)


def test_operators_inside_conditional_spaces_through_fmin():
    space = hp.choice("model", [
        {"kind": "a", "lr": 10 ** hp.uniform("log_lr", -4, -1)},
        {"kind": "b", "depth": 2 * hp.randint("half_depth", 1, 5) + 1},
    ])
    seen = []

    def objective(params):
        seen.append(params)
        return params["lr"] if params["kind"] == "a" else params["depth"] / 10

    trials = Trials()
    best = fmin(objective, space, algo=tpe.suggest, max_evals=25, trials=trials,
                rstate=np.random.default_rng(3), show_progressbar=False)
    for params, trial in zip(seen, trials.records, strict=True):
        if params["kind"] == "a":
            assert params["lr"] == pytest.approx(10 ** trial.params["log_lr"])
            assert 1e-4 <= params["lr"] <= 1e-1
        else:
            assert params["depth"] == 2 * trial.params["half_depth"] + 1
            assert isinstance(params["depth"], int) and params["depth"] % 2 == 1
    assert set(best) <= {"model", "log_lr", "half_depth"}
    # The argmin holds the parameters' own values; space_eval applies the operators.
    assert space_eval(space, best) == seen[int(np.argmin(trials.losses()))]


def test_operators_in_a_hyperoptsearchcv_space():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.1, size=60)
    search = HyperoptSearchCV(Ridge(), {"alpha": 10 ** hp.uniform("log_alpha", -3, 2)},
                              n_iter=6, cv=3, algo=rand.suggest, random_state=0)
    search.fit(X, y)
    for params, trial in zip(search.cv_results_["params"], search.trials_.records, strict=True):
        assert params["alpha"] == pytest.approx(10 ** trial.params["log_alpha"])
    # clone deep-copies the space: still a valid space with the same parameter.
    copy = clone(search)
    assert SearchSpace(copy.search_space).labels == ("log_alpha",)


def test_operator_expressions_pickle():
    u = u_node()
    space = {"a": 2 ** u, "b": [u, abs(u) < 3.5]}
    for dumps, loads in ((pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)):
        copy = loads(dumps(space))
        assert copy["a"].args[1] is copy["b"][0]  # one parameter still, after the round trip
        assert space_eval(copy, {"u": U}) == {"a": 2 ** U, "b": [U, True]}


def test_numpy_arrays_defer_to_the_expression():
    # Without __array_ufunc__ = None, numpy would broadcast and return an object array.
    result = np.float64(3.0) * u_node()
    assert isinstance(result, Expr)
    with pytest.raises(TypeError):
        np.add(np.ones(2), u_node())


def test_a_failing_operation_raises_when_evaluated():
    expr = 1 / hp.uniform("x", -1, 1)
    assert space_eval(expr, {"x": 0.5}) == 2.0
    with pytest.raises(ZeroDivisionError):
        space_eval(expr, {"x": 0.0})
