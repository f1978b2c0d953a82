"""fmin with MLflow logging, against a real SQLite store."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
from _mlflow_helpers import all_runs, child_runs, logged_params, parent_runs, requires_mlflow

import skopt_hp
from skopt_hp import STATUS_FAIL, STATUS_OK, Trials, fmin, hp, tpe

pytestmark = requires_mlflow

SPACE = {
    "x": hp.uniform("x", -5, 5),
    "kernel": hp.choice("kernel", ["linear", "rbf"]),
    # The second option is a dict: a conditional parameter, and an index for "model".
    "model": hp.choice("model", [None, {"depth": hp.quniform("depth", 1, 6, 1)}]),
}


def objective(p):
    depth = 0 if p["model"] is None else p["model"]["depth"]
    loss = (p["x"] - 1) ** 2 + (0.5 if p["kernel"] == "rbf" else 0.0) + 0.1 * depth
    return {"loss": loss, "status": STATUS_OK, "depth_used": depth, "note": "text"}


def _fmin(fn=objective, space=SPACE, **kwargs):
    kwargs.setdefault("max_evals", 8)
    kwargs.setdefault("rstate", 0)
    kwargs.setdefault("show_progressbar", False)
    return fmin(fn, space, **kwargs)


def test_one_parent_run_and_one_child_per_trial_with_params_and_metrics(experiment, mlflow_store):
    import mlflow

    trials = Trials()
    best = _fmin(trials=trials, mlflow_logging=True)

    # The store the test configured (the user's URI) is the one used.
    assert mlflow.get_tracking_uri() == mlflow_store[0]
    parents = parent_runs(experiment)
    assert len(parents) == 1
    parent = parents.iloc[0]
    assert parent["status"] == "FINISHED"
    assert parent["tags.skopt_hp.search"] == "fmin"
    assert parent["params.max_evals"] == "8"
    assert parent["params.rstate"] == "0"
    assert parent["params.fn"].endswith("objective")
    assert parent["metrics.n_trials"] == 8
    best_trial = trials.best_record()
    assert parent["metrics.best_loss"] == pytest.approx(best_trial.loss)
    assert parent["params.best_x"] == repr(best["x"])
    assert parent["params.best_kernel"] == ["linear", "rbf"][best["kernel"]]

    children = child_runs(experiment, parent["run_id"])
    assert len(children) == len(trials) == 8
    by_tid = {int(row["tags.skopt_hp.trial"]): row for _, row in children.iterrows()}
    assert sorted(by_tid) == trials.tids
    for trial in trials.records:
        row = by_tid[trial.tid]
        params = logged_params(row)
        # Only the active labels, named as in the space.
        assert set(params) == set(trial.params)
        assert float(params["x"]) == trial.params["x"]
        # A scalar option is logged as itself, a dict option by its index.
        assert params["kernel"] == ["linear", "rbf"][trial.params["kernel"]]
        assert params["model"] == ["None", "1"][trial.params["model"]]
        if "depth" in trial.params:
            assert float(params["depth"]) == trial.params["depth"]
        assert row["metrics.loss"] == pytest.approx(trial.loss)
        # Other numbers of the result dict are metrics too; text is not.
        assert row["metrics.depth_used"] == trial.result["depth_used"]
        assert "metrics.note" not in row
        assert row["metrics.trial_time"] >= 0
        assert row["status"] == "FINISHED" and row["tags.status"] == "ok"
    # Both branches of the conditional space were tried with this seed.
    assert {"depth" in t.params for t in trials.records} == {True, False}

    client = mlflow.MlflowClient()
    artifacts = {a.path for a in client.list_artifacts(parent["run_id"])}
    assert "search_space.txt" in artifacts
    space_text = mlflow.artifacts.load_text(f"{parent['artifact_uri']}/search_space.txt")
    assert "depth: hp.quniform('depth', 1.0, 6.0, 1.0)  active when model == 1" in space_text


def _sometimes_failing(p):
    if p["x"] > 2:
        raise ValueError(f"x={p['x']:.3f} is too large")
    if p["x"] < -2:
        return {"status": STATUS_FAIL, "loss": None}
    return (p["x"] - 1) ** 2


def test_failed_trials_are_failed_runs_with_their_error(experiment):
    trials = Trials()
    _fmin(
        _sometimes_failing,
        {"x": hp.uniform("x", -5, 5)},
        trials=trials,
        max_evals=12,
        catch_eval_exceptions=True,
        mlflow_logging=True,
    )
    (parent_id,) = parent_runs(experiment)["run_id"]
    children = child_runs(experiment, parent_id)
    assert len(children) == 12
    by_tid = {int(row["tags.skopt_hp.trial"]): row for _, row in children.iterrows()}
    raised = [t for t in trials.records if t.params["x"] > 2]
    returned_fail = [t for t in trials.records if t.params["x"] < -2]
    assert raised and returned_fail, "the seed should give both kinds of failure"
    for trial in raised:
        row = by_tid[trial.tid]
        assert row["status"] == "FAILED" and row["tags.status"] == "fail"
        assert row["tags.error"].startswith("ValueError: x=") and "too large" in row["tags.error"]
        assert "Traceback" in row["tags.traceback"]
        assert math.isnan(row["metrics.loss"])
    for trial in returned_fail:
        assert by_tid[trial.tid]["status"] == "FAILED"
    ok = [t for t in trials.records if -2 <= t.params["x"] <= 2]
    assert all(by_tid[t.tid]["status"] == "FINISHED" for t in ok)
    parent = parent_runs(experiment).iloc[0]
    assert parent["metrics.n_failed"] == len(raised) + len(returned_fail)


def test_autolog_sets_the_default_and_the_switch_overrides_it(experiment):
    skopt_hp.autolog()
    _fmin(max_evals=3)
    assert len(parent_runs(experiment)) == 1
    _fmin(max_evals=3, mlflow_logging=False)
    assert len(all_runs(experiment)) == 1 + 3  # nothing new

    skopt_hp.autolog(disable=True)
    _fmin(max_evals=3)
    assert len(all_runs(experiment)) == 1 + 3
    _fmin(max_evals=2, mlflow_logging=True)
    assert len(parent_runs(experiment)) == 2
    assert len(all_runs(experiment)) == 1 + 3 + 1 + 2


def test_logs_into_the_users_run_and_nests_a_second_search(experiment):
    import mlflow

    with mlflow.start_run(run_name="mine") as run:
        _fmin(max_evals=3, mlflow_logging=True)
        _fmin(max_evals=2, mlflow_logging=True)
        # The user's run is left open for the user to close.
        assert mlflow.active_run().info.run_id == run.info.run_id
        assert mlflow.get_run(run.info.run_id).info.status == "RUNNING"

    user_run = mlflow.get_run(run.info.run_id)
    assert user_run.data.tags["skopt_hp.search"] == "fmin"
    assert user_run.data.params["max_evals"] == "3"
    assert user_run.info.status == "FINISHED"
    under_user = child_runs(experiment, run.info.run_id)
    # The first search's 3 trials, and the second search's own run.
    nested_search = under_user[under_user["tags.skopt_hp.search"] == "fmin"]
    assert len(under_user) == 4 and len(nested_search) == 1
    assert nested_search.iloc[0]["params.max_evals"] == "2"
    assert len(child_runs(experiment, nested_search.iloc[0]["run_id"])) == 2
    assert len(parent_runs(experiment)) == 1  # no other top-level run


def _quadratic(p):
    return (p["x"] - 1) ** 2 + 0.5 * p["y"] ** 2


def test_inside_the_users_run_trials_are_nested_runs_by_default(experiment):
    """The seeds' snippet: ``with mlflow.start_run(): fmin(...)``, no switch, no autolog."""
    import mlflow

    space = {"x": hp.uniform("x", -3, 3), "y": hp.uniform("y", -3, 3)}
    trials = Trials()
    with mlflow.start_run() as run:
        fmin(_quadratic, space, algo=tpe.suggest, max_evals=12, trials=trials, rstate=0,
             show_progressbar=False)  # fmt: skip

    parents = parent_runs(experiment)
    assert list(parents["run_id"]) == [run.info.run_id]
    children = child_runs(experiment, run.info.run_id)
    assert len(children) == 12
    by_tid = {int(row["tags.skopt_hp.trial"]): row for _, row in children.iterrows()}
    for trial in trials.records:
        row = by_tid[trial.tid]
        assert float(row["params.x"]) == trial.params["x"]
        assert float(row["params.y"]) == trial.params["y"]
        assert row["metrics.loss"] == pytest.approx(trial.loss)


