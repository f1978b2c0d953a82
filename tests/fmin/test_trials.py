"""``Trials.save`` / ``Trials.load`` and the ``Trials.to_dataframe`` view."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys

import numpy as np
import pandas as pd
import pytest

from skopt_hp import Trials, TrialState, hp
from skopt_hp.space import SearchSpace


def _space() -> SearchSpace:
    return SearchSpace(
        {
            "model": hp.choice(
                "model",
                [{"C": hp.loguniform("C", -3, 3)}, {"depth": hp.randint("depth", 1, 8)}],
            ),
            "lr": hp.uniform("lr", 0.0, 1.0),
        }
    )


def _trials() -> Trials:
    """Four trials: ok (model 0), failed (model 1), ok with extras (model 1), running."""
    trials = Trials()
    trials.bind(_space())
    t0 = trials.new_trial({"model": 0, "C": 0.5, "lr": 0.1})
    trials.start(t0)
    trials.complete(t0, {"status": "ok", "loss": 0.3, "accuracy": 0.7, "note": "first"})
    t0.book_time = dt.datetime(2024, 1, 1, 12, 0, 0)
    t0.refresh_time = dt.datetime(2024, 1, 1, 12, 0, 2, 500000)
    t1 = trials.new_trial({"model": 1, "depth": 3, "lr": 0.2})
    trials.start(t1)
    trials.fail(t1, "boom", traceback="Traceback...\nValueError: boom", exc_type="ValueError")
    t2 = trials.new_trial({"model": 1, "depth": 5, "lr": 0.3})
    trials.start(t2)
    trials.complete(
        t2,
        {
            "status": "ok",
            "loss": np.float64(0.1),
            "accuracy": np.float32(0.875),
            "tid": "clash",
            "history": [1, 2, 3],
            "model": object(),
        },
    )
    t3 = trials.new_trial({"model": 0, "C": 2.0, "lr": 0.4})
    trials.start(t3)
    return trials


# -- methods on Trials ---------------------------------------------------------------
def test_save_and_load_methods_round_trip(tmp_path):
    trials = _trials()
    path = tmp_path / "trials.json"
    trials.save(path)
    header = json.loads(path.read_text().splitlines()[0])  # a journal: the header comes first
    assert header["space"]["labels"] == ["model", "C", "depth", "lr"]

    space = _space()
    loaded = Trials.load(path, space)
    assert isinstance(loaded, Trials)
    assert [t.tid for t in loaded.records] == [0, 1, 2]
    assert loaded.tids == [0, 2]  # hyperopt's view leaves the failed trial out
    assert [t.state for t in loaded.records] == [
        TrialState.DONE,
        TrialState.ERROR,
        TrialState.DONE,
    ]
    assert loaded.records[1].result["failure"]["traceback"] == "Traceback...\nValueError: boom"
    assert loaded.argmin == {"model": 1, "depth": 5, "lr": 0.3}
    # hyperopt's views leave the failed trial (tid 1) out.
    assert loaded.vals == {"model": [0, 1], "C": [0.5], "depth": [5], "lr": [0.1, 0.3]}
    # Loaded trials feed a sampler like the originals (the running trial is gone).
    obs = loaded.observations(space)
    assert obs.Z.shape == (2, 4) and list(obs.losses) == [0.3, 0.1]

    # Without a space, the labels recorded in the file are kept.
    assert Trials.load(path).labels == ("model", "C", "depth", "lr")
    # Saving leaves the trials themselves untouched.
    assert len(trials.records) == 4 and trials.records[3].state == TrialState.RUNNING


def test_load_classmethod_checks_the_space(tmp_path):
    path = tmp_path / "trials.json"
    _trials().save(path)
    other = SearchSpace({"lr": hp.uniform("lr", 0.0, 2.0)})
    with pytest.raises(ValueError, match="recorded with a different search space"):
        Trials.load(path, other)


# -- to_dataframe --------------------------------------------------------------------
def test_to_dataframe_columns_and_dtypes():
    df = _trials().to_dataframe()
    assert list(df.columns) == [
        "tid",
        "state",
        "status",
        "loss",
        "book_time",
        "refresh_time",
        "duration",
        "param_model",
        "param_C",
        "param_depth",
        "param_lr",
        "accuracy",
        "note",
        "result_tid",
    ]
    assert len(df) == 4
    assert df["tid"].tolist() == [0, 1, 2, 3] and df["tid"].dtype == np.int64
    assert df["state"].tolist() == ["DONE", "ERROR", "DONE", "RUNNING"]
    assert df["status"].tolist() == ["ok", "fail", "ok", "running"]
    assert df["loss"].dtype == np.float64
    assert pd.api.types.is_datetime64_any_dtype(df["book_time"])
    assert pd.api.types.is_datetime64_any_dtype(df["refresh_time"])
    assert df["duration"].dtype == np.float64
    assert df["param_model"].dtype == np.int64  # always active: ints
    for column in ("param_C", "param_depth", "param_lr", "accuracy"):
        assert df[column].dtype == np.float64


def test_to_dataframe_values_and_nan_for_inactive():
    df = _trials().to_dataframe()
    assert df["loss"].iloc[0] == 0.3 and df["loss"].iloc[2] == 0.1
    assert df["loss"].iloc[[1, 3]].isna().all()
    assert df["duration"].iloc[0] == 2.5
    assert df["book_time"].iloc[0] == pd.Timestamp("2024-01-01 12:00:00")
    assert df["param_model"].tolist() == [0, 1, 1, 0]
    assert df["param_C"].iloc[0] == 0.5 and df["param_C"].iloc[[1, 2]].isna().all()
    assert df["param_C"].iloc[3] == 2.0
    assert df["param_depth"].iloc[[0, 3]].isna().all()
    assert df["param_depth"].iloc[[1, 2]].tolist() == [3.0, 5.0]
    assert df["accuracy"].iloc[0] == 0.7 and df["accuracy"].iloc[2] == 0.875
    assert math.isnan(df["accuracy"].iloc[1])
    assert df["note"].iloc[0] == "first" and df["note"].iloc[1:].isna().all()
    # A result key clashing with a core column is prefixed; nested values are left out.
    assert df["result_tid"].iloc[2] == "clash"
    assert "history" not in df.columns and "failure" not in df.columns
    # An object value is not a scalar: no "model" column.
    assert "model" not in df.columns


def test_to_dataframe_of_loaded_trials_matches(tmp_path):
    trials = _trials()
    path = tmp_path / "t.json"
    trials.save(path)
    before = trials.to_dataframe().iloc[:3]
    after = Trials.load(path, _space()).to_dataframe()
    pd.testing.assert_frame_equal(after[before.columns], before, check_dtype=False)
    # The unserialisable object became its repr string in the file.
    assert after["model"].iloc[2].startswith("<object object at")


def test_to_dataframe_of_empty_trials():
    df = Trials().to_dataframe()
    assert len(df) == 0
    assert list(df.columns) == [
        "tid",
        "state",
        "status",
        "loss",
        "book_time",
        "refresh_time",
        "duration",
    ]


def test_to_dataframe_without_pandas_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        _trials().to_dataframe()


def test_trials_dataframe_is_to_dataframe():
    trials = _trials()
    assert trials.trials_dataframe().equals(trials.to_dataframe())
