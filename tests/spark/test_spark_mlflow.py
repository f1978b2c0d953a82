"""SparkTrials with MLflow logging: the driver logs every trial, executors never touch MLflow;
inside the user's run, trials are logged without being asked (the seeds' snippet)."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest
from _spark_helpers import pickle_by_value, requires_spark

from skopt_hp import STATUS_OK, fmin, hp, tpe

pytestmark = [
    *requires_spark,
    pytest.mark.skipif(importlib.util.find_spec("mlflow") is None, reason="mlflow not installed"),
    # Raised inside MLflow 3.17 by SQLAlchemy: nothing skopt_hp calls or can change.
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated"),
]
pickle_by_value(__name__)


def _reports_mlflow_use(p):
    """The loss, and whether MLflow was imported or configured in the process running it."""
    return {
        "loss": (p["x"] - 1) ** 2,
        "status": STATUS_OK,
        "mlflow_imported": float(sys.modules.get("mlflow") is not None),
        "pid": float(os.getpid()),
    }


def test_trials_on_executors_are_logged_by_the_driver(spark_classic, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    from skopt_hp.integrations.spark import SparkTrials

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    try:
        experiment = mlflow.MlflowClient().create_experiment(
            "spark", artifact_location=(tmp_path / "artifacts").as_uri()
        )
        monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment)
        trials = SparkTrials(parallelism=2, spark_session=spark_classic)
        fmin(
            _reports_mlflow_use,
            {"x": hp.uniform("x", -3, 3)},
            max_evals=6,
            trials=trials,
            rstate=0,
            show_progressbar=False,
            mlflow_logging=True,
        )
        runs = mlflow.search_runs(experiment_ids=[experiment])
    finally:
        mlflow.set_tracking_uri(None)

    parents = runs[runs["tags.mlflow.parentRunId"].isna()]
    children = runs[runs["tags.mlflow.parentRunId"].notna()]
    assert len(parents) == 1 and len(children) == len(trials) == 6
    assert parents.iloc[0]["params.trials"] == "SparkTrials"
    assert parents.iloc[0]["params.parallelism"] == "2"
    # The objectives ran in executor processes, where nothing imported MLflow.
    assert (children["metrics.pid"] != os.getpid()).all()
    assert (children["metrics.mlflow_imported"] == 0).all()
    assert sorted(children["tags.skopt_hp.trial"].astype(int)) == trials.tids


@pytest.fixture
def fresh_store(tmp_path, monkeypatch):
    """A new SQLite store and experiment, MLflow's current ones for the test."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.MlflowClient().create_experiment(
        "seeds", artifact_location=(tmp_path / "artifacts").as_uri()
    )
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment)
    yield experiment
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def _objective(params):
    return (params["x"] - 1) ** 2 + abs(params["y"])


def test_seeds_snippet_logs_a_nested_run_per_trial(active_spark, fresh_store):
    """``with mlflow.start_run(): fmin(..., trials=SparkTrials(parallelism=2))``, as written."""
    import mlflow

    from skopt_hp.integrations.spark import SparkTrials

    space = {"x": hp.uniform("x", -3, 3), "y": hp.uniform("y", -1, 1)}
    trials = SparkTrials(parallelism=2)
    with mlflow.start_run() as run:
        fmin(_objective, space, algo=tpe.suggest, max_evals=12, trials=trials,
             show_progressbar=False)  # fmt: skip

    assert trials.spark_session is active_spark
    runs = mlflow.search_runs(experiment_ids=[fresh_store])
    parents = runs[runs["tags.mlflow.parentRunId"].isna()]
    children = runs[runs["tags.mlflow.parentRunId"] == run.info.run_id]
    assert list(parents["run_id"]) == [run.info.run_id]
    assert len(children) == len(runs) - 1 == 12
    by_tid = {int(row["tags.skopt_hp.trial"]): row for _, row in children.iterrows()}
    assert sorted(by_tid) == trials.tids
    for trial in trials.records:
        row = by_tid[trial.tid]
        assert float(row["params.x"]) == trial.params["x"]
        assert float(row["params.y"]) == trial.params["y"]
        assert row["metrics.loss"] == pytest.approx(trial.loss)
    assert parents.iloc[0]["params.trials"] == "SparkTrials"
