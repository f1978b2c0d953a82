"""SparkTrials with MLflow logging: the driver logs every trial, executors never touch MLflow."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest
from _spark_helpers import pickle_by_value, requires_spark

from skopt_hp import STATUS_OK, fmin, hp

pytestmark = [
    *requires_spark,
    pytest.mark.skipif(importlib.util.find_spec("mlflow") is None, reason="mlflow not installed"),
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


def test_trials_on_executors_are_logged_by_the_driver(spark, tmp_path, monkeypatch):
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
        trials = SparkTrials(parallelism=2, spark_session=spark)
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
