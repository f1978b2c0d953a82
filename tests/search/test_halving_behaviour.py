"""HyperoptHalvingSearchCV: what TPE learns, reproducibility, errors, metrics, composition."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from _halving_helpers import FailingWhenAsked, KnownScore, known_score, row_ids
from _search_helpers import WeightCheckingRegressor, small_regression
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skopt_hp import HyperoptHalvingSearchCV, hp
from skopt_hp import _halving as halving_module
from skopt_hp import _halving_rungs as rungs_module

XY_SPACE = {"x": hp.uniform("x", 0, 1), "y": hp.uniform("y", 0, 1)}
C_SPACE = {"logisticregression__C": hp.loguniform("C", -4, 3)}


def _known(**kwargs):
    """A search of KnownScore with the resource r in 1, 3, 9."""
    kwargs.setdefault("resource", "r")
    kwargs.setdefault("max_resources", 9)
    kwargs.setdefault("min_resources", 1)
    kwargs.setdefault("cv", 3)
    kwargs.setdefault("random_state", 0)
    return HyperoptHalvingSearchCV(KnownScore(), kwargs.pop("search_space", XY_SPACE), **kwargs)


def _logistic(**kwargs):
    kwargs.setdefault("n_candidates", 12)
    kwargs.setdefault("cv", 3)
    kwargs.setdefault("random_state", 0)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(solver="liblinear"))
    return HyperoptHalvingSearchCV(pipe, C_SPACE, **kwargs)


def _classification():
    return make_classification(n_samples=240, n_features=8, n_informative=4, random_state=0)


# -- what the proposals learn ------------------------------------------------------------------
def _first_iteration(search):
    """The parameters of the first iteration's candidates, in the order they were proposed."""
    results = search.cv_results_
    return [p for p, it in zip(results["params"], results["iter"], strict=True) if it == 0]


def _late_x(search, first):
    return np.array([p["x"] for p in _first_iteration(search)[first:]])


def test_tpe_proposals_learn_from_the_first_iteration_and_random_ones_do_not():
    X, y = row_ids()
    # Synchronous: the first iteration's candidates are proposed 4 at a time, each group
    # from the scores of the earlier ones; the score peaks at x = 0.5.
    space = {"x": hp.uniform("x", 0, 1)}
    tpe = _known(n_candidates=60, search_space=space).fit(X, y)
    rand = _known(n_candidates=60, search_space=space, algo="rand").fit(X, y)
    near = lambda x: float(np.mean(np.abs(x - 0.5) < 0.1))  # noqa: E731
    assert near(_late_x(tpe, 30)) > 0.5
    assert near(_late_x(rand, 30)) < 0.35  # about 0.2: what the test tells apart


def test_random_fraction_keeps_a_share_of_proposals_spread_over_the_prior():
    X, y = row_ids()
    space = {"x": hp.uniform("x", 0, 1)}
    near = lambda x: float(np.mean(np.abs(x - 0.5) < 0.1))  # noqa: E731
    kwargs = dict(n_candidates=60, search_space=space)
    modelled = _late_x(_known(random_fraction=0.0, **kwargs).fit(X, y), 30)
    half = _late_x(_known(random_fraction=0.5, **kwargs).fit(X, y), 30)
    prior = _late_x(_known(random_fraction=1.0, **kwargs).fit(X, y), 30)
    # Half of the late proposals come from the prior (0.2 of its mass is near the peak).
    assert near(modelled) > 0.5
    assert near(prior) < 0.35
    assert near(prior) < near(half) < near(modelled)


def test_random_fraction_is_reproducible_whatever_n_jobs():
    X, y = _classification()
    # 24 candidates: the last 12 are proposed once the model has its 10 scores.
    serial = _logistic(n_candidates=24, random_fraction=0.4).fit(X, y)
    _same_search(serial, _logistic(n_candidates=24, random_fraction=0.4).fit(X, y))
    _same_search(serial, _logistic(n_candidates=24, random_fraction=0.4, n_jobs=2).fit(X, y))
    modelled_only = _logistic(n_candidates=24, random_fraction=0.0).fit(X, y)
    assert modelled_only.cv_results_["params"][:12] == serial.cv_results_["params"][:12]
    assert modelled_only.cv_results_["params"][12:24] != serial.cv_results_["params"][12:24]


def _late_y(search):
    return np.array([p["y"] for p in _first_iteration(search)[45:]])


