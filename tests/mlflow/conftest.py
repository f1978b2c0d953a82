"""One SQLite MLflow store for the MLflow tests, a fresh experiment per test.

Creating a store runs MLflow's migrations (~3 s), so the store is shared by
the test session (of each xdist worker: the tests are grouped with
``xdist_group("mlflow")`` but do not rely on sharing a worker); each test
gets an experiment of its own, with its artifacts under the store's
temporary directory, so that counting runs is exact.
"""

from __future__ import annotations

import os
import uuid

import pytest
from _mlflow_helpers import SKIP_REASON

# No usage reports from test runs (read when mlflow is imported).
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture(scope="session")
def mlflow_store(tmp_path_factory):
    """``(tracking URI, directory)`` of a SQLite store, set as MLflow's tracking URI."""
    if SKIP_REASON is not None:
        pytest.skip(SKIP_REASON)
    import mlflow

    directory = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{directory / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        mlflow.set_tracking_uri(uri)
        yield uri, directory
        mlflow.set_tracking_uri(None)


@pytest.fixture
def experiment(mlflow_store, monkeypatch):
    """A new experiment, the current one for fluent calls and for skopt_hp's runs."""
    import mlflow

    uri, directory = mlflow_store
    mlflow.set_tracking_uri(uri)  # a test may have changed it
    name = f"test-{uuid.uuid4().hex[:8]}"
    experiment_id = mlflow.MlflowClient().create_experiment(
        name, artifact_location=(directory / name).as_uri()
    )
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment_id)
    yield experiment_id
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture(autouse=True)
def _restore_autolog_state():
    """Undo ``skopt_hp.autolog()`` and ``mlflow.sklearn.autolog()`` after each test."""
    import sys

    from skopt_hp._tracking import _switch

    saved = dict(_switch._default)
    yield
    _switch._default.clear()
    _switch._default.update(saved)
    if sys.modules.get("mlflow") is not None:
        from mlflow.utils.autologging_utils import autologging_is_disabled

        if not autologging_is_disabled("sklearn"):
            import mlflow

            mlflow.sklearn.autolog(disable=True)
