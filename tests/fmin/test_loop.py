"""RunMonitor and Budget: the bookkeeping fmin's loop and HyperoptSearchCV's rounds share."""

from __future__ import annotations

import logging

import pytest

from skopt_hp import Trials
from skopt_hp._loop import Budget, RunMonitor


def _finish(trials, loss):
    trial = trials.new_trial({"x": 0.0})
    trials.start(trial)
    if loss is None:
        trials.fail(trial, "boom")
    else:
        trials.complete(trial, {"status": "ok", "loss": loss})
    return trial


class Bar:
    def __init__(self):
        self.updates = []

    def update(self, n, best_loss):
        self.updates.append((n, best_loss))


class Tracking:
    def __init__(self):
        self.batches = []

    def add(self, records):
        self.batches.append(records)


def test_best_loss_and_patience_follow_the_finished_trials():
    trials = Trials()
    monitor = RunMonitor(trials, Budget(patience=2))
    assert monitor.best_loss is None and monitor.results_say_stop() is None
    for loss, best, since in [(3.0, 3.0, 0), (None, 3.0, 1), (1.0, 1.0, 0), (1.0, 1.0, 1)]:
        monitor.finished([_finish(trials, loss)])
        assert (monitor.best_loss, monitor.since_best) == (best, since)
    assert monitor.results_say_stop() is None
    monitor.finished([_finish(trials, 2.0)])  # a tie, then a worse loss: no progress twice
    assert monitor.results_say_stop() == "no progress"


def test_a_run_starts_from_the_best_loss_of_earlier_trials():
    trials = Trials()
    _finish(trials, 0.5)
    monitor = RunMonitor(trials, Budget(loss_threshold=0.1))
    assert monitor.best_loss == 0.5
    monitor.finished([_finish(trials, 0.7)])
    assert monitor.since_best == 1 and monitor.results_say_stop() is None
    monitor.finished([_finish(trials, 0.1)])
    assert monitor.results_say_stop() == "loss threshold reached"


def test_the_trial_budget_counts_every_record_failed_ones_too():
    trials = Trials()
    monitor = RunMonitor(trials, Budget(max_trials=3))
    assert monitor.trials_left() == 3
    _finish(trials, None)
    _finish(trials, 1.0)
    assert monitor.trials_left() == 1
    _finish(trials, 1.0)
    _finish(trials, 1.0)
    assert monitor.trials_left() == 0
    assert RunMonitor(trials, Budget()).trials_left() > 10**18


def test_time_left_and_out_of_time(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("skopt_hp._loop.time.monotonic", lambda: clock[0])
    monitor = RunMonitor(Trials(), Budget(timeout=5.0))
    assert monitor.time_left() == 5.0 and not monitor.out_of_time()
    clock[0] = 104.0
    assert monitor.time_left() == pytest.approx(1.0)
    clock[0] = 105.0
    assert monitor.time_left() == 0.0 and monitor.out_of_time()
    assert RunMonitor(Trials(), Budget()).time_left() is None


def test_report_sends_finished_trials_to_tracking_then_moves_the_progress():
    trials, bar, tracking = Trials(), Bar(), Tracking()
    monitor = RunMonitor(
        trials, Budget(), progress=bar, tracking=tracking, record_of=lambda t: ("record", t.tid)
    )
    monitor.finished([_finish(trials, 2.0), _finish(trials, 1.0)])
    assert tracking.batches == [] and bar.updates == []  # nothing before the report
    monitor.report(2)
    assert tracking.batches == [[("record", 0), ("record", 1)]]
    assert bar.updates == [(2, 1.0)]
    monitor.finished([_finish(trials, None)])  # e.g. cancelled at the end: tracked, not shown
    monitor.flush_tracking()
    monitor.report(0)
    assert tracking.batches[-1] == [("record", 2)] and bar.updates == [(2, 1.0)]


def test_tracking_needs_a_record_builder():
    with pytest.raises(ValueError, match="record_of"):
        RunMonitor(Trials(), Budget(), tracking=Tracking())


@pytest.mark.parametrize("interrupt", [True, False])
def test_keep_finished_drops_unfinished_trials_and_logs_an_interrupt(caplog, interrupt):
    trials = Trials()
    monitor = RunMonitor(trials, Budget(), best_text=lambda loss: f"best score {-loss:g}")
    monitor.finished([_finish(trials, -0.75)])
    running = trials.new_trial({"x": 1.0})
    trials.start(running)
    trials.new_trial({"x": 2.0})
    error = KeyboardInterrupt() if interrupt else ValueError("boom")
    with caplog.at_level(logging.WARNING, logger="skopt_hp._loop"):
        dropped = monitor.keep_finished("Search", error)
    assert [t.tid for t in dropped] == [1, 2]
    assert [t.tid for t in trials.records] == [0]
    logged = [r.getMessage() for r in caplog.records]
    if interrupt:
        assert logged == ["Search interrupted: keeping the 1 finished trials (best score 0.75)."]
    else:
        assert logged == []
