"""The search loop: spaces, rounds, reproducibility, folds, failures, stopping, interrupts."""

from __future__ import annotations

import warnings

import joblib
import numpy as np
import pytest
import scipy.stats as st
from _search_helpers import (
    CountingRegressor,
    FailingClassifier,
    fold_id_scorer,
    iris,
    small_classification,
    small_regression,
)
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

from skopt_hp import HyperoptSearchCV, TrialState, hp
from skopt_hp._sklearn_compat import SKLEARN_VERSION
from skopt_hp.pyll import scope


def _params(search):
    return search.cv_results_["params"]


# -- spaces ------------------------------------------------------------------------
def test_randomized_search_param_distributions_work_unchanged():
    X, y = iris()
    space = {
        "C": st.loguniform(1e-2, 1e2),
        "tol": st.uniform(1e-4, 1e-3),
        "max_iter": st.randint(500, 1000),
        "fit_intercept": [True, False],
    }
    search = HyperoptSearchCV(LogisticRegression(), space, n_iter=6, cv=3, random_state=0)
    search.fit(X, y)
    for params in _params(search):
        assert 1e-2 <= params["C"] <= 1e2 and 1e-4 <= params["tol"] <= 1.1e-3
        assert isinstance(params["max_iter"], int) and 500 <= params["max_iter"] < 1000
        assert params["fit_intercept"] in (True, False)


def test_list_of_dicts_masks_absent_params():
    X, y = small_regression()
    space = [
        {"alpha": hp.loguniform("log_alpha", -3, 3), "fit_intercept": [True]},
        {"alpha": [1.0], "solver": ["svd", "cholesky"]},
    ]
    search = HyperoptSearchCV(Ridge(), space, n_iter=8, cv=2, random_state=3).fit(X, y)
    has_solver = np.array(["solver" in p for p in _params(search)])
    assert 0 < has_solver.sum() < 8
    mask = np.ma.getmaskarray(search.cv_results_["param_solver"])
    np.testing.assert_array_equal(mask, ~has_solver)


@pytest.mark.parametrize(
    "expr, expected_type",
    [
        (hp.quniform("d", 2, 6, 1), int),
        (hp.qloguniform("d", np.log(2), np.log(6), 1), int),
        (hp.quniform("d", 2, 6, 2), int),
        (hp.uniformint("d", 2, 6), int),
        (hp.randint("d", 2, 7), int),
        (scope.float(hp.quniform("d", 2, 6, 1)), float),
        (scope.int(hp.quniform("d", 2, 6, 1)), int),
    ],
)
def test_integer_parameters_reach_the_estimator_as_int(expr, expected_type):
    X, y = iris()
    search = HyperoptSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": expr} if expected_type is int else {"min_impurity_decrease": expr},
        n_iter=4,
        cv=2,
        error_score="raise",  # scikit-learn rejects max_depth=3.0
        random_state=0,
    ).fit(X, y)
    values = [p.get("max_depth", p.get("min_impurity_decrease")) for p in _params(search)]
    assert all(type(v) is expected_type for v in values)
    # trials_ keeps the sampled values as hyperopt does.
    assert all(
        isinstance(v, (int, float)) for t in search.trials_.records for v in t.params.values()
    )


def test_fractional_q_stays_float():
    X, y = iris()
    search = HyperoptSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"min_impurity_decrease": hp.quniform("m", 0, 0.5, 0.1)},
        n_iter=3,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert all(type(p["min_impurity_decrease"]) is float for p in _params(search))


def test_a_space_that_is_not_a_dict_of_params_is_rejected_before_any_fit():
    X, y = small_regression()
    CountingRegressor.n_fits = 0
    search = HyperoptSearchCV(CountingRegressor(), hp.choice("alpha", [0.1, 1.0]), n_iter=2)
    with pytest.raises(TypeError, match="evaluate to a dict of parameter name"):
        search.fit(X, y)
    assert CountingRegressor.n_fits == 0


