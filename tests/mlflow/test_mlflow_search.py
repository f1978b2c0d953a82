"""HyperoptSearchCV with MLflow logging, against a real SQLite store."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest
from _mlflow_helpers import all_runs, child_runs, logged_params, parent_runs, requires_mlflow
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

import skopt_hp
from skopt_hp import HyperoptSearchCV, hp

pytestmark = requires_mlflow


def _iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def _pipeline():
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=300))])


# A model-choice space: the second option's parameter is conditional, and "clf" is an estimator.
MODEL_CHOICE = hp.choice(
    "model",
    [
        {"clf": LogisticRegression(max_iter=300), "clf__C": hp.loguniform("C", -3, 3)},
        {
            "clf": DecisionTreeClassifier(random_state=0),
            "clf__max_depth": hp.quniform("max_depth", 1, 5, 1),
        },
    ],
)


def test_parent_child_runs_round_trip_and_the_model_predicts_as_best_estimator(experiment):
    import mlflow

    X, y = _iris()
    search = HyperoptSearchCV(
        _pipeline(), MODEL_CHOICE, n_iter=6, cv=3, random_state=0, mlflow_logging=True
    )
    search.fit(X, y)

    parents = parent_runs(experiment)
    assert len(parents) == 1
    parent = parents.iloc[0]
    assert parent["run_id"] == search.mlflow_run_id_
    assert parent["status"] == "FINISHED"
    assert parent["tags.skopt_hp.search"] == "HyperoptSearchCV"
    assert parent["params.n_iter"] == "6" and parent["params.estimator"] == "Pipeline"
    assert parent["params.n_splits"] == "3"
    assert parent["metrics.best_cv_score"] == pytest.approx(search.best_score_)
    assert parent["metrics.n_trials"] == 6
    for name, value in search.best_params_.items():
        expected = type(value).__name__ if hasattr(value, "get_params") else repr(value)
        assert parent[f"params.best_{name}"] == expected

    children = child_runs(experiment, parent["run_id"])
    results = search.cv_results_
    assert len(children) == len(results["params"]) == 6
    for _, row in children.iterrows():
        index = int(row["tags.skopt_hp.trial"])
        candidate = results["params"][index]
        params = logged_params(row)
        # Named as in cv_results_["params"], only those the candidate sets.
        assert set(params) == set(candidate)
        assert params["clf"] == type(candidate["clf"]).__name__
        for name in set(candidate) - {"clf"}:
            assert float(params[name]) == pytest.approx(candidate[name])
        for key in ("mean_test_score", "std_test_score", "mean_fit_time", "std_score_time"):
            assert row[f"metrics.{key}"] == pytest.approx(results[key][index])
        assert row["metrics.loss"] == pytest.approx(-results["mean_test_score"][index])
        assert row["status"] == "FINISHED"
    kinds = {type(p["clf"]).__name__ for p in results["params"]}
    assert kinds == {"LogisticRegression", "DecisionTreeClassifier"}, "both branches searched"

    model_uri = mlflow.get_run(parent["run_id"]).data.tags["skopt_hp.model_uri"]
    info = mlflow.models.get_model_info(model_uri)
    assert info.signature is not None
    assert info.signature.inputs.input_names() == list(X.columns)
    assert info.saved_input_example_info is not None
    loaded = mlflow.pyfunc.load_model(model_uri)
    np.testing.assert_array_equal(loaded.predict(X), search.best_estimator_.predict(X))
    # The run's model is also reachable by its name in the run.
    by_run = mlflow.pyfunc.load_model(f"runs:/{parent['run_id']}/model")
    np.testing.assert_array_equal(by_run.predict(X.iloc[:10]), search.predict(X.iloc[:10]))


class FragileClassifier(ClassifierMixin, BaseEstimator):
    """A majority-class classifier whose ``fit`` raises when ``fragile`` is True."""

    def __init__(self, fragile=False, alpha=1.0):
        self.fragile = fragile
        self.alpha = alpha

    def fit(self, X, y):
        if self.fragile:
            raise RuntimeError("fragile candidate refused to fit")
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def test_failed_candidates_are_failed_runs(experiment):
    X, y = _iris()
    search = HyperoptSearchCV(
        FragileClassifier(),
        {"fragile": [True, False], "alpha": hp.uniform("alpha", 0, 1)},
        n_iter=6,
        cv=2,
        random_state=1,
        mlflow_logging=True,
    )
    with pytest.warns(UserWarning, match="test scores are non-finite"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitFailedWarning)
            search.fit(X, y)
    fragile = [i for i, p in enumerate(search.cv_results_["params"]) if p["fragile"]]
    assert 0 < len(fragile) < 6, "the seed should give both kinds of candidate"

    (parent_id,) = parent_runs(experiment)["run_id"]
    children = child_runs(experiment, parent_id)
    assert len(children) == 6
    for _, row in children.iterrows():
        index = int(row["tags.skopt_hp.trial"])
        if index in fragile:
            assert row["status"] == "FAILED" and row["tags.status"] == "fail"
            assert row["tags.error"].startswith("FitFailed: the mean test 'score' score is nan")
            assert np.isnan(row["metrics.loss"])  # not logged
            assert row["metrics.mean_fit_time"] >= 0  # what was measured still is
        else:
            assert row["status"] == "FINISHED" and not isinstance(row["tags.error"], str)
    parent = parent_runs(experiment).iloc[0]
    assert parent["metrics.n_failed"] == len(fragile)


def test_logs_into_the_users_run(experiment):
    import mlflow

    X, y = _iris()
    search = HyperoptSearchCV(
        _pipeline(), {"clf__C": hp.loguniform("C", -2, 2)}, n_iter=4, cv=2, random_state=0
    )
    skopt_hp.autolog(log_models=False)
    with mlflow.start_run() as run:
        search.fit(X, y)
        assert mlflow.get_run(run.info.run_id).info.status == "RUNNING"
    assert search.mlflow_run_id_ == run.info.run_id
    assert len(parent_runs(experiment)) == 1
    user_run = mlflow.get_run(run.info.run_id)
    assert user_run.data.params["best_clf__C"] == repr(search.best_params_["clf__C"])
    assert "skopt_hp.model_uri" not in user_run.data.tags  # log_models=False
    assert len(child_runs(experiment, run.info.run_id)) == 4


def test_inside_the_users_run_candidates_are_nested_runs_by_default(experiment):
    import mlflow

    X, y = _iris()
    search = HyperoptSearchCV(
        _pipeline(), {"clf__C": hp.loguniform("C", -2, 2)}, n_iter=12, cv=2, random_state=0
    )
    with mlflow.start_run() as run:
        search.fit(X, y)  # no mlflow_logging, skopt_hp.autolog() never called
    assert search.mlflow_run_id_ == run.info.run_id
    assert list(parent_runs(experiment)["run_id"]) == [run.info.run_id]
    children = child_runs(experiment, run.info.run_id)
    assert len(children) == 12
    for _, row in children.iterrows():
        index = int(row["tags.skopt_hp.trial"])
        assert float(row["params.clf__C"]) == search.cv_results_["params"][index]["clf__C"]
        assert row["metrics.loss"] == pytest.approx(-search.cv_results_["mean_test_score"][index])
    # The model is logged, as skopt_hp.autolog()'s defaults say.
    assert "skopt_hp.model_uri" in mlflow.get_run(run.info.run_id).data.tags

    # mlflow_logging=False opts out.
    with mlflow.start_run() as quiet:
        search.set_params(mlflow_logging=False).fit(X, y)
    assert len(child_runs(experiment, quiet.info.run_id)) == 0


@pytest.mark.parametrize("switch", [None, False])
def test_mlflow_sklearn_autolog_opens_no_run_per_inner_fit(experiment, switch):
    import mlflow

    X, y = _iris()
    mlflow.sklearn.autolog(log_models=False, log_datasets=False)
    search = HyperoptSearchCV(
        _pipeline(),
        {"clf__C": hp.loguniform("C", -2, 2)},
        n_iter=4,
        cv=3,
        n_jobs=1,  # the inner fits run in this process, where autologging patched them
        random_state=0,
        mlflow_logging=switch,
    )
    search.fit(X, y)
    runs = all_runs(experiment)
    if switch is None:
        # skopt_hp.autolog() was never called: the search follows MLflow's autolog, with one
        # parent run and one run per candidate, not one per each of the 4 x 3 + 1 fits.
        assert len(parent_runs(experiment)) == 1
        assert len(runs) == 1 + 4
        assert search.mlflow_run_id_ in set(runs["run_id"])
    else:
        assert len(runs) == 0
        assert not hasattr(search, "mlflow_run_id_")
    # Autologging is back on for the user's own fits.
    with mlflow.start_run():
        LogisticRegression(max_iter=300).fit(X, y)
    assert len(all_runs(experiment)) == len(runs) + 1
    assert all_runs(experiment)["params.max_iter"].eq("300").any()


def test_parallel_fits_in_worker_processes_are_logged_by_the_driver(experiment):
    X, y = _iris()
    search = HyperoptSearchCV(
        _pipeline(),
        {"clf__C": hp.loguniform("C", -2, 2)},
        n_iter=6,
        cv=2,
        n_jobs=2,  # loky: every fit task carries a copy of scikit-learn's callback context
        random_state=0,
        mlflow_logging=True,
    )
    search.fit(X, y)
    children = child_runs(experiment, search.mlflow_run_id_)
    assert sorted(children["tags.skopt_hp.trial"].astype(int)) == list(range(6))
    assert (children["status"] == "FINISHED").all()


def test_second_fit_of_a_warm_started_search_logs_only_its_candidates(experiment):
    X, y = _iris()
    search = HyperoptSearchCV(
        _pipeline(),
        {"clf__C": hp.loguniform("C", -2, 2)},
        n_iter=4,
        cv=2,
        random_state=0,
        warm_start=True,
        mlflow_logging=True,
    )
    search.fit(X, y)
    first = search.mlflow_run_id_
    search.set_params(n_iter=6).fit(X, y)
    assert search.mlflow_run_id_ != first
    assert len(child_runs(experiment, first)) == 4
    second = child_runs(experiment, search.mlflow_run_id_)
    assert sorted(second["tags.skopt_hp.trial"].astype(int)) == [4, 5]


@pytest.mark.skipif(importlib.util.find_spec("xgboost") is None, reason="xgboost not installed")
def test_an_xgboost_pipeline_is_logged_with_its_requirement(experiment):
    import mlflow
    import xgboost

    X, y = load_diabetes(return_X_y=True)
    X, y = X[:200], y[:200]
    pipe = Pipeline(
        [("scale", StandardScaler()), ("xgb", xgboost.XGBRegressor(n_estimators=20, n_jobs=1))]
    )
    search = HyperoptSearchCV(
        pipe,
        {"xgb__max_depth": hp.quniform("max_depth", 2, 4, 1)},
        n_iter=3,
        cv=2,
        random_state=0,
        mlflow_logging=True,
    )
    search.fit(X, y)
    model_uri = mlflow.get_run(search.mlflow_run_id_).data.tags["skopt_hp.model_uri"]
    loaded = mlflow.pyfunc.load_model(model_uri)
    np.testing.assert_allclose(loaded.predict(X[:20]), search.predict(X[:20]), rtol=1e-6)
    requirements = mlflow.pyfunc.get_model_dependencies(model_uri)
    with open(requirements) as handle:
        text = handle.read()
    assert f"xgboost=={xgboost.__version__}" in text
    assert "scikit-learn==" in text and "cloudpickle==" in text


def test_the_switch_is_validated_in_fit():
    X, y = _iris()
    search = HyperoptSearchCV(_pipeline(), {"clf__C": [1.0]}, n_iter=1, mlflow_logging="yes")
    with pytest.raises(InvalidParameterError, match="'mlflow_logging' parameter"):
        search.fit(X, y)
    assert search.get_params()["mlflow_logging"] == "yes"  # stored as given
