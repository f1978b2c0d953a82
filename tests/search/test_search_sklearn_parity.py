"""Where HyperoptSearchCV behaves as RandomizedSearchCV, checked side by side.

Found by running scikit-learn's own ``test_search.py`` against HyperoptSearchCV
(issue 16): sequences such as ``range`` are choices over their items, a finite
space is searched at most once per point (capped at its size, with
scikit-learn's warning), fit failures are reported once per search with its
totals, and scikit-learn's callbacks see the search's tree. Tests mirroring a
scikit-learn test say which.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
import scipy.stats as st
from _search_helpers import FailingClassifier, iris
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RandomizedSearchCV

from skopt_hp import HyperoptSearchCV, Trials, fmin, hp
from skopt_hp._sklearn_compat import SKLEARN_VERSION
from skopt_hp.samplers import Sampler

# scikit-learn's tests' tiny data set and dummy classifier (test_search.py).
X4 = np.array([[-1, -1], [-2, -1], [1, 1], [2, 1]])
Y4 = np.array([1, 1, 2, 2])


class MockClassifier(ClassifierMixin, BaseEstimator):
    """Scores 1 when ``foo_param > 1``, else 0 (scikit-learn's ``MockClassifier``)."""

    def __init__(self, foo_param=0):
        self.foo_param = foo_param

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def score(self, X=None, y=None):
        return 1.0 if self.foo_param > 1 else 0.0


class GridClassifier(ClassifierMixin, BaseEstimator):
    """Takes any of the parameters the finite spaces below set; predicts the majority."""

    def __init__(self, a=None, b=None, c=None, d=None, model=None):
        self.a, self.b, self.c, self.d, self.model = a, b, c, d, model

    def fit(self, X, y):
        values, counts = np.unique(y, return_counts=True)
        self.classes_, self.majority_ = values, values[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def _search(estimator, space, **kwargs):
    kwargs.setdefault("cv", 2)
    kwargs.setdefault("random_state", 0)
    return HyperoptSearchCV(estimator, space, **kwargs)


def _fit_quietly(search, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return search.fit(X, y)


# -- sequences are choices ---------------------------------------------------------------
@pytest.mark.parametrize(
    "values",
    [range(1, 4), np.arange(1, 4), (1, 2, 3), [1, 2, 3]],
    ids=["range", "ndarray", "tuple", "list"],
)
def test_a_sequence_of_values_is_searched_item_by_item(values):
    """Mirrors ``test_grid_search_when_param_grid_includes_range``."""
    search = _fit_quietly(_search(MockClassifier(), {"foo_param": values}, n_iter=3), X4, Y4)
    tried = [p["foo_param"] for p in search.cv_results_["params"]]
    assert sorted(tried) == [1, 2, 3]
    assert {type(v) for v in tried} == {type(values[0])}  # the items themselves
    assert search.best_estimator_.foo_param in (2, 3)  # the two that score 1
    assert search.best_score_ == 1.0


def test_a_range_in_a_list_of_dicts_is_a_choice_too():
    space = [{"foo_param": range(2, 4)}, {"foo_param": [0]}]
    search = _fit_quietly(_search(MockClassifier(), space, n_iter=3), X4, Y4)
    assert sorted(p["foo_param"] for p in search.cv_results_["params"]) == [0, 2, 3]


# -- finite spaces -----------------------------------------------------------------------
def _cap_warning(size, n_iter):
    return (
        f"The total space of parameters {size} is smaller than n_iter={n_iter}. Running "
        f"{size} iterations. For exhaustive searches, use GridSearchCV."
    )


def test_a_finite_space_smaller_than_n_iter_is_capped_with_scikit_learns_warning():
    X, y = iris()
    space = {"C": [0.1, 1.0]}
    with pytest.warns(UserWarning) as ours:
        search = _search(LogisticRegression(max_iter=500), space, n_iter=10).fit(X, y)
    with pytest.warns(UserWarning) as theirs:
        RandomizedSearchCV(
            LogisticRegression(max_iter=500), space, n_iter=10, cv=2, random_state=0
        ).fit(X, y)
    message = _cap_warning(2, 10)
    assert [str(w.message) for w in ours if "total space" in str(w.message)] == [message]
    assert [str(w.message) for w in theirs if "total space" in str(w.message)] == [message]
    assert sorted(p["C"] for p in search.cv_results_["params"]) == [0.1, 1.0]
    assert len(search.trials_.records) == 2


# Finite spaces of every kind: lists, randint, uniformint, quantised (log-)uniform,
# conditional choices, and a pchoice whose zero-probability option is not a point.
FINITE_SPACES = {
    "lists": ({"a": [1, 2, 3], "b": ["x", "y"]}, 6),
    "randint and uniformint": ({"a": hp.randint("a", 0, 3), "b": hp.uniformint("b", 1, 2)}, 6),
    "quniform": ({"a": hp.quniform("a", 0, 1, 0.25), "b": [True, False]}, 10),
    "qloguniform": ({"a": hp.qloguniform("a", 0, math.log(8), 1)}, 8),
    "conditional": (
        hp.choice(
            "model",
            [
                {"model": "m1", "a": hp.choice("a", [1, 2, 3])},
                {"model": "m2", "b": hp.randint("b", 0, 2), "c": hp.choice("c", [0, 1])},
                {"model": "m3"},
            ],
        ),
        3 + 4 + 1,
    ),
    "pchoice": ({"a": hp.pchoice("a", [(0.5, 1), (0.0, 2), (0.5, 3)]), "b": [0, 1]}, 4),
}


def _point(params):
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


@pytest.mark.parametrize("algo", ["tpe", "rand"])
@pytest.mark.parametrize("n_points", [1, 3])
@pytest.mark.parametrize("name", list(FINITE_SPACES))
def test_no_candidate_of_a_finite_space_is_evaluated_twice(name, n_points, algo):
    space, size = FINITE_SPACES[name]
    X, y = iris()
    search = _search(GridClassifier(), space, n_iter=size + 5, n_points=n_points, algo=algo)
    with pytest.warns(UserWarning, match=re.escape(_cap_warning(size, size + 5))):
        search.fit(X, y)
    points = [_point(p) for p in search.cv_results_["params"]]
    assert len(points) == size and len(set(points)) == size  # every point, once each
    if name == "pchoice":
        assert all(p["a"] != 2 for p in search.cv_results_["params"])
    rows = np.array([t.z for t in search.trials_.records])
    assert len(np.unique(np.nan_to_num(rows, nan=-99.0), axis=0)) == size


def test_replacing_repeats_is_reproducible():
    space, size = FINITE_SPACES["conditional"]
    X, y = iris()
    first = _search(GridClassifier(), space, n_iter=size - 1, n_points=2).fit(X, y)
    second = _search(GridClassifier(), space, n_iter=size - 1, n_points=2).fit(X, y)
    assert first.cv_results_["params"] == second.cv_results_["params"]


class ConstantSampler(Sampler):
    """Proposes the first point of the space (internal zeros), whatever was tried."""

    def ask(self, space, observations, n, rng):
        return space.snap(np.zeros((n, space.n_params)))


@pytest.mark.parametrize(
    "space, size",
    [
        ({"a": [1, 2, 3], "b": hp.randint("b", 0, 4)}, 12),  # enumerated
        ({"a": hp.randint("a", 0, 1000), "b": hp.randint("b", 0, 1000), "c": [0, 1]}, 2 * 10**6),
    ],
    ids=["small grid", "too large to enumerate"],
)
def test_every_repeated_proposal_is_replaced_by_an_untried_point(space, size):
    """Whatever the sampler proposes: a sampler that only repeats itself still gives distinct
    candidates (drawn uniformly from the untried points of a small grid, from the prior in a
    grid of more than 100,000 points)."""
    X, y = iris()
    n_iter = min(size, 12)
    search = _search(GridClassifier(), space, n_iter=n_iter, n_points=3, algo=ConstantSampler())
    search.fit(X, y)
    points = [_point(p) for p in search.cv_results_["params"]]
    assert len(set(points)) == n_iter
    assert search.cv_results_["params"][0] == {
        k: (1 if k == "a" and size == 12 else 0) for k in space
    }


def test_a_warm_start_continues_with_the_untried_points_only():
    X, y = iris()
    space = {"a": [1, 2, 3, 4]}
    search = _search(GridClassifier(), space, n_iter=2, warm_start=True).fit(X, y)
    first = [p["a"] for p in search.cv_results_["params"]]
    with pytest.warns(UserWarning, match=re.escape(_cap_warning(4, 6))):
        search.set_params(n_iter=6).fit(X, y)
    tried = [p["a"] for p in search.cv_results_["params"]]
    assert tried[:2] == first and sorted(tried) == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="were all evaluated already"):
        search.set_params(n_iter=7).fit(X, y)


def test_an_infinite_space_is_not_capped():
    X, y = iris()
    space = {"a": [1, 2], "b": st.uniform(0, 1)}  # one continuous parameter: infinite
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        search = _search(GridClassifier(), space, n_iter=5).fit(X, y)
    assert len(search.cv_results_["params"]) == 5


def test_fmin_keeps_hyperopts_repeats_in_a_finite_space():
    trials = Trials()
    fmin(
        lambda p: 0.0,
        {"a": hp.choice("a", [1, 2])},
        algo="rand",
        max_evals=6,
        trials=trials,
        rstate=0,
        show_progressbar=False,
    )
    assert len(trials.records) == 6


# -- fit failures ------------------------------------------------------------------------
def test_fit_failures_are_reported_once_with_the_totals_of_the_search():
    """One FitFailedWarning, as RandomizedSearchCV's (scikit-learn's wording)."""
    X, y = iris()
    space = {"fail": hp.choice("fail", [False, True]), "c": hp.uniform("c", 0, 1)}
    search = _search(FailingClassifier(), space, n_iter=10, n_points=1, algo="rand")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    failed = [w for w in caught if issubclass(w.category, FitFailedWarning)]
    n_failed = 2 * sum(p["fail"] for p in search.cv_results_["params"])
    assert 0 < n_failed < 20
    assert len(failed) == 1
    assert re.search(
        rf"\n{n_failed} fits failed out of a total of 20\.\nThe score on these train-test "
        r"partitions for these parameters will be set to nan\..+"
        rf"{n_failed} fits failed with the following error.+FailingClassifier was asked to fail",
        str(failed[0].message),
        flags=re.DOTALL,
    )


def test_a_numeric_error_score_is_named_in_the_single_warning():
    """Mirrors ``test_grid_search_failing_classifier`` (error_score=0.0)."""
    X, y = iris()
    search = _search(
        FailingClassifier(), {"fail": [False, True]}, n_iter=2, n_points=1, error_score=0.0
    )
    with pytest.warns(FitFailedWarning) as caught:
        search.fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, FitFailedWarning)]
    assert len(messages) == 1
    assert re.search(r"2 fits failed.+total of 4.+will be set to 0\.0", messages[0], re.DOTALL)


