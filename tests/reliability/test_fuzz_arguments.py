"""Fuzzing the arguments of fmin and of HyperoptSearchCV.

Every argument is drawn from valid values or, now and then, from wrong ones.
With a wrong one, the call must raise ``ValueError``/``TypeError`` (``OSError``
for a checkpoint path whose directory is missing) naming one of the wrong
parameters, before the objective runs or any estimator is fit. With valid
ones only, the search runs to its end.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from _reliability_helpers import COUNTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import uniform
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import make_regression
from sklearn.model_selection import KFold

from skopt_hp import AllTrialsFailed, HyperoptSearchCV, Trials, fmin, hp, rand, tpe
from skopt_hp.early_stop import no_progress_loss
from skopt_hp.samplers import RandomSampler, TPESampler
from skopt_hp.space import SearchSpace, from_param_distributions
from skopt_hp.space._grid import FiniteGrid

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@st.composite
def spoiled(draw, valid_table, invalid_table):
    """Values for every argument: valid ones, except 0 to 2 drawn from the invalid table."""
    n_wrong = draw(st.sampled_from([0, 0, 1, 1, 1, 2]))
    wrong = set(draw(st.permutations(sorted(invalid_table)))[:n_wrong])
    args = {}
    for name in valid_table:
        table = invalid_table if name in wrong else valid_table
        args[name] = draw(st.sampled_from(table[name]))
    return args, wrong


# -- fmin ---------------------------------------------------------------------------------
SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}
FN = "objective"  # stands for the recording objective in the tables


def fmin_tables(directory):
    valid = {
        "fn": [FN],
        "space": [SPACE],
        "max_evals": [1, 2, 3, np.int64(2)],
        "timeout": [None, 30.0, 60, math.inf],
        "loss_threshold": [None, -1.0, 0.5, -math.inf],
        "rstate": [None, 0, 7],
        "algo": [None, "tpe", "rand", tpe.suggest, rand.suggest,
                 partial(tpe.suggest, n_startup_jobs=1), TPESampler(), RandomSampler()],
        "points_to_evaluate": [None, [], [{"x": 0.5, "c": 1}], ({"x": -1.0, "c": 0},)],
        "early_stop_fn": [None, no_progress_loss(3)],
        "max_queue_len": [1, 2],
        "trials": [None, "fresh"],
        "trials_save_file": ["", "file"],
        "trial_timeout": [None],
        "catch_eval_exceptions": [True, False],
        "return_argmin": [True, False],
    }
    invalid = {
        "fn": [42, None],
        "space": [{"x": hp.uniform("x", 0, 1), "y": hp.uniform("x", 0, 2)}],
        "max_evals": [-1, 2.5, "3", True, [3], math.nan],
        "timeout": [0, -1.0, math.nan, "10", True],
        "loss_threshold": ["low", [0.1], True],
        "rstate": [np.random.RandomState(0), "0", 1.5, True],
        "algo": ["annealing", 3, print, partial(tpe.suggest, 5), partial(tpe.suggest, bogus=1)],
        "points_to_evaluate": [{"x": 0.5, "c": 0}, "x", [{"y": 1.0}], [{"x": "a", "c": 0}],
                               [{"x": 0.5, "c": 7}], [{"x": 0.5}], [3]],
        "early_stop_fn": [3, "stop"],
        "max_queue_len": [0, 1.5, True],
        "trials": [[], {}, "t"],
        "trials_save_file": [123, b"t.json", None, str(directory / "missing" / "t.json"),
                             str(directory)],
        "trial_timeout": [0, -1.0, math.nan, "1", True],
    }
    return valid, invalid


#: What an error about each argument may cite besides its name (the duplicated label).
FMIN_ALIASES = {"space": ("'x'",)}


def test_fuzzed_fmin_arguments_fail_before_any_evaluation_or_run(tmp_path):
    seen = {"valid": 0, "invalid": 0}
    valid_table, invalid_table = fmin_tables(tmp_path)

    @settings(FUZZ, max_examples=400)
    @given(drawn=spoiled(valid_table, invalid_table))
    def check(drawn):
        kwargs, wrong = drawn
        kwargs = dict(kwargs)
        calls = []
        if kwargs["fn"] == FN:
            kwargs["fn"] = lambda p: calls.append(p) or (p["x"] - 1) ** 2
        if kwargs["trials"] == "fresh":
            kwargs["trials"] = Trials()
        if kwargs["trials_save_file"] == "file":
            kwargs["trials_save_file"] = str(tmp_path / f"t{seen['valid'] + seen['invalid']}.json")
        fn, space = kwargs.pop("fn"), kwargs.pop("space")
        if wrong:
            seen["invalid"] += 1
            names = {alias for name in wrong for alias in (name, *FMIN_ALIASES.get(name, ()))}
            with pytest.raises((ValueError, TypeError, OSError)) as info:
                fmin(fn, space, show_progressbar=False, **kwargs)
            assert any(name in str(info.value) for name in names), (wrong, str(info.value))
            assert calls == []
            return
        seen["valid"] += 1
        try:
            best = fmin(fn, space, show_progressbar=False, **kwargs)
        except AllTrialsFailed:  # return_argmin with no successful trial: hyperopt's error
            return
        trials = kwargs["trials"]
        assert 1 <= len(calls) <= kwargs["max_evals"]
        if trials is not None:
            assert len(trials) == len(calls)
            if kwargs["return_argmin"]:
                assert best == trials.argmin

    check()
    COUNTS["fmin argument sets fuzzed: valid (run)"] += seen["valid"]
    COUNTS["fmin argument sets fuzzed: invalid (rejected before evaluating)"] += seen["invalid"]
    assert seen["valid"] >= 50 and seen["invalid"] >= 200, seen


# -- HyperoptSearchCV ----------------------------------------------------------------------
class RecordingRegressor(RegressorMixin, BaseEstimator):
    """Predicts the training mean plus ``shift``; counts its fits (n_jobs=1 only)."""

    n_fits = 0

    def __init__(self, shift=0.0):
        self.shift = shift

    def fit(self, X, y):
        type(self).n_fits += 1
        self.mean_ = float(np.mean(y)) + self.shift
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


SEARCH_VALID = {
    "search_space": [{"shift": hp.uniform("shift", -1, 1)}, {"shift": [0.0, 0.5, 1.0]},
                     [{"shift": [0.0]}, {"shift": hp.normal("s", 0, 1)}], {"shift": uniform(-1, 2)},
                     hp.choice("m", [{"shift": 0.0}, {"shift": 1.0}])],
    "n_iter": [1, 3, 4],
    "n_points": [1, 2, 4],
    "timeout": [None, 60.0],
    "n_iter_no_change": [None, 1, 5],
    "algo": ["tpe", "rand", tpe.suggest, partial(tpe.suggest, n_startup_jobs=1), TPESampler(),
             RandomSampler()],
    "cv": [2, 3, KFold(2), None],
    "scoring": [None, "r2", "neg_mean_squared_error"],
    "error_score": [np.nan, 0.0, "raise"],
    "n_jobs": [None, 1],
    "random_state": [None, 0, np.random.RandomState(1)],
    "warm_start": [False, True],
    "refit": [True, False],
}
SEARCH_INVALID = {
    "search_space": ["abc", 3, None, {"shift": hp.uniform("s", 0, 1), "o": hp.uniform("s", 0, 2)},
                     hp.uniform("x", 0, 1)],
    "n_iter": [0, -1, 2.5, "3", None],
    "n_points": [0, 1.5, None, "2"],
    "timeout": [0, -1.0, "1", math.nan],
    "n_iter_no_change": [0, 1.5, "3"],
    "algo": ["annealing", 3, None, partial(tpe.suggest, 5), partial(tpe.suggest, bogus=1)],
    "cv": [0, 1.5, "x", -2],
    "scoring": ["not_a_metric", 3, {"a": "nope"}],
    "error_score": ["ignore", None, [1]],
    "n_jobs": ["two", 1.5],
    "random_state": ["0", 1.5],
    "warm_start": ["yes", 2],
}
SEARCH_ALIASES = {"search_space": ("'s'",)}


def test_fuzzed_search_arguments_fail_before_any_fit_or_run():
    X, y = make_regression(n_samples=30, n_features=2, noise=1.0, random_state=0)
    seen = {"valid": 0, "invalid": 0}

    @settings(FUZZ, max_examples=250)
    @given(drawn=spoiled(SEARCH_VALID, SEARCH_INVALID))
    def check(drawn):
        kwargs, wrong = drawn
        search = HyperoptSearchCV(RecordingRegressor(), **kwargs)
        RecordingRegressor.n_fits = 0
        if wrong:
            seen["invalid"] += 1
            names = {alias for name in wrong for alias in (name, *SEARCH_ALIASES.get(name, ()))}
            with pytest.raises((ValueError, TypeError)) as info:
                search.fit(X, y)
            message = str(info.value)
            assert any(name in message for name in names), (wrong, message)
            assert RecordingRegressor.n_fits == 0
            return
        seen["valid"] += 1
        search.fit(X, y)
        n_rows = len(search.cv_results_["params"])
        # A finite space is searched at most once per point (RandomizedSearchCV's cap).
        grid = FiniteGrid.of(SearchSpace(from_param_distributions(kwargs["search_space"])))
        n_iter = kwargs["n_iter"] if grid is None else min(kwargs["n_iter"], grid.size)
        assert 1 <= n_rows <= n_iter and len(search.trials_) == n_rows
        if kwargs["n_iter_no_change"] is None:
            assert n_rows == n_iter

    check()
    COUNTS["HyperoptSearchCV argument sets fuzzed: valid (fit)"] += seen["valid"]
    COUNTS["HyperoptSearchCV argument sets fuzzed: invalid (rejected before fitting)"] += seen[
        "invalid"
    ]
    assert seen["valid"] >= 30 and seen["invalid"] >= 100, seen
