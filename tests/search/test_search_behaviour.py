"""HyperoptSearchCV as a scikit-learn meta-estimator: refit, scoring, routing, composition."""

from __future__ import annotations

import doctest
import functools
import pickle
import warnings

import numpy as np
import pytest
import sklearn
from _search_helpers import WeightCheckingRegressor, iris, small_classification, small_regression
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, cross_val_score, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skopt_hp import HyperoptSearchCV, hp
from skopt_hp import _search as search_module
from skopt_hp._sklearn_compat import SKLEARN_VERSION
from skopt_hp.samplers import RandomSampler, TPESampler

C_SPACE = {"C": hp.loguniform("C", -3, 3)}


def _search(**kwargs):
    kwargs.setdefault("n_iter", 4)
    kwargs.setdefault("cv", 3)
    kwargs.setdefault("random_state", 0)
    estimator = kwargs.pop("estimator", LogisticRegression(max_iter=1000))
    space = kwargs.pop("search_space", C_SPACE)
    return HyperoptSearchCV(estimator, space, **kwargs)


# -- refit -------------------------------------------------------------------
def test_refit_true_single_metric():
    X, y = iris()
    search = _search().fit(X, y)
    assert search.best_params_ == search.cv_results_["params"][search.best_index_]
    assert search.best_score_ == search.cv_results_["mean_test_score"].max()
    assert search.best_estimator_.C == search.best_params_["C"]


def test_refit_false_single_metric_keeps_best_attributes():
    X, y = iris()
    search = _search(refit=False).fit(X, y)
    assert hasattr(search, "best_params_") and hasattr(search, "best_score_")
    assert not hasattr(search, "best_estimator_")
    with pytest.raises(AttributeError):
        search.predict(X)


def test_refit_str_multimetric_optimises_that_metric():
    X, y = iris()
    search = _search(scoring={"acc": "accuracy", "nll": "neg_log_loss"}, refit="nll").fit(X, y)
    results = search.cv_results_
    assert search.best_index_ == int(np.argmax(results["mean_test_nll"]))
    losses = [t.result["loss"] for t in search.trials_.records]
    np.testing.assert_allclose(losses, -results["mean_test_nll"])


def test_refit_false_multimetric_optimises_first_metric():
    X, y = iris()
    search = _search(scoring=["neg_log_loss", "accuracy"], refit=False).fit(X, y)
    assert not hasattr(search, "best_index_") and not hasattr(search, "best_estimator_")
    losses = [t.result["loss"] for t in search.trials_.records]
    np.testing.assert_allclose(losses, -search.cv_results_["mean_test_neg_log_loss"])


def test_refit_callable_multimetric_optimises_first_metric():
    X, y = iris()

    def lowest_c_within_best_accuracy(results):
        acc = results["mean_test_accuracy"]
        ok = np.flatnonzero(acc >= acc.max() - 0.02)
        return int(ok[np.argmin(np.asarray(results["param_C"])[ok])])

    search = _search(
        scoring={"neg_log_loss": "neg_log_loss", "accuracy": "accuracy"},
        refit=lowest_c_within_best_accuracy,
    ).fit(X, y)
    assert search.best_index_ == lowest_c_within_best_accuracy(search.cv_results_)
    assert not hasattr(search, "best_score_")
    losses = [t.result["loss"] for t in search.trials_.records]
    np.testing.assert_allclose(losses, -search.cv_results_["mean_test_neg_log_loss"])


def test_callable_scoring_returning_dict():
    X, y = iris()

    def two_scores(estimator, X, y):
        return {"acc": estimator.score(X, y), "neg_err": -(1 - estimator.score(X, y))}

    search = _search(scoring=two_scores, refit="neg_err").fit(X, y)
    assert search.multimetric_
    assert "mean_test_neg_err" in search.cv_results_