def test_every_fit_failing_raises_scikit_learns_error_without_a_warning_first():
    X, y = iris()
    search = _search(
        FailingClassifier(fail=True), {"c": hp.uniform("c", 0, 1)}, n_iter=4, n_points=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitFailedWarning)
        with pytest.raises(ValueError, match="All the 8 fits failed"):
            search.fit(X, y)


# -- scikit-learn's callbacks ------------------------------------------------------------
callbacks = pytest.mark.skipif(
    SKLEARN_VERSION < (1, 9), reason="callbacks are new in scikit-learn 1.9"
)


def _callback_utils():
    return pytest.importorskip("sklearn.callback.tests._utils")


def _expected_tasks(search, refit):
    """As scikit-learn counts for its halving searches: a level per round (sklearn-migration.md)."""
    root, search_task = 1, 1
    n_rounds = -(-len(search.cv_results_["params"]) // search.n_points)
    n_evaluations = len(search.cv_results_["params"]) * search.n_splits_
    return root + (search_task + refit) + n_rounds + n_evaluations


@callbacks
@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize("n_points", [1, 2, 3])
def test_callbacks_without_propagation_see_one_task_per_round(refit, n_points):
    """Mirrors ``test_search_callbacks_no_propagation`` (as for a halving search)."""
    utils = _callback_utils()
    X, y = iris()
    callbacks_ = [utils.RecordingCallback(), utils.RecordingAutoPropagatedCallback()]
    search = HyperoptSearchCV(
        utils.NoCallbackEstimator(),
        {"max_iter": hp.randint("max_iter", 1, 4), "computation_intensity": [0.0]},
        n_iter=3,
        n_points=n_points,
        cv=2,
        scoring="accuracy",
        refit=refit,
        random_state=42,
    )
    search = clone(search).set_callbacks(*callbacks_)
    _fit_quietly(search, X, y)
    expected = _expected_tasks(search, refit)
    for callback in callbacks_:
        assert callback.count_hooks("setup") == 1
        assert callback.count_hooks("on_fit_task_begin") == expected
        assert callback.count_hooks("on_fit_task_end") == expected
        assert callback.count_hooks("teardown") == 1


@callbacks
@pytest.mark.parametrize("refit", [True, False])
def test_callbacks_with_propagation_also_see_the_inner_estimators(refit):
    """Mirrors ``test_search_callbacks_propagation``."""
    utils = _callback_utils()
    X, y = iris()
    callbacks_ = [utils.RecordingCallback(), utils.RecordingAutoPropagatedCallback()]
    search = HyperoptSearchCV(
        utils.MaxIterEstimator(),
        {"max_iter": hp.randint("max_iter", 1, 4), "computation_intensity": [0.0]},
        n_iter=3,
        n_points=2,
        cv=2,
        scoring="r2",
        refit=refit,
        random_state=42,
    ).set_callbacks(*callbacks_)
    _fit_quietly(search, X, y)
    searchcv_tasks = _expected_tasks(search, refit)
    inner = sum(p["max_iter"] for p in search.cv_results_["params"]) * search.n_splits_
    refit_inner = search.best_estimator_.n_iter_ if refit else 0
    recording, propagated = callbacks_
    assert recording.count_hooks("on_fit_task_begin") == searchcv_tasks
    assert recording.count_hooks("on_fit_task_end") == searchcv_tasks
    assert propagated.count_hooks("on_fit_task_begin") == searchcv_tasks + inner + refit_inner
    assert propagated.count_hooks("on_fit_task_end") == searchcv_tasks + inner + refit_inner


@callbacks
def test_callbacks_receive_the_search_and_its_round_tasks():
    """Mirrors ``test_search_callbacks_receive_search_instance``; shows the tree's levels."""
    utils = _callback_utils()
    X, y = iris()
    callback = utils.RecordingCallback()
    search = HyperoptSearchCV(
        utils.MaxIterEstimator(),
        {"max_iter": hp.randint("max_iter", 1, 10)},
        n_iter=5,
        n_points=2,
        cv=2,
        scoring="r2",
        random_state=0,
    ).set_callbacks(callback)
    _fit_quietly(search, X, y)
    assert all(entry["estimator"] is search for entry in callback.record)
    begins = [e["context"] for e in callback.record if e["name"] == "on_fit_task_begin"]
    (search_task,) = [c for c in begins if c.task_name == "search"]
    rounds = [c for c in begins if c.task_name == "round"]
    assert search_task.max_subtasks == 3 and len(rounds) == 3  # ceil(5 / 2)
    assert [r.max_subtasks for r in rounds] == [4, 4, 2]  # candidates x splits
    assert all(r.parent is search_task for r in rounds)


@callbacks
def test_callbacks_with_partial_fit_failures():
    """Mirrors ``test_search_callbacks_with_partial_fit_failures``."""
    utils = _callback_utils()
    X, y = iris()
    callback = utils.RecordingCallback()
    search = HyperoptSearchCV(
        FailingClassifier(),
        {"fail": [False, True]},
        n_iter=2,
        n_points=2,
        cv=2,
        refit=False,
        error_score=0.0,
        random_state=0,
    ).set_callbacks(callback)
    with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 4."):
        search.fit(X, y)
    expected_n_tasks = 1 + 1 + 1 + 4  # root + search + one round + 4 candidate-split fits
    assert callback.count_hooks("on_fit_task_begin") == expected_n_tasks
    assert callback.count_hooks("on_fit_task_end") == expected_n_tasks


def _fits(n_ok, n_failed):
    return [{"fit_error": None}] * n_ok + [{"fit_error": "ValueError: boom"}] * n_failed


def test_deferred_fit_failures_are_counted_over_calls_and_reported_once():
    from sklearn.model_selection import _search as sk_search

    from skopt_hp._sklearn_compat import defer_all_fits_failed

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with defer_all_fits_failed(once=True) as log:
            check = sk_search._warn_or_raise_about_fit_failures  # what evaluate_candidates calls
            check(_fits(0, 2), np.nan)  # a call whose fits all failed: counted, no error
            check(_fits(3, 1), np.nan)
        assert caught == []
        log.finish(np.nan)
    assert (log.n_fits, log.n_failed) == (6, 3)
    (warning,) = caught
    assert warning.category is FitFailedWarning
    assert "3 fits failed out of a total of 6." in str(warning.message)
    with defer_all_fits_failed(once=True) as log:
        sk_search._warn_or_raise_about_fit_failures(_fits(0, 2), np.nan)
    with pytest.raises(ValueError, match="All the 2 fits failed"):
        log.finish(np.nan)


def test_deferring_only_the_all_failed_calls_is_still_available():
    """``once=False`` (other searches' use): a call whose fits all failed only warns, other
    calls are checked by scikit-learn as usual, and the search raises if all failed."""
    from sklearn.model_selection import _search as sk_search

    from skopt_hp._sklearn_compat import defer_all_fits_failed

    with defer_all_fits_failed() as log:
        check = sk_search._warn_or_raise_about_fit_failures
        with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 2 in this"):
            check(_fits(0, 2), np.nan)
        with pytest.warns(FitFailedWarning, match="1 fits failed out of a total of 4"):
            check(_fits(3, 1), np.nan)
    assert not log.all_failed and (log.n_fits, log.n_failed) == (6, 3)
    assert "All the 6 fits failed" in str(log.all_failed_error())
