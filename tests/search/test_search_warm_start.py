"""warm_start: continuing a search, after it finished or after an interrupt."""

from __future__ import annotations

import numpy as np
import pytest
from _search_helpers import CountingRegressor, small_regression
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold

from skopt_hp import HyperoptSearchCV, hp
from skopt_hp._sklearn_compat import SKLEARN_VERSION

SPACE = {"alpha": hp.loguniform("alpha", -4, 4), "fit_intercept": [True, False]}


def _search(**kwargs):
    settings = {"n_iter": 8, "n_points": 4, "cv": 3, "random_state": 0, **kwargs}
    return HyperoptSearchCV(Ridge(), SPACE, **settings)


def _rows(search):
    results = search.cv_results_
    return [
        (params, results["mean_test_score"][i], results["split0_test_score"][i])
        for i, params in enumerate(results["params"])
    ]


def test_continuing_keeps_rows_and_equals_one_longer_search():
    X, y = small_regression()
    search = _search().fit(X, y)
    first = _rows(search)
    search.set_params(n_iter=16, warm_start=True).fit(X, y)
    continued = _rows(search)
    assert len(continued) == 16 and len(search.trials_) == 16
    assert continued[:8] == first
    assert search.trials_.tids == list(range(16))
    # The sampler learnt from the first 8: the same proposals as one 16-candidate search.
    single = _search(n_iter=16).fit(X, y)
    assert continued == _rows(single)
    assert search.best_index_ == single.best_index_
    assert search.best_params_ == single.best_params_
    np.testing.assert_allclose(search.predict(X), single.predict(X))
    for key in ("rank_test_score", "mean_fit_time"):
        assert len(search.cv_results_[key]) == 16


def test_continuing_only_fits_the_new_candidates():
    X, y = small_regression()
    CountingRegressor.n_fits = 0
    search = HyperoptSearchCV(
        CountingRegressor(),
        {"alpha": hp.loguniform("a", -3, 3)},
        n_iter=4,
        n_points=2,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert CountingRegressor.n_fits == 4 * 3 + 1  # candidates x folds + refit
    search.set_params(n_iter=6, warm_start=True).fit(X, y)
    assert CountingRegressor.n_fits == (4 * 3 + 1) + (2 * 3 + 1)


def test_without_warm_start_a_new_fit_starts_afresh():
    X, y = small_regression()
    search = _search().fit(X, y)
    first = _rows(search)
    search.set_params(n_iter=12).fit(X, y)
    assert len(search.cv_results_["params"]) == 12
    assert _rows(search)[:4] == first[:4]  # same seed, same first round


def test_continue_after_interrupt_refits_and_predicts():
    X, y = small_regression()
    CountingRegressor.n_fits = 0
    CountingRegressor.interrupt_at = 3 * 2 * 2 + 2  # during the third round of two candidates
    search = HyperoptSearchCV(
        CountingRegressor(),
        {"alpha": hp.loguniform("a", -3, 3)},
        n_iter=10,
        n_points=2,
        cv=3,
        random_state=0,
        warm_start=True,
    )
    try:
        with pytest.raises(KeyboardInterrupt):
            search.fit(X, y)
    finally:
        CountingRegressor.interrupt_at = None
    assert len(search.trials_) == 4
    kept = _rows(search)
    search.fit(X, y)
    assert len(search.trials_) == 10 and len(search.cv_results_["params"]) == 10
    assert _rows(search)[:4] == kept
    assert search.predict(X).shape == (len(X),)
    uninterrupted = HyperoptSearchCV(
        CountingRegressor(),
        {"alpha": hp.loguniform("a", -3, 3)},
        n_iter=10,
        n_points=2,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert _rows(search) == _rows(uninterrupted)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"n_iter": 8}, "n_iter=8 must be larger than the 8 candidates"),
        ({"n_iter": 5}, "n_iter=5 must be larger"),
        ({"n_iter": 12, "cv": 4}, "3 cross-validation splits, but cv now gives 4"),
        ({"n_iter": 12, "cv": KFold(5)}, "but cv now gives 5"),
        ({"n_iter": 12, "scoring": "neg_mean_squared_error"}, "scoring=None"),
    ],
)
def test_continuing_an_incompatible_search_fails_before_fitting(change, message):
    X, y = small_regression()
    CountingRegressor.n_fits = 0
    search = HyperoptSearchCV(
        CountingRegressor(),
        {"alpha": hp.loguniform("a", -3, 3)},
        n_iter=8,
        n_points=4,
        cv=3,
        random_state=0,
    ).fit(X, y)
    n_fits = CountingRegressor.n_fits
    search.set_params(warm_start=True, **change)
    with pytest.raises(ValueError, match=message):
        search.fit(X, y)
    if "cv" not in change or SKLEARN_VERSION >= (1, 9):
        assert CountingRegressor.n_fits == n_fits
    # else: before 1.9, n_splits is known only once the first round's fits ran.
    # The kept search is intact: continuing compatibly still works.
    search.set_params(n_iter=12, cv=3, scoring=None).fit(X, y)
    assert len(search.cv_results_["params"]) == 12


def test_warm_start_on_an_unfitted_search_is_a_fresh_search():
    X, y = small_regression()
    search = _search(warm_start=True).fit(X, y)
    assert _rows(search) == _rows(_search().fit(X, y))


def test_n_iter_no_change_counts_from_the_kept_best():
    from sklearn.dummy import DummyRegressor

    X, y = small_regression()
    # `constant` is ignored with strategy="mean": every candidate scores the same,
    # so no candidate after the first improves on the best.
    search = HyperoptSearchCV(
        DummyRegressor(),
        {"constant": hp.uniform("constant", 0, 1)},
        n_iter=8,
        n_points=4,
        cv=3,
        random_state=0,
    ).fit(X, y)
    search.set_params(n_iter=40, warm_start=True, n_iter_no_change=4).fit(X, y)
    # One new round runs, brings nothing better than the kept best, and stops the search.
    assert len(search.cv_results_["params"]) == 12


def test_a_pickled_search_can_be_continued():
    import pickle

    X, y = small_regression()
    search = pickle.loads(pickle.dumps(_search().fit(X, y)))
    search.set_params(n_iter=16, warm_start=True).fit(X, y)
    assert _rows(search) == _rows(_search(n_iter=16).fit(X, y))