def test_regression():
    X, y = small_regression()
    search = _search(
        estimator=Ridge(), search_space={"alpha": hp.loguniform("alpha", -4, 4)}, n_iter=6
    ).fit(X, y)
    assert is_regressor(search)
    assert search.best_score_ > 0.9
    assert search.score(X, y) > 0.9


# -- fit parameters, groups, metadata routing -------------------------------------------
def test_groups_are_passed_to_the_splitter():
    X, y = iris()
    groups = np.arange(len(y)) % 5
    search = _search(cv=GroupKFold(n_splits=5)).fit(X, y, groups=groups)
    best = search.cv_results_["params"][0]
    expected = cross_validate(
        LogisticRegression(max_iter=1000, **best), X, y, groups=groups, cv=GroupKFold(n_splits=5)
    )["test_score"]
    got = [search.cv_results_[f"split{k}_test_score"][0] for k in range(5)]
    np.testing.assert_allclose(got, expected)


def test_sample_weight_reaches_fit_without_routing():
    X, y = small_regression()
    weights = np.linspace(0.5, 2.0, len(y))
    search = _search(
        estimator=WeightCheckingRegressor(),
        search_space={"alpha": [0.1, 1.0]},
        scoring="neg_mean_squared_error",
    )
    search.fit(X, y, sample_weight=weights)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # Every fit fails without weights: scikit-learn's error, and no FitFailedWarning before
    # it (as RandomizedSearchCV).
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitFailedWarning)
        with pytest.raises(ValueError, match="fits failed"):
            search.fit(X, y)


def test_sample_weight_with_metadata_routing():
    X, y = small_regression()
    weights = np.linspace(0.5, 2.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = (
            WeightCheckingRegressor()
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True)
        )
        search = _search(estimator=estimator, search_space={"alpha": [0.1, 1.0]})
        search.fit(X, y, sample_weight=weights)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        routing = search.get_metadata_routing()
        assert "sample_weight" in str(routing)


# -- composition ---------------------------------------------------------------
def test_pipeline_inside_the_search():
    X, y = iris()
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    search = _search(
        estimator=pipe, search_space={"logisticregression__C": hp.loguniform("C", -3, 3)}
    ).fit(X, y)
    assert isinstance(search.best_estimator_, Pipeline)
    assert search.best_estimator_[-1].C == search.best_params_["logisticregression__C"]


def test_search_as_a_pipeline_step():
    X, y = iris()
    pipe = make_pipeline(StandardScaler(), _search())
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert hasattr(pipe[-1], "trials_")


def test_nested_cross_validation():
    X, y = iris()
    scores = cross_val_score(_search(n_iter=3), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8


def test_model_choice_space_is_a_classifier_and_masks_inactive_params():
    X, y = iris()
    svc, forest = SVC(), RandomForestClassifier(n_estimators=10, random_state=0)
    space = hp.choice(
        "model",
        [
            {"clf": svc, "clf__C": hp.loguniform("svc_C", -3, 3)},
            {"clf": forest, "clf__max_depth": hp.quniform("rf_depth", 2, 8, 1)},
        ],
    )
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    search = HyperoptSearchCV(pipe, space, n_iter=8, cv=3, random_state=0).fit(X, y)
    assert is_classifier(search)
    results = search.cv_results_
    is_svc = np.array([isinstance(p["clf"], SVC) for p in results["params"]])
    assert 0 < is_svc.sum() < 8, "both branches should be explored in 8 candidates"
    np.testing.assert_array_equal(np.ma.getmaskarray(results["param_clf__C"]), ~is_svc)
    np.testing.assert_array_equal(np.ma.getmaskarray(results["param_clf__max_depth"]), is_svc)
    depths = results["param_clf__max_depth"].compressed()
    assert all(isinstance(d, (int, np.integer)) for d in depths)
    assert all(isinstance(p.get("clf__max_depth", 0), int) for p in results["params"])
    # The estimators in the user's space are never fitted nor shared.
    assert not hasattr(svc, "support_") and not hasattr(forest, "estimators_")
    assert search.best_estimator_["clf"] is not svc and search.best_estimator_["clf"] is not forest
    # A model-choice search is a classifier, so nested CV stratifies and scores accuracy.
    scores = cross_val_score(
        HyperoptSearchCV(pipe, space, n_iter=4, cv=3, random_state=0), X, y, cv=3
    )
    assert scores.mean() > 0.85


# -- fitted object ---------------------------------------------------------------
def test_pickle_round_trip():
    X, y = iris()
    search = _search().fit(X, y)
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))
    assert len(restored.trials_) == len(search.trials_)
    assert restored.best_params_ == search.best_params_


