"""The tracking core (skopt_hp._tracking, fmin's records) with a recording tracker: no MLflow."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest
from sklearn.svm import SVC

from skopt_hp import STATUS_OK, Trials, _tracking, fmin, hp
from skopt_hp._tracking import _session
from skopt_hp.space import SearchSpace

pytestmark = pytest.mark.xdist_group("mlflow")


class RecordingTracker:
    """Keeps what it is given, and the thread that gave it; may fail on a chosen batch."""

    def __init__(self, fail_on_batch=None, seconds_per_batch=0.0):
        self.run_id = "run-1"
        self.seconds_per_batch = seconds_per_batch
        self.started = threading.Event()
        self.info = None
        self.batches = []
        self.threads = set()
        self.outcome = None
        self.fail_on_batch = fail_on_batch

    def start(self, info):
        self.info = info

    def log_trials(self, records):
        self.threads.add(threading.current_thread().name)
        self.started.set()
        time.sleep(self.seconds_per_batch)
        if self.fail_on_batch is not None and len(self.batches) == self.fail_on_batch:
            self.batches.append(None)
            raise OSError("disk full")
        self.batches.append(list(records))

    def finish(self, outcome):
        self.outcome = outcome


def _record(number):
    return _tracking.TrialRecord(number, {}, {"loss": float(number)}, "ok", "FINISHED")


def test_trials_are_logged_at_once_when_idle_and_batched_when_busy():
    tracker = RecordingTracker(seconds_per_batch=0.5)
    session = _tracking.TrackingSession(tracker)
    session.add([_record(0)])
    # Sent without waiting for the end of the search: logging overlaps the next trials.
    assert tracker.started.wait(timeout=5)
    for i in range(1, 30):  # while the thread is busy with the first batch
        session.add([_record(i)])
    session.finish(_tracking.SearchOutcome(status="FINISHED"))
    assert [len(b) for b in tracker.batches] == [1, 29]
    numbers = [r.number for batch in tracker.batches for r in batch]
    assert numbers == list(range(30))
    assert session.n_logged == 30 and session.n_batches == 2
    assert tracker.outcome.status == "FINISHED"
    assert tracker.threads and all(name.startswith("skopt_hp-tracking") for name in tracker.threads)


def test_a_failing_tracker_is_dropped_with_a_warning_and_the_end_still_reported(caplog):
    tracker = RecordingTracker(fail_on_batch=1)
    session = _tracking.TrackingSession(tracker)
    with caplog.at_level(logging.WARNING, logger="skopt_hp._tracking"):
        for i in range(8):
            session.add([_record(i)])
            session.wait()  # one batch per trial
        session.finish(_tracking.SearchOutcome(status="FINISHED"))
    assert [b if b is None else len(b) for b in tracker.batches] == [1, None]
    assert isinstance(session.failed, OSError) and session.n_logged == 1
    assert "disk full" in caplog.text and caplog.text.count("Experiment tracking failed") == 1
    assert tracker.outcome is not None


def test_fmin_hands_every_trial_to_the_tracker_in_completion_order(monkeypatch):
    tracker = RecordingTracker()
    monkeypatch.setattr(_session, "resolve_tracker", lambda switch, **kw: tracker)
    trials = Trials()
    space = {"x": hp.uniform("x", -2, 2), "c": hp.choice("c", ["a", ("tuple",)])}
    fmin(
        lambda p: {"loss": p["x"] ** 2, "status": STATUS_OK, "flag": True},
        space,
        max_evals=30,
        trials=trials,
        rstate=0,
        show_progressbar=False,
        loss_threshold=0.01,
    )
    records = [r for batch in tracker.batches for r in batch]
    assert [r.number for r in records] == trials.tids
    assert tracker.info.kind == "fmin" and tracker.info.settings["loss_threshold"] == "0.01"
    for record, trial in zip(records, trials.records, strict=True):
        assert record.metrics["loss"] == trial.loss
        assert "flag" not in record.metrics  # a bool is not a metric
        # A tuple option is not a scalar: its index is logged.
        assert record.params["c"] == ["a", "1"][trial.params["c"]]
    outcome = tracker.outcome
    assert outcome.tags["skopt_hp.stop_reason"] in ("loss threshold reached", "max_evals")
    assert outcome.metrics["best_loss"] == trials.best_record().loss
    assert outcome.metrics["n_trials"] == len(trials)


def test_describe_space_lists_parameters_options_and_conditions():
    space = SearchSpace(
        {
            "model": hp.choice(
                "model",
                [
                    {"kind": "svc", "C": hp.loguniform("C", -3, 3), "clf": SVC()},
                    {"kind": "tree", "depth": hp.randint("depth", 1, 8)},
                ],
            ),
            "scale": hp.choice("scale", [True, False]),
        }
    )
    text = _tracking.describe_space(space)
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("model: hp.choice('model', <2 options>)")
    assert "options: 0={kind, C, clf}, 1={kind, depth}" in lines[0]
    assert any(line.startswith("C: hp.loguniform('C', -3.0, 3.0)") for line in lines)
    assert any(line.endswith("active when model == 1") and "depth" in line for line in lines)
    assert "options: 0=True, 1=False" in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (np.float64(0.25), "0.25"),
        (np.int64(3), "3"),
        ("rbf", "rbf"),
        (None, "None"),
        (True, "True"),
        (SVC(C=2.0), "SVC"),
        (len, "len"),
        ([1, 2], "[1, 2]"),
        ("x" * 600, "x" * 497 + "..."),
    ],
)
def test_value_text_is_short_and_readable(value, text):
    assert _tracking.value_text(value) == text