def test_asha_proposals_model_the_highest_rung_with_enough_results(monkeypatch):
    # y only matters from resource 3 on (the second rung): proposals modelling the first
    # rung cannot learn it, proposals modelling the second one do (BOHB's rule).
    X, ids = row_ids()
    bohb = _known(n_candidates=90, asynchronous=True).fit(X, ids)
    assert np.median(_late_y(bohb)) > 0.7
    assert max(bohb.cv_results_["iter"]) == 2
    # The same search modelling the first rung only: y stays spread out.
    monkeypatch.setattr(rungs_module.Ladder, "model_rung", lambda self, n_min: 0)
    first_rung_only = _known(n_candidates=90, asynchronous=True).fit(X, ids)
    assert np.median(_late_y(first_rung_only)) < 0.65


# -- the results land where they belong --------------------------------------------------------
@pytest.mark.parametrize("asynchronous", [False, True])
def test_every_row_holds_its_own_candidates_scores_on_the_same_folds(asynchronous):
    X, ids = row_ids()
    search = _known(n_candidates=20, asynchronous=asynchronous, n_jobs=2).fit(X, ids)
    results = search.cv_results_
    folds = list(KFold(3).split(X))
    for i, params in enumerate(results["params"]):
        assert params["r"] == results["n_resources"][i] == results["param_r"][i]
        assert params["r"] == search.n_resources_[results["iter"][i]]
        expected = known_score(params["x"], params["y"], params["r"])
        for k, (_, test) in enumerate(folds):
            assert results[f"split{k}_test_score"][i] == pytest.approx(
                expected + 1e-9 * test.sum(), abs=1e-12
            )
    # Every candidate of an iteration above the first was in the one below it.
    seen = {(p["x"], p["y"], it) for p, it in zip(results["params"], results["iter"], strict=True)}
    assert len(seen) == len(results["params"])
    assert all((x, y, it - 1) in seen for x, y, it in seen if it > 0)
    assert sum(search.n_candidates_) == len(results["params"])


@pytest.mark.parametrize("asynchronous", [False, True])
def test_best_is_the_best_of_the_last_iteration(asynchronous):
    X, ids = row_ids()
    search = _known(n_candidates=20, asynchronous=asynchronous).fit(X, ids)
    results = search.cv_results_
    last = np.flatnonzero(results["iter"] == search.n_iterations_ - 1)
    assert search.best_index_ in last
    assert search.best_score_ == results["mean_test_score"][last].max()
    assert search.best_params_ == results["params"][search.best_index_]
    assert search.best_estimator_.r == 9


# -- reproducibility -------------------------------------------------------------------------
def _same_search(a, b):
    assert a.cv_results_["params"] == b.cv_results_["params"]
    for key in ("iter", "n_resources", "mean_test_score", "rank_test_score"):
        np.testing.assert_array_equal(a.cv_results_[key], b.cv_results_[key])
    assert a.best_params_ == b.best_params_


def test_synchronous_search_is_reproducible_whatever_n_jobs():
    X, y = _classification()
    serial = _logistic().fit(X, y)
    _same_search(serial, _logistic(n_jobs=2).fit(X, y))
    _same_search(serial, _logistic(n_jobs=2, n_points=4).fit(X, y))
    other = _logistic(random_state=1).fit(X, y)
    assert other.cv_results_["params"] != serial.cv_results_["params"]


def test_asynchronous_search_with_one_worker_is_reproducible():
    X, y = _classification()
    first = _logistic(asynchronous=True).fit(X, y)
    _same_search(first, _logistic(asynchronous=True).fit(X, y))


def test_asynchronous_auto_follows_n_jobs(monkeypatch):
    calls = []
    original = halving_module.run_asha
    monkeypatch.setattr(
        halving_module, "run_asha", lambda *a, **k: calls.append(k) or original(*a, **k)
    )
    X, y = _classification()
    _logistic(asynchronous="auto").fit(X, y)
    assert calls == []
    _logistic(asynchronous="auto", n_jobs=2).fit(X, y)
    assert [c["n_workers"] for c in calls] == [2]


def test_asynchronous_mode_unavailable_is_refused_before_any_fit(monkeypatch):
    monkeypatch.setattr(halving_module, "fit_internals_or_none", lambda evaluate, search: None)
    X, y = _classification()
    with pytest.raises(ValueError, match="asynchronous=True needs"):
        _logistic(asynchronous=True).fit(X, y)
    # "auto" falls back to synchronous halving: iterations in order.
    search = _logistic(asynchronous="auto", n_jobs=2).fit(X, y)
    assert np.all(np.diff(search.cv_results_["iter"]) >= 0)