def test_clone_is_unfitted_with_equal_params():
    search = _search(algo="rand", n_points=2, timeout=10.0, n_iter_no_change=3)
    X, y = iris()
    search.fit(X, y)
    copy = clone(search)
    assert copy.get_params().keys() == search.get_params().keys()
    for name in ("n_iter", "algo", "n_points", "timeout", "n_iter_no_change", "random_state"):
        assert copy.get_params()[name] == search.get_params()[name]
    assert not hasattr(copy, "cv_results_")


def test_repr_names_the_parameters():
    text = repr(_search(algo="rand", n_points=2))
    assert text.startswith("HyperoptSearchCV(") and "n_points=2" in text and "algo='rand'" in text


def test_fit_does_not_modify_params():
    space = {"C": hp.loguniform("C", -3, 3), "fit_intercept": [True]}
    search = _search(search_space=space)
    before = repr(search.get_params())
    X, y = iris()
    search.fit(X, y)
    assert repr(search.get_params()) == before and search.search_space is space


# -- algo variants -----------------------------------------------------------------
def _algo_variants():
    from skopt_hp import rand, tpe

    # Explicit ids: reprs of functions hold memory addresses, which differ
    # between xdist workers and break collection.
    return [
        pytest.param("rand", id="rand"),
        pytest.param("tpe", id="tpe"),
        pytest.param(rand.suggest, id="rand.suggest"),
        pytest.param(RandomSampler(), id="RandomSampler"),
        pytest.param(TPESampler(n_startup_trials=3), id="TPESampler"),
        pytest.param(tpe.suggest, id="tpe.suggest"),
        pytest.param(functools.partial(tpe.suggest, n_startup_trials=3), id="partial-tpe.suggest"),
    ]


@pytest.mark.parametrize("algo", _algo_variants())
def test_algo_variants(algo):
    X, y = small_classification()
    search = _search(algo=algo, n_iter=6, n_points=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 6 and len(search.trials_) == 6


def test_tpe_is_the_default():
    assert HyperoptSearchCV(LogisticRegression(), C_SPACE).algo == "tpe"
    assert isinstance(search_module._resolve_sampler("tpe"), TPESampler)


# -- docs ----------------------------------------------------------------------------
def test_docstring_example_runs():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    (test,) = [t for t in finder.find(HyperoptSearchCV) if t.name.endswith("HyperoptSearchCV")]
    runner.run(test)
    assert runner.failures == 0 and test.examples


@pytest.mark.skipif(SKLEARN_VERSION < (1, 9), reason="callbacks are new in scikit-learn 1.9")
def test_sklearn_callbacks_see_every_round():
    class Recorder:
        def __init__(self):
            self.events = []

        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            self.events.append(("begin", context.task_name))

        def on_fit_task_end(self, estimator, context, **kwargs):
            self.events.append(("end", context.task_name))

    X, y = iris()
    recorder = Recorder()
    search = _search(n_iter=5, n_points=2, cv=2).set_callbacks(recorder)
    search.fit(X, y)
    assert recorder.events.count(("begin", "round")) == 3
    assert recorder.events.count(("end", "candidate-split-evaluation")) == 10
    assert recorder.events[-1] == ("end", "fit")