# -- validation ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_iter": 0}, "'n_iter' parameter of HyperoptSearchCV"),
        ({"n_points": 0}, "'n_points' parameter"),
        ({"timeout": -1.0}, "'timeout' parameter"),
        ({"timeout": "1s"}, "'timeout' parameter"),
        ({"n_iter_no_change": 0}, "'n_iter_no_change' parameter"),
        ({"algo": 3}, "'algo' parameter"),
        ({"search_space": 3}, "'search_space' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
        ({"scoring": "no-such-metric"}, "'scoring' parameter"),
        ({"error_score": "ignore"}, "'error_score' parameter"),
    ],
)
def test_invalid_parameters_are_named_before_any_fit(params, match):
    X, y = small_regression()
    CountingRegressor.n_fits = 0
    kwargs = {"search_space": {"alpha": [1.0]}, **params}
    search = HyperoptSearchCV(CountingRegressor(), kwargs.pop("search_space"), **kwargs)
    with pytest.raises(InvalidParameterError, match=match):
        search.fit(X, y)
    assert CountingRegressor.n_fits == 0


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"algo": "atpe"}, ValueError, r"`algo` must be one of .*'atpe'"),
        ({"algo": print}, TypeError, "`algo` must be"),
        ({"search_space": [{"alpha": [1.0]}, 3]}, TypeError, r"search_space\[1\]"),
        ({"search_space": {"alpha": []}}, ValueError, "must not be empty"),
        ({"search_space": {1: [1.0]}}, TypeError, "names must be str"),
    ],
)
def test_invalid_algo_or_space_errors_before_any_fit(params, error, match):
    X, y = small_regression()
    CountingRegressor.n_fits = 0
    kwargs = {"search_space": {"alpha": [1.0]}, **params}
    search = HyperoptSearchCV(CountingRegressor(), kwargs.pop("search_space"), **kwargs)
    with pytest.raises(error, match=match):
        search.fit(X, y)
    assert CountingRegressor.n_fits == 0


# -- rounds, reproducibility, parallelism ---------------------------------------------
SPACE = {
    "C": hp.loguniform("C", -4, 4),
    "fit_intercept": hp.choice("fit_intercept", [True, False]),
}


def _comparable(search):
    results = search.cv_results_
    return (
        [sorted(p.items()) for p in results["params"]],
        {k: v for k, v in results.items() if "test" in k or "train" in k},
    )


def test_same_random_state_same_results_and_different_seeds_differ():
    X, y = small_classification()
    fit = lambda seed: HyperoptSearchCV(  # noqa: E731
        LogisticRegression(), SPACE, n_iter=14, n_points=3, cv=3, random_state=seed
    ).fit(X, y)
    a, b, c = fit(0), fit(0), fit(1)
    assert _comparable(a)[0] == _comparable(b)[0]
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )
    assert _comparable(a)[0] != _comparable(c)[0]


def test_n_jobs_does_not_change_the_results():
    X, y = small_classification()

    def fit(n_jobs):
        return HyperoptSearchCV(
            LogisticRegression(), SPACE, n_iter=14, n_points=3, cv=3, random_state=0, n_jobs=n_jobs
        ).fit(X, y)

    one, two = fit(1), fit(2)
    params_one, scores_one = _comparable(one)
    params_two, scores_two = _comparable(two)
    assert params_one == params_two
    assert scores_one.keys() == scores_two.keys()
    for key in scores_one:
        np.testing.assert_array_equal(scores_one[key], scores_two[key])
    assert [t.params for t in one.trials_.records] == [t.params for t in two.trials_.records]


def test_ambient_joblib_backend_is_honoured():
    X, y = small_classification()
    search = HyperoptSearchCV(LogisticRegression(), SPACE, n_iter=4, n_points=2, cv=2)
    with joblib.parallel_backend("threading", n_jobs=2):
        search.fit(X, y)
    assert len(_params(search)) == 4


@pytest.mark.parametrize("n_points, n_iter", [(1, 3), (4, 10), (20, 5)])
def test_rounds_cover_n_iter_exactly(n_points, n_iter):
    X, y = small_regression()
    search = HyperoptSearchCV(
        Ridge(), {"alpha": hp.loguniform("a", -3, 3)}, n_iter=n_iter, n_points=n_points, cv=2
    ).fit(X, y)
    assert len(_params(search)) == n_iter == len(search.trials_)


