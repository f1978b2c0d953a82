"""skopt_hp.sklearn.HyperoptSearchCV: hyperopt's constructor on skopt_hp's search."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

import skopt_hp
from skopt_hp import Trials, TrialState, hp, rand, tpe
from skopt_hp.sklearn import HyperoptSearchCV


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3))
    return X, X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.3, size=60)


SPACE = {"alpha": hp.loguniform("alpha", -4, 2)}


def test_signature_starts_with_hyperopts_parameters_in_order():
    hyperopt_sklearn = pytest.importorskip("hyperopt.sklearn")
    theirs = list(inspect.signature(hyperopt_sklearn.HyperoptSearchCV).parameters)
    ours = list(inspect.signature(HyperoptSearchCV).parameters)
    assert ours[: len(theirs)] == theirs
    assert set(ours[len(theirs):]) == {
        "search_space", "n_iter", "n_points", "timeout", "n_iter_no_change", "mlflow_logging"
    }
    assert issubclass(HyperoptSearchCV, skopt_hp.HyperoptSearchCV)


def test_hyperopts_keywords_run_the_search():
    # hyperopt's test_sklearn: HyperoptSearchCV(estimator, space=..., max_evals=10).
    X, y = data()
    trials = Trials()
    search = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=7, trials=trials,
                              algo=tpe.suggest, cv=3, random_state=0)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == len(search.trials_) == 7
    assert set(search.best_params_) == {"alpha"}
    assert search.score(X, y) > 0.9
    # trials received the search's trials, and the parameters were left as given.
    assert len(trials) == 7 and trials.tids == search.trials_.tids
    assert trials.losses() == search.trials_.losses()
    assert all(t.state == TrialState.DONE for t in trials.records)
    assert trials.trials[0]["misc"]["vals"] == search.trials_.trials[0]["misc"]["vals"]
    params = search.get_params()
    assert params["space"] is SPACE and params["search_space"] is None
    assert params["max_evals"] == 7 and params["n_iter"] is None


def test_positional_arguments_follow_hyperopts_order():
    X, y = data()
    search = HyperoptSearchCV(Ridge(), SPACE, 4, None, rand.suggest, cv=2, random_state=1)
    search.fit(X, y)
    assert len(search.trials_) == 4


def test_same_results_as_skopt_hps_own_names():
    X, y = data()
    theirs = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=6, cv=3, random_state=3).fit(X, y)
    ours = skopt_hp.HyperoptSearchCV(Ridge(), SPACE, n_iter=6, cv=3, random_state=3).fit(X, y)
    alias = HyperoptSearchCV(Ridge(), search_space=SPACE, n_iter=6, cv=3, random_state=3).fit(X, y)
    for other in (ours, alias):
        assert theirs.cv_results_["params"] == other.cv_results_["params"]
        np.testing.assert_array_equal(
            theirs.cv_results_["mean_test_score"], other.cv_results_["mean_test_score"]
        )


def test_defaults_of_max_evals_and_algo():
    X, y = data()
    search = HyperoptSearchCV(Ridge(), space={"alpha": hp.uniform("alpha", 0.1, 1)}, cv=2,
                              random_state=0, n_points=25)
    search.fit(X, y)
    assert len(search.trials_) == 50
    assert search.algo is None and search.n_iter is None


def test_a_generator_random_state_is_advanced_by_fit():
    X, y = data()
    first = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=4, cv=2,
                             random_state=np.random.default_rng(0)).fit(X, y)
    again = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=4, cv=2,
                             random_state=np.random.default_rng(0)).fit(X, y)
    assert first.cv_results_["params"] == again.cv_results_["params"]
    rng = first.random_state
    assert isinstance(rng, np.random.Generator)
    refit = first.fit(X, y)  # the same Generator, advanced: other candidates
    assert refit.cv_results_["params"] != again.cv_results_["params"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"space": SPACE, "search_space": SPACE}, "space and search_space are the same parameter"),
        ({"space": SPACE, "max_evals": 3, "n_iter": 3}, "max_evals and n_iter"),
        ({}, "needs a search space: give space"),
    ],
)
def test_conflicting_or_missing_names_raise_at_fit(kwargs, match):
    search = HyperoptSearchCV(Ridge(), cv=2, **kwargs)
    with pytest.raises(ValueError, match=match):
        search.fit(*data())
    assert search.get_params()["space"] is kwargs.get("space")  # left as given


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"max_evals": 0}, "max_evals"), ({"trials": []}, "trials"), ({"space": 3}, "space")],
)
def test_invalid_parameters_name_themselves(kwargs, name):
    kwargs = {"space": SPACE, **kwargs}
    with pytest.raises((ValueError, TypeError), match=f"'{name}' parameter"):
        HyperoptSearchCV(Ridge(), cv=2, **kwargs).fit(*data())


def test_warm_start_continues_and_keeps_filling_trials():
    X, y = data()
    trials = Trials()
    search = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=4, trials=trials, warm_start=True,
                              cv=2, random_state=0)
    search.fit(X, y)
    first = list(search.cv_results_["params"])
    search.set_params(max_evals=7).fit(X, y)
    assert search.cv_results_["params"][:4] == first
    assert len(trials) == 7 and trials.tids == list(range(7))


def test_warm_start_from_foreign_trials_is_an_error():
    X, y = data()
    foreign = Trials()
    skopt_hp.fmin(lambda a: a, hp.uniform("alpha", 0, 1), max_evals=2, trials=foreign,
                  rstate=0, show_progressbar=False)
    search = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=4, trials=foreign, warm_start=True)
    with pytest.raises(ValueError, match="trials holds 2 trials this search did not record"):
        search.fit(X, y)
    assert len(foreign) == 2  # untouched
    # Without warm_start, the search replaces their contents.
    search.set_params(warm_start=False).fit(X, y)
    assert len(foreign) == 4


# -- scikit-learn conventions --------------------------------------------------------------
def test_clone_round_trips_every_parameter():
    trials = Trials()
    search = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=5, trials=trials,
                              algo=rand.suggest, warm_start=True, scoring="r2", n_jobs=1,
                              cv=3, random_state=7, n_points=2, timeout=60.0, n_iter_no_change=3)
    copy = clone(search)
    assert type(copy) is HyperoptSearchCV
    original, cloned = search.get_params(deep=False), copy.get_params(deep=False)
    assert original.keys() == cloned.keys()
    for name, value in original.items():
        if name in ("estimator", "space", "trials"):  # cloned / deep-copied
            assert cloned[name] is not value
        else:
            assert cloned[name] is value or cloned[name] == value, name
    # The copy's space is a copy with the same parameter; it runs.
    copy.set_params(trials=None, warm_start=False, timeout=None).fit(*data())
    assert len(copy.trials_) == 5


def test_set_params_with_hyperopts_names_changes_the_search():
    X, y = data()
    search = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=3, cv=2, random_state=0)
    search.set_params(max_evals=5, space={"alpha": hp.uniform("alpha", 1, 2)}).fit(X, y)
    assert len(search.trials_) == 5
    assert all(1 <= p["alpha"] <= 2 for p in search.cv_results_["params"])


def test_fitted_search_pickles_and_clones_unfitted():
    import pickle

    X, y = data()
    search = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=3, cv=2, random_state=0).fit(X, y)
    copy = pickle.loads(pickle.dumps(search))
    np.testing.assert_allclose(copy.predict(X), search.predict(X))
    assert not hasattr(clone(search), "trials_")


@pytest.mark.parametrize(
    "check",
    [check_get_params_invariance, check_set_params, check_no_attributes_set_in_init,
     check_parameters_default_constructible],
    ids=lambda c: c.__name__,
)
def test_sklearn_parameter_checks(check):
    search = HyperoptSearchCV(Ridge(), space=SPACE, max_evals=3, cv=2, error_score="raise",
                              random_state=0)
    check(type(search).__name__, search)
