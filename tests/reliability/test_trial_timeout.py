"""fmin(trial_timeout=...): trials in a worker process, stopped when too long or when it dies.

Timing assertions are only one-sided and generous: a trial sleeping 30 s with
a 1 s limit must end the search long before 30 s; the checks are on what was
recorded.
"""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest
from _reliability_helpers import COUNTS, faults_at_exact_points, sleep_or_die

import skopt_hp._fmin as fmin_module
from skopt_hp import Trials, TrialState, fmin, hp, space_eval, tpe
from skopt_hp._fmin import SerialExecutor

SPACE = {"x": hp.uniform("x", -10, 10)}


def _points(*xs):
    return [{"x": x} for x in xs]


def run(trials, xs, max_evals, **kwargs):
    """fmin over ``SPACE`` starting with the points ``xs`` (then random ones)."""
    settings = {
        "algo": "rand",
        "max_evals": max_evals,
        "trials": trials,
        "rstate": 0,
        "show_progressbar": False,
        "points_to_evaluate": _points(*xs),
        "trial_timeout": 1.0,
        **kwargs,
    }
    return fmin(sleep_or_die, SPACE, **settings)


def test_timeouts_and_dead_workers_are_failed_trials_and_the_search_completes():
    trials = Trials()
    start = time.monotonic()
    # Trial 1 hangs, 2 calls os._exit, 3 is SIGKILLed, 4 raises; the others are healthy.
    best = run(trials, [1.5, -9.0, -7.0, -5.0, -3.0, 0.5], 8, catch_eval_exceptions=True)
    assert time.monotonic() - start < 25  # the hanging trial (30 s) was stopped
    # max_evals counts every trial of the call; hyperopt's len(trials) leaves failed ones out.
    assert len(trials.records) == 8 and len(trials) == 8 - trials.count(TrialState.ERROR)
    states = [t.state for t in trials.records]
    assert states[:6] == [TrialState.DONE] + [TrialState.ERROR] * 4 + [TrialState.DONE]
    failures = [t.result["failure"] for t in trials.records[1:5]]
    assert failures[0]["type"] == "TrialTimeout"
    assert failures[0]["message"].startswith("timed out after 1 s")
    assert failures[1]["type"] == failures[2]["type"] == "WorkerDied"
    assert "EXIT(3)" in failures[1]["message"] and "SIGKILL" in failures[2]["message"]
    assert failures[3]["type"] == "ValueError" and "injected failure" in failures[3]["message"]
    assert "ValueError" in trials.records[4].result["failure"]["traceback"]
    # Healthy trials have the objective's value; the best is the best of them.
    healthy = [t for t in trials.records if t.state == TrialState.DONE]
    for trial in healthy:
        assert trial.loss == space_eval(SPACE, trial.params)["x"] ** 2
    assert best == min(healthy, key=lambda t: t.loss).params
    COUNTS["faults injected (fmin trial_timeout: hang, exit, SIGKILL, raise)"] += 4


def test_timeouts_are_recorded_even_when_exceptions_are_not_caught(tmp_path):
    trials = Trials()
    path = tmp_path / "trials.json"
    with pytest.raises(ValueError, match="injected failure in the worker"):
        # The objective's own exception still propagates, as with plain fmin.
        run(trials, [1.0, -9.0, -3.0], 6, trials_save_file=str(path))
    # The timed-out trial, then the one whose error propagates, kept failed as hyperopt does.
    assert [t.state for t in trials.records] == [TrialState.DONE] + [TrialState.ERROR] * 2
    assert trials.records[1].result["failure"]["type"] == "TrialTimeout"
    assert [t.tid for t in Trials.load(path, SPACE).records] == [0, 1, 2]
    COUNTS["faults injected (fmin trial_timeout: hang, exit, SIGKILL, raise)"] += 2


def test_the_search_timeout_cancels_a_running_trial():
    # Start the worker first: spawning one under load may take longer than the timeout.
    run(Trials(), [1.0], 1, trial_timeout=60.0)
    trials = Trials()
    start = time.monotonic()
    run(trials, [1.0, -9.0], 5, timeout=4.0, trial_timeout=60.0)
    assert time.monotonic() - start < 25
    assert [t.state for t in trials.records] == [TrialState.DONE, TrialState.CANCEL]
    assert trials.records[1].result["failure"]["message"] == "cancelled: timeout"