def test_shuffled_kfold_gives_every_candidate_the_same_folds():
    X, y = small_regression(n_samples=60)
    X = np.column_stack([np.arange(len(y)), X])  # column 0: sample ids
    search = HyperoptSearchCV(
        Ridge(),
        {"alpha": hp.loguniform("a", -3, 3)},
        n_iter=8,
        n_points=2,  # 4 rounds: 4 calls of cv.split without the fix
        cv=KFold(n_splits=3, shuffle=True),  # no random_state: new folds per split() call
        scoring=fold_id_scorer,
    ).fit(X, y)
    for k in range(3):
        column = search.cv_results_[f"split{k}_test_score"]
        assert np.unique(column).size == 1, f"fold {k} differs between candidates"


# -- failures ---------------------------------------------------------------------
def test_failed_candidates_are_failed_trials_and_the_search_goes_on():
    X, y = iris()
    space = {"fail": hp.choice("fail", [False, True]), "c": hp.uniform("c", 0, 1)}
    search = HyperoptSearchCV(
        FailingClassifier(), space, n_iter=10, n_points=1, cv=2, algo="rand", random_state=0
    )
    with pytest.warns(FitFailedWarning):
        search.fit(X, y)
    failed = np.array([p["fail"] for p in _params(search)])
    assert 0 < failed.sum() < 10  # some rounds failed entirely, yet the search went on
    assert np.isnan(search.cv_results_["mean_test_score"][failed]).all()
    for trial, fail in zip(search.trials_.records, failed, strict=True):
        # Finished with status "fail" (shown in hyperopt's views: row i is trial i).
        assert trial.state == TrialState.DONE
        assert (trial.result["status"] == "fail") == fail
    observations = search.trials_.observations(search.trials_._space)
    assert observations.n_failed == failed.sum() and observations.n_done == (~failed).sum()
    assert not search.best_params_["fail"]


def test_error_score_raise_raises():
    X, y = iris()
    search = HyperoptSearchCV(
        FailingClassifier(fail=True), {"c": [0.5]}, n_iter=2, cv=2, error_score="raise"
    )
    with pytest.raises(ValueError, match="asked to fail"):
        search.fit(X, y)


def test_numeric_error_score_is_a_score():
    X, y = iris()
    space = {"fail": hp.choice("fail", [False, True])}
    search = HyperoptSearchCV(
        FailingClassifier(), space, n_iter=6, n_points=2, cv=2, error_score=-1.0, random_state=0
    )
    with pytest.warns(FitFailedWarning):
        search.fit(X, y)
    failed = np.array([p["fail"] for p in _params(search)])
    assert failed.any()
    assert all(t.result["status"] == "ok" for t in search.trials_.records)
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"][failed], -1.0)


