"""hyperopt's ``scope`` idiom: deferred function calls inside a space."""

import numpy as np
import pytest

from skopt_hp import hp, space_eval
from skopt_hp.pyll import scope
from skopt_hp.space import SearchSpace


def test_scope_int_turns_quniform_into_int():
    space = {"max_depth": scope.int(hp.quniform("max_depth", 1, 10, 1))}
    compiled = SearchSpace(space)
    assert compiled.labels == ("max_depth",)
    points = compiled.decode(compiled.sample(np.random.default_rng(0), 50))
    for point in points:
        value = space_eval(space, point)["max_depth"]
        assert type(value) is int
        assert 1 <= value <= 10
        assert value == point["max_depth"]


def test_scope_call_inside_a_choice_branch_is_conditional():
    space = hp.choice("m", [{"k": scope.int(hp.quniform("k", 1, 5, 1))}, {"c": 1}])
    compiled = SearchSpace(space)
    assert compiled.conditions[compiled.index["k"]] == (((0, 0),),)
    assert space_eval(space, {"m": 1}) == {"c": 1}
    assert space_eval(space, {"m": 0, "k": 3.0}) == {"k": 3}


def test_scope_define_registers_a_user_function():
    @scope.define
    def halve(value):
        return value / 2

    expr = scope.halve(hp.uniform("u", 0, 1))
    assert space_eval(expr, {"u": 0.5}) == 0.25
    assert "scope.halve" in repr(expr)


def test_scope_keyword_arguments_and_constants():
    expr = scope.max(hp.uniform("a", 0, 1), 0.75)
    assert space_eval(expr, {"a": 0.2}) == 0.75
    assert space_eval(expr, {"a": 0.9}) == 0.9


def test_unknown_scope_function_names_it():
    with pytest.raises(AttributeError, match="no_such_fn"):
        scope.no_such_fn(1)


def test_scope_define_rejects_non_callables():
    with pytest.raises(TypeError, match="scope.define"):
        scope.define(3)