# -- composition ---------------------------------------------------------------------------
def test_clone_and_pickle():
    X, y = _classification()
    search = _logistic(asynchronous=True, n_jobs=2)
    assert repr(clone(search)) == repr(search)
    search.fit(X, y)
    copy = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(copy.predict(X), search.predict(X))
    assert copy.n_candidates_ == search.n_candidates_
    assert not hasattr(clone(search), "cv_results_")


def test_nested_cross_validation():
    X, y = _classification()
    scores = cross_val_score(_logistic(n_candidates=6), X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.5)


@pytest.mark.parametrize("asynchronous", [False, True])
def test_sample_weight_is_split_with_the_subsampled_rows(asynchronous):
    X, y = small_regression(n_samples=120)
    search = HyperoptHalvingSearchCV(
        WeightCheckingRegressor(),
        {"alpha": hp.uniform("alpha", 0, 1)},
        n_candidates=6,
        cv=3,
        random_state=0,
        error_score="raise",
        asynchronous=asynchronous,
    )
    search.fit(X, y, sample_weight=np.ones(len(y)))
    assert search.n_resources_[0] < len(y)


def test_randomised_splitter_gives_every_candidate_the_same_folds():
    X, ids = row_ids()
    search = _known(n_candidates=9, cv=KFold(3, shuffle=True)).fit(X, ids)
    results = search.cv_results_
    offsets = [
        results["split0_test_score"][i] - known_score(p["x"], p["y"], p["r"])
        for i, p in enumerate(results["params"])
    ]
    assert np.ptp(offsets) < 1e-12  # the same test rows for every row of cv_results_


# -- errors ----------------------------------------------------------------------------------
FAIL_SPACE = {"fail": [False, True], "c": hp.uniform("c", 0, 1)}


def _failing(**kwargs):
    kwargs.setdefault("n_candidates", 12)
    kwargs.setdefault("cv", 3)
    kwargs.setdefault("random_state", 0)
    kwargs.setdefault("factor", 2)
    return HyperoptHalvingSearchCV(FailingWhenAsked(), kwargs.pop("space", FAIL_SPACE), **kwargs)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:One or more of the:UserWarning")
@pytest.mark.parametrize("asynchronous", [False, True])
def test_error_score_nan_ranks_failures_last_and_never_picks_them(asynchronous):
    X, y = _classification()
    search = _failing(asynchronous=asynchronous).fit(X, y)
    results = search.cv_results_
    failed = np.array([p["fail"] for p in results["params"]])
    assert failed.any() and np.all(np.isnan(results["mean_test_score"][failed]))
    assert results["rank_test_score"][failed].min() > results["rank_test_score"][~failed].max()
    assert not search.best_params_["fail"]
    if asynchronous:  # ASHA never promotes a failed candidate
        assert not failed[results["iter"] > 0].any()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.parametrize("asynchronous", [False, True])
def test_numeric_error_score_is_a_score_like_any_other(asynchronous):
    X, y = _classification()
    search = _failing(error_score=-1.0, asynchronous=asynchronous).fit(X, y)
    results = search.cv_results_
    failed = np.array([p["fail"] for p in results["params"]])
    assert np.all(results["mean_test_score"][failed] == -1.0)
    assert np.all(np.isfinite(results["mean_test_score"]))


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("asynchronous", [False, True])
def test_error_score_raise_raises_the_estimators_error(asynchronous, n_jobs):
    X, y = _classification()
    with pytest.raises(ValueError, match="asked to fail"):
        _failing(
            error_score="raise",
            asynchronous=asynchronous,
            n_jobs=n_jobs,
            space={"fail": [True], "c": hp.uniform("c", 0, 1)},
        ).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings("ignore:One or more of the:UserWarning")
@pytest.mark.parametrize("asynchronous", [False, True])
def test_every_fit_failing_raises_sklearns_error(asynchronous):
    X, y = _classification()
    space = {"fail": [True], "c": hp.uniform("c", 0, 1)}
    search = _failing(asynchronous=asynchronous, space=space)
    with pytest.raises(ValueError, match=r"All the \d+ fits failed"):
        search.fit(X, y)


