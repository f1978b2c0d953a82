"""cv_results_ and the fitted attributes have RandomizedSearchCV's exact formats."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
from _search_helpers import iris, small_regression
from sklearn.linear_model import LogisticRegression, Ridge, RidgeClassifier
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate
from sklearn.model_selection._search import BaseSearchCV

from skopt_hp import HyperoptSearchCV, hp

CLASSIFICATION_SPACE = {
    "C": st.loguniform(1e-2, 1e2),
    "fit_intercept": [True, False],
    "tol": [1e-4, 1e-3],
    "max_iter": st.randint(200, 400),
}


def _fit_both(estimator, space, X, y, **kwargs):
    ours = HyperoptSearchCV(estimator, space, algo="rand", random_state=0, **kwargs).fit(X, y)
    theirs = RandomizedSearchCV(estimator, space, random_state=0, **kwargs).fit(X, y)
    return ours, theirs


def _assert_same_format(ours, theirs):
    a, b = ours.cv_results_, theirs.cv_results_
    assert list(a) == list(b)
    for key in b:
        if key == "params":
            assert isinstance(a[key], list) and len(a[key]) == len(b[key])
            assert [sorted(p) for p in a[key]] == [sorted(p) for p in b[key]]
            continue
        assert type(a[key]) is type(b[key]), key
        assert a[key].shape == b[key].shape, key
        assert a[key].dtype == b[key].dtype, key
        if isinstance(b[key], np.ma.MaskedArray):
            assert np.array_equal(np.ma.getmaskarray(a[key]), np.ma.getmaskarray(b[key])), key
    for attr in ("best_index_", "best_score_", "best_params_", "n_splits_", "multimetric_"):
        assert hasattr(ours, attr) == hasattr(theirs, attr), attr
        if hasattr(theirs, attr):
            assert type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert type(ours.scorer_) is type(theirs.scorer_)
    if isinstance(theirs.scorer_, dict):
        assert list(ours.scorer_) == list(theirs.scorer_)


@pytest.mark.parametrize(
    "scoring, refit",
    [
        (None, True),
        ("accuracy", True),
        (["accuracy", "neg_log_loss"], "neg_log_loss"),
        ({"acc": "accuracy", "bal": "balanced_accuracy"}, "bal"),
        (["accuracy", "neg_log_loss"], False),
    ],
)
@pytest.mark.parametrize("return_train_score", [False, True])
def test_cv_results_match_randomized_search(scoring, refit, return_train_score):
    X, y = iris()
    ours, theirs = _fit_both(
        LogisticRegression(),
        CLASSIFICATION_SPACE,
        X,
        y,
        n_iter=6,
        cv=3,
        scoring=scoring,
        refit=refit,
        return_train_score=return_train_score,
    )
    _assert_same_format(ours, theirs)
    assert ours.trials_ is not None and len(ours.trials_) == 6


def test_regression_format_and_refit_attributes():
    X, y = small_regression()
    space = {"alpha": st.loguniform(1e-3, 1e2), "fit_intercept": [True, False]}
    ours, theirs = _fit_both(Ridge(), space, X, y, n_iter=5, cv=3)
    _assert_same_format(ours, theirs)
    assert isinstance(ours.best_estimator_, Ridge)
    assert ours.refit_time_ >= 0
    assert ours.n_features_in_ == X.shape[1]
    np.testing.assert_allclose(ours.predict(X), ours.best_estimator_.predict(X))
    assert ours.score(X, y) == pytest.approx(ours.best_estimator_.score(X, y))


def test_classifier_delegation():
    X, y = iris()
    search = HyperoptSearchCV(
        LogisticRegression(), CLASSIFICATION_SPACE, n_iter=4, cv=3, algo="rand", random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        np.testing.assert_allclose(
            getattr(search, method)(X), getattr(search.best_estimator_, method)(X)
        )


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X, y = iris()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    search = HyperoptSearchCV(
        LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=2, cv=2, algo="rand", random_state=0
    ).fit(frame, y)
    assert list(search.feature_names_in_) == ["a", "b", "c", "d"]


def test_scores_are_cross_validation_scores():
    # Each row is exactly cross_validate of that candidate on the same folds.
    X, y = iris()
    search = HyperoptSearchCV(
        LogisticRegression(), CLASSIFICATION_SPACE, n_iter=4, cv=3, algo="rand", random_state=1
    ).fit(X, y)
    for i, params in enumerate(search.cv_results_["params"]):
        expected = cross_validate(LogisticRegression(**params), X, y, cv=3)["test_score"]
        got = [search.cv_results_[f"split{k}_test_score"][i] for k in range(3)]
        np.testing.assert_allclose(got, expected)


def test_trials_mirror_cv_results():
    X, y = iris()
    search = HyperoptSearchCV(
        LogisticRegression(),
        CLASSIFICATION_SPACE,
        n_iter=5,
        cv=3,
        scoring=["accuracy", "neg_log_loss"],
        refit="neg_log_loss",
        random_state=0,
    ).fit(X, y)
    results = search.cv_results_
    for i, trial in enumerate(search.trials_.records):
        assert trial.result["cv_index"] == i
        assert trial.result["loss"] == pytest.approx(-results["mean_test_neg_log_loss"][i])
        assert trial.result["mean_test_accuracy"] == pytest.approx(results["mean_test_accuracy"][i])
        assert trial.result["split2_test_accuracy"] == pytest.approx(
            results["split2_test_accuracy"][i]
        )
        assert trial.result["params"] == results["params"][i]
    assert search.trials_.best_record().tid == search.best_index_


# -- formatted once per round, whole once -------------------------------------------------
CONDITIONAL_SPACE = hp.choice(
    "kind",
    [
        {"alpha": hp.loguniform("a", -3, 3), "fit_intercept": hp.choice("fi", [True, False])},
        {"alpha": hp.loguniform("a2", -3, 3), "tol": hp.uniform("tol", 1e-5, 1e-3)},
    ],
)


@pytest.mark.parametrize("n_points", [1, 3])
@pytest.mark.parametrize("return_train_score", [False, True])
def test_cv_results_are_scikit_learns_for_the_candidates_evaluated(n_points, return_train_score):
    """Each round formats only its own rows; the cv_results_ built once at the end is what
    scikit-learn gives for the same candidates (GridSearchCV over exactly them), key by key:
    values, dtypes, masks and ranks."""
    X, y = iris()
    kwargs = dict(
        cv=3,
        scoring=["accuracy", "f1_macro"],
        refit="f1_macro",
        return_train_score=return_train_score,
    )
    ours = HyperoptSearchCV(
        RidgeClassifier(),
        CONDITIONAL_SPACE,
        n_iter=10,
        n_points=n_points,
        random_state=0,
        **kwargs,
    ).fit(X, y)
    grid = [{name: [value] for name, value in p.items()} for p in ours.cv_results_["params"]]
    theirs = GridSearchCV(RidgeClassifier(), grid, **kwargs).fit(X, y)
    a, b = ours.cv_results_, theirs.cv_results_
    assert list(a) == list(b)
    for key in b:
        if key == "params":
            assert a[key] == b[key]
            continue
        assert type(a[key]) is type(b[key]) and a[key].dtype == b[key].dtype, key
        if key.endswith("_time"):
            continue
        if isinstance(b[key], np.ma.MaskedArray):
            assert np.array_equal(np.ma.getmaskarray(a[key]), np.ma.getmaskarray(b[key])), key
            assert a[key].compressed().tolist() == b[key].compressed().tolist(), key
        else:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert (ours.best_index_, ours.best_score_) == (theirs.best_index_, theirs.best_score_)


def test_each_round_formats_only_its_own_rows(monkeypatch):
    """scikit-learn re-formats every candidate after each call of evaluate_candidates, O(N)
    per round; here a round formats its own rows and the end all of them, once."""
    formatted = []
    real = BaseSearchCV._format_results

    def counting(self, candidate_params, n_splits, out, more_results=None):
        formatted.append(len(candidate_params))
        return real(self, candidate_params, n_splits, out, more_results)

    monkeypatch.setattr(BaseSearchCV, "_format_results", counting)
    X, y = small_regression()
    HyperoptSearchCV(
        Ridge(),
        {"alpha": hp.loguniform("alpha", -3, 3)},
        n_iter=9,
        n_points=2,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert formatted == [2, 2, 2, 2, 1, 9]