def test_an_interrupt_while_a_trial_runs_kills_it_and_keeps_the_finished_trials(
    tmp_path, monkeypatch
):
    trials = Trials()
    path = tmp_path / "trials.json"
    original_wait = fmin_module.wait
    waits = []

    def interrupted_wait(futures, timeout=None, return_when=None):
        # Ctrl-C in the middle of the third trial, which hangs (the main thread waits on it).
        waits.append(1)
        if len(waits) == 3:
            done, _ = original_wait(futures, timeout=0.5, return_when=return_when)
            assert not done
            raise KeyboardInterrupt
        return original_wait(futures, timeout=timeout, return_when=return_when)

    monkeypatch.setattr(fmin_module, "wait", interrupted_wait)
    start = time.monotonic()
    best = run(trials, [1.0, 2.0, -9.0], 6, trial_timeout=60.0, trials_save_file=str(path))
    assert time.monotonic() - start < 25
    assert trials.tids == [0, 1] and best == {"x": 1.0}
    assert Trials.load(path, SPACE).tids == [0, 1]
    # Resuming from the file completes the search.
    monkeypatch.undo()
    resumed = Trials()
    run(resumed, [], 4, trial_timeout=60.0, trials_save_file=str(path))
    assert resumed.tids == [0, 1, 2, 3]
    assert [t.params for t in resumed.records[:2]] == [{"x": 1.0}, {"x": 2.0}]


def test_a_keyboard_interrupt_inside_the_objective_stops_the_search_as_without_a_worker():
    trials = Trials()

    def interrupted(point):
        if point["x"] < 0:
            raise KeyboardInterrupt
        return point["x"]

    best = fmin(interrupted, SPACE, algo="rand", max_evals=5, trials=trials, rstate=0,
                show_progressbar=False, points_to_evaluate=_points(3.0, -1.0), trial_timeout=30)
    assert trials.tids == [0] and best == {"x": 3.0}


def test_same_candidates_as_the_serial_executor_even_with_tpe_and_faults():
    """Only where the objective runs changes: the proposals are the same.

    A trial that times out or dies in a worker is a failed trial, as one that raises
    serially, so even TPE (which ignores failed trials) proposes the same points.
    """

    def serial_objective(point):
        if point["x"] in (-9.0, -7.0):
            raise ValueError("fails serially")
        return point["x"] ** 2

    kwargs = {
        "algo": partial(tpe.suggest, n_startup_jobs=2),
        "max_evals": 9,
        "rstate": 5,
        "show_progressbar": False,
        "catch_eval_exceptions": True,
        "points_to_evaluate": _points(-9.0, 2.0, -7.0, 3.0),
    }
    serial, in_workers = Trials(), Trials()
    fmin(serial_objective, SPACE, trials=serial, **kwargs)
    fmin(faults_at_exact_points, SPACE, trials=in_workers, trial_timeout=1.0, **kwargs)
    assert [t.params for t in in_workers.records] == [t.params for t in serial.records]
    assert [t.state for t in in_workers.records] == [t.state for t in serial.records]
    assert [t.loss for t in in_workers.records] == [t.loss for t in serial.records]
    assert [t.result["failure"]["type"] for t in in_workers.records if t.loss is None] == [
        "TrialTimeout",
        "WorkerDied",
    ]
    COUNTS["faults injected (fmin trial_timeout: hang, exit, SIGKILL, raise)"] += 2


def test_an_unpicklable_objective_is_refused_before_any_evaluation():
    lock = threading.Lock()
    calls = []

    def holds_a_lock(point):
        calls.append(point)
        with lock:
            return 0.0

    with pytest.raises(TypeError, match="fn and space cannot be pickled"):
        fmin(holds_a_lock, SPACE, max_evals=2, show_progressbar=False, trial_timeout=5)
    assert calls == []


def test_trials_with_their_own_fmin_refuse_trial_timeout():
    class DelegatingTrials(Trials):  # as SparkTrials: the trials say where they run
        def executor_for(self, settings):
            return settings, SerialExecutor(settings.fn, settings.space)

    with pytest.raises(ValueError, match="trial_timeout=5 is not supported with DelegatingTrials"):
        fmin(sleep_or_die, SPACE, max_evals=2, trials=DelegatingTrials(), trial_timeout=5)


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (-1.0, ValueError), (float("nan"), ValueError), (float("inf"), ValueError),
     ("10", TypeError), (True, TypeError), ([1], TypeError)],
)
def test_invalid_trial_timeout_is_named_before_any_evaluation(value, error):
    calls = []
    with pytest.raises(error, match="trial_timeout"):
        fmin(lambda p: calls.append(p) or 0.0, SPACE, max_evals=2, trial_timeout=value)
    assert calls == []