def test_all_fits_failing_raises_scikit_learns_error():
    X, y = iris()
    search = HyperoptSearchCV(
        FailingClassifier(fail=True), {"c": hp.uniform("c", 0, 1)}, n_iter=3, cv=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        with pytest.raises(ValueError, match="All the 6 fits failed"):
            search.fit(X, y)
    assert len(search.trials_) == 3


def test_non_finite_warning_is_emitted_once():
    X, y = iris()
    space = {"fail": hp.choice("fail", [False, True])}
    search = HyperoptSearchCV(
        FailingClassifier(), space, n_iter=8, n_points=1, cv=2, algo="rand", random_state=0
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    non_finite = [w for w in caught if "non-finite" in str(w.message)]
    assert len(non_finite) == 1


# -- stopping ---------------------------------------------------------------------
def test_timeout_stops_after_the_first_round():
    X, y = small_regression()
    search = HyperoptSearchCV(
        Ridge(), {"alpha": hp.loguniform("a", -3, 3)}, n_iter=20, n_points=3, timeout=1e-9, cv=2
    ).fit(X, y)
    assert len(_params(search)) == 3 == len(search.trials_)
    assert hasattr(search, "best_estimator_")


def test_n_iter_no_change_stops_a_flat_search():
    X, y = iris()
    # The parameter is ignored by the estimator: every candidate scores the same.
    search = HyperoptSearchCV(
        FailingClassifier(),
        {"c": hp.uniform("c", 0, 1)},
        n_iter=30,
        n_points=2,
        n_iter_no_change=3,
        cv=2,
    ).fit(X, y)
    # Round 1: the first candidate sets the best, the second does not improve (1);
    # round 2 brings it to 3 candidates without improvement.
    assert len(_params(search)) == 4


def test_n_iter_no_change_does_not_stop_an_improving_search():
    X, y = small_regression()
    search = HyperoptSearchCV(
        Ridge(),
        {"alpha": hp.loguniform("a", -3, 3)},
        n_iter=6,
        n_points=2,
        n_iter_no_change=6,
        cv=2,
    ).fit(X, y)
    assert len(_params(search)) == 6


# -- interrupts ---------------------------------------------------------------------
def test_keyboard_interrupt_keeps_the_finished_rounds():
    X, y = small_regression()
    CountingRegressor.n_fits = 0
    CountingRegressor.interrupt_at = 2 * 2 * 2 + 3  # during round 3 (2 candidates x 2 folds)
    search = HyperoptSearchCV(
        CountingRegressor(),
        {"alpha": hp.loguniform("a", -3, 3)},
        n_iter=10,
        n_points=2,
        cv=2,
        n_jobs=1,
        random_state=0,
    )
    try:
        with pytest.raises(KeyboardInterrupt):
            search.fit(X, y)
    finally:
        CountingRegressor.interrupt_at = None
    assert len(search.trials_) == 4
    assert all(t.state == TrialState.DONE for t in search.trials_.records)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_ == search.cv_results_["params"][search.best_index_]
    assert search.best_score_ == search.cv_results_["mean_test_score"].max()
    assert not hasattr(search, "best_estimator_")
    # A new fit starts afresh and completes.
    search.fit(X, y)
    assert len(search.trials_) == 10


@pytest.mark.parametrize("as_iterator", [False, True])
def test_cv_given_as_explicit_splits(as_iterator):
    X, y = small_regression()
    splits = list(KFold(n_splits=3).split(X))
    search = HyperoptSearchCV(
        Ridge(),
        {"alpha": hp.loguniform("a", -3, 3)},
        n_iter=4,
        n_points=2,
        cv=iter(splits) if as_iterator else splits,
    ).fit(X, y)
    assert search.n_splits_ == 3 and len(_params(search)) == 4


# -- what a round costs does not grow with the search -------------------------------------
def test_a_copy_of_a_running_search_leaves_out_what_grows(monkeypatch):
    """scikit-learn sends the search with every fit task (pickled for a process pool): the copy
    made while it runs holds no trials, history or results, so its size stays flat."""
    import pickle

    sizes, copies = [], []
    real = HyperoptSearchCV._evaluate_round

    def spying(self, *args, **kwargs):
        data = pickle.dumps(self)
        sizes.append(len(data))
        copies.append(pickle.loads(data))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(HyperoptSearchCV, "_evaluate_round", spying)
    X, y = small_regression()
    search = HyperoptSearchCV(
        Ridge(), {"alpha": hp.loguniform("alpha", -3, 3)}, n_iter=40, n_points=2, cv=2,
        random_state=0,
    ).fit(X, y)
    assert max(sizes) == min(sizes) == sizes[-1]
    assert not any(hasattr(copy, "trials_") or hasattr(copy, "cv_results_") for copy in copies)
    monkeypatch.undo()
    kept = pickle.loads(pickle.dumps(search))  # a fitted search keeps everything
    assert len(kept.trials_.records) == 40 and len(kept.cv_results_["params"]) == 40
    kept.set_params(warm_start=True, n_iter=42).fit(X, y)
    assert len(kept.trials_.records) == 42


@pytest.mark.skipif(SKLEARN_VERSION < (1, 9), reason="callbacks are new in scikit-learn 1.9")
def test_the_callback_tasks_are_made_only_for_callbacks(monkeypatch):
    """Every fit task carries its task's whole tree (a growing one, a task per round): a
    search without callbacks makes none."""
    utils = pytest.importorskip("sklearn.callback.tests._utils")
    contexts = []
    real = HyperoptSearchCV._evaluate_round

    def spying(self, evaluate_candidates, candidates, cv, search_ctx, *rest):
        contexts.append(search_ctx)
        return real(self, evaluate_candidates, candidates, cv, search_ctx, *rest)

    monkeypatch.setattr(HyperoptSearchCV, "_evaluate_round", spying)
    X, y = small_regression()
    search = HyperoptSearchCV(
        Ridge(), {"alpha": hp.loguniform("alpha", -3, 3)}, n_iter=4, n_points=2, cv=2,
        random_state=0,
    )
    search.fit(X, y)
    assert contexts == [None, None]
    search.set_callbacks(utils.RecordingCallback()).fit(X, y)
    assert all(ctx is not None for ctx in contexts[2:]) and len(contexts) == 4