@pytest.mark.parametrize(
    ("settings", "error", "match"),
    [
        ({"factor": 1}, InvalidParameterError, "factor"),
        ({"n_points": 0}, InvalidParameterError, "n_points"),
        ({"asynchronous": "yes"}, InvalidParameterError, "asynchronous"),
        ({"random_fraction": 1.5}, InvalidParameterError, "random_fraction"),
        ({"random_fraction": -0.1}, InvalidParameterError, "random_fraction"),
        ({"max_resources": 1000}, ValueError, r"max_resources=1000 is greater than the number"),
        ({"algo": "nope"}, ValueError, "`algo` must be one of"),
        (
            {"search_space": {"n_estimators": [1, 2]}, "resource": "n_estimators"},
            ValueError,
            "Cannot use parameter n_estimators",
        ),
    ],
)
def test_bad_settings_raise_before_any_fit(settings, error, match):
    X, y = _classification()
    space = settings.pop("search_space", {"c": hp.uniform("c", 0, 1)})
    if settings.get("resource") == "n_estimators":
        settings["max_resources"] = 9
    search = HyperoptHalvingSearchCV(
        FailingWhenAsked(fail=True), space, error_score="raise", **settings
    )
    with pytest.raises(error, match=match):  # a fit would raise "asked to fail" instead
        search.fit(X, y)


def test_a_finite_space_smaller_than_n_candidates_is_searched_whole():
    X, y = _classification()
    space = {"c": [0.1, 0.2, 0.3], "fail": [False]}
    with pytest.warns(UserWarning, match="total space of parameters 3 is smaller"):
        search = _failing(space=space, n_candidates=10).fit(X, y)
    assert search.n_candidates_[0] == 3
    assert sorted(p["c"] for p in _first_iteration(search)) == [0.1, 0.2, 0.3]


# -- several metrics -------------------------------------------------------------------------
@pytest.mark.parametrize("asynchronous", [False, True])
def test_several_metrics_promote_and_pick_by_the_refit_metric(asynchronous):
    X, y = _classification()
    scoring = {"acc": "accuracy", "nll": "neg_log_loss"}
    search = _logistic(scoring=scoring, refit="nll", asynchronous=asynchronous).fit(X, y)
    results = search.cv_results_
    assert search.multimetric_ and set(search.scorer_) == {"acc", "nll"}
    last = np.flatnonzero(results["iter"] == search.n_iterations_ - 1)
    assert search.best_index_ == last[np.argmax(results["mean_test_nll"][last])]
    assert search.best_score_ == results["mean_test_nll"][search.best_index_]
    if not asynchronous:
        # Iteration 1 holds exactly the best of iteration 0 by the refit metric.
        first = np.flatnonzero(results["iter"] == 0)
        kept = first[np.argsort(-results["mean_test_nll"][first])][: search.n_candidates_[1]]
        promoted = [results["params"][i] for i in np.flatnonzero(results["iter"] == 1)]
        assert sorted(map(str, promoted)) == sorted(str(results["params"][i]) for i in kept)


def test_several_metrics_without_refit_keep_no_best():
    X, y = _classification()
    search = _logistic(scoring=["accuracy", "neg_log_loss"], refit=False).fit(X, y)
    assert not hasattr(search, "best_index_") and not hasattr(search, "best_estimator_")
    assert "mean_test_neg_log_loss" in search.cv_results_


def test_callable_refit_chooses_among_all_rows():
    X, y = _classification()
    search = _logistic(refit=lambda results: 0).fit(X, y)
    assert search.best_index_ == 0 and not hasattr(search, "best_score_")
    assert search.best_params_ == search.cv_results_["params"][0]


def test_docstring_example():
    import doctest

    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(HyperoptHalvingSearchCV)
    (test,) = [t for t in tests if t.name.endswith("HyperoptHalvingSearchCV")]
    runner.run(test)
    assert runner.failures == 0 and test.examples


@pytest.mark.parametrize("asynchronous", [False, True])
def test_metadata_routing_reaches_the_fits(asynchronous):
    import joblib
    import sklearn
    from sklearn.metrics import make_scorer, r2_score

    X, y = small_regression(n_samples=120)
    with sklearn.config_context(enable_metadata_routing=True):
        regressor = WeightCheckingRegressor().set_fit_request(sample_weight=True)
        scaler = StandardScaler().set_fit_request(sample_weight=False)
        # A pipeline routes only when routing is on in the thread that fits it.
        search = HyperoptHalvingSearchCV(
            make_pipeline(scaler, regressor),
            {"weightcheckingregressor__alpha": hp.uniform("alpha", 0, 1)},
            scoring=make_scorer(r2_score).set_score_request(sample_weight=False),
            n_candidates=6,
            cv=3,
            random_state=0,
            error_score="raise",
            asynchronous=asynchronous,
            n_jobs=2,
        )
        # Threads: ASHA's workers are threads of this process, and scikit-learn's
        # configuration (here, routing) is per thread.
        with joblib.parallel_config(backend="threading"):
            search.fit(X, y, sample_weight=np.ones(len(y)))
    assert search.n_candidates_[0] == 6