def test_inside_a_run_the_switch_and_autolog_disable_opt_out(experiment):
    import mlflow

    space = {"x": hp.uniform("x", -3, 3), "y": hp.uniform("y", -3, 3)}
    with mlflow.start_run() as run:
        _fmin(_quadratic, space, max_evals=3, mlflow_logging=False)
        skopt_hp.autolog(disable=True)
        _fmin(_quadratic, space, max_evals=3)
    assert list(all_runs(experiment)["run_id"]) == [run.info.run_id]  # only the user's run
    # Outside a run, with mlflow imported and autolog never called (as the conftest
    # restores it after each test): nothing either.
    from skopt_hp._tracking import _switch

    _switch._default.update(enabled=None, options={})
    _fmin(_quadratic, space, max_evals=3)
    assert len(all_runs(experiment)) == 1


def test_settings_clashing_with_the_users_params_go_to_a_nested_run(experiment, caplog):
    import mlflow

    with mlflow.start_run() as run:
        mlflow.log_param("max_evals", "1000")  # the user's own parameter of that name
        with caplog.at_level(logging.WARNING, logger="skopt_hp.integrations.mlflow"):
            _fmin(max_evals=2, mlflow_logging=True)
    assert "logging the search in a nested run instead" in caplog.text
    user_run = mlflow.get_run(run.info.run_id)
    assert user_run.data.params == {"max_evals": "1000"}
    assert "skopt_hp.search" not in user_run.data.tags
    (search_id,) = child_runs(experiment, run.info.run_id)["run_id"]
    assert mlflow.get_run(search_id).data.params["max_evals"] == "2"
    assert len(child_runs(experiment, search_id)) == 2


def test_an_interrupted_search_is_a_killed_run_keeping_its_trials(experiment):
    calls = []

    def interrupted_after_four(p):
        calls.append(p)
        if len(calls) > 4:
            raise KeyboardInterrupt
        return p["x"] ** 2

    trials = Trials()
    _fmin(
        interrupted_after_four,
        {"x": hp.uniform("x", -1, 1)},
        trials=trials,
        max_evals=20,
        mlflow_logging=True,
    )
    assert len(trials) == 4
    parent = parent_runs(experiment).iloc[0]
    assert parent["status"] == "KILLED"
    assert parent["tags.skopt_hp.stop_reason"] == "interrupted"
    assert len(child_runs(experiment, parent["run_id"])) == 4


def test_a_failing_tracking_server_does_not_stop_the_search(experiment, monkeypatch, caplog):
    from skopt_hp.integrations import mlflow as integration

    def broken(self, records):
        raise ConnectionError("tracking server unreachable")

    monkeypatch.setattr(integration.MlflowTracker, "log_trials", broken)
    trials = Trials()
    with caplog.at_level(logging.WARNING, logger="skopt_hp._tracking"):
        best = _fmin(trials=trials, mlflow_logging=True)
    assert len(trials) == 8 and best == trials.argmin
    assert "tracking server unreachable" in caplog.text
    assert "the search goes on without logging" in caplog.text
    parent = parent_runs(experiment).iloc[0]
    # The end of the search is still recorded.
    assert parent["status"] == "FINISHED" and parent["metrics.n_trials"] == 8


def test_default_tracking_uri_is_a_sqlite_file_in_the_working_directory(
    mlflow_store, tmp_path, monkeypatch
):
    import mlflow

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    mlflow.set_tracking_uri(None)
    # Old file-store data in ./mlruns would make MLflow itself fall back to the file store.
    (tmp_path / "mlruns" / "0").mkdir(parents=True)
    (tmp_path / "mlruns" / "0" / "meta.yaml").write_text("name: Default\n")
    try:
        _fmin(max_evals=2, mlflow_logging=True)
        assert mlflow.get_tracking_uri() == f"sqlite:///{tmp_path / 'mlflow.db'}"
        assert (tmp_path / "mlflow.db").is_file()
        runs = mlflow.search_runs(search_all_experiments=True)
        assert len(runs) == 3
    finally:
        mlflow.set_tracking_uri(None)


def test_the_switch_must_be_a_bool_or_none():
    with pytest.raises(TypeError, match="mlflow_logging must be None"):
        _fmin(max_evals=1, mlflow_logging="yes")
    with pytest.raises(TypeError, match="mlflow_logging must be None"):
        _fmin(max_evals=1, mlflow_logging=np.array([1]))
