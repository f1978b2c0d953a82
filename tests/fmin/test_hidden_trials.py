"""Failed and cancelled trials in hyperopt's views: hidden where hyperopt hides them.

hyperopt's ``Trials`` shows only trials in ``JOB_VALID_STATES`` (new, running,
done): a trial whose objective raised (``catch_eval_exceptions=True``) or that
was cancelled is in ``_dynamic_trials`` but not in ``len(trials)``,
``trials.trials``, ``results``, ``losses()``... and ``fmin``'s ``max_evals``
counts the trials shown when the call starts plus every trial the call creates.
The same programs run here against hyperopt itself (installed with the dev
extra) and compare what both libraries show.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import skopt_hp
from skopt_hp import Trials, TrialState, hp
from skopt_hp.base import JOB_STATE_CANCEL, JOB_STATE_DONE, JOB_STATE_ERROR


def _scripted(*outcomes):
    """An objective whose n-th call returns ``outcomes[n]``, or raises where it is None."""
    calls = []

    def objective(x):
        calls.append(x)
        value = outcomes[len(calls) - 1]
        if value is None:
            raise ValueError(f"call {len(calls)} raises")
        return value

    return objective


def _views(trials) -> dict:
    """What a hyperopt program reads from its trials."""
    return {
        "len": len(trials),
        "n_docs": len(trials.trials),
        "iterated": [doc["tid"] for doc in trials],
        "tids": list(trials.tids),
        "losses": trials.losses(),
        "statuses": trials.statuses(),
        "results": [r.get("loss") for r in trials.results],
        "vals": dict(trials.vals),
        "synced_error": trials.count_by_state_synced(JOB_STATE_ERROR),
        "synced_done": trials.count_by_state_synced(JOB_STATE_DONE),
        "unsynced_error": trials.count_by_state_unsynced(JOB_STATE_ERROR),
        "all_states": [doc["state"] for doc in trials._dynamic_trials],
    }


def _run(lib, objective, max_evals, trials):
    lib.fmin(
        objective,
        lib.hp.uniform("x", 0, 1),
        algo=lib.rand.suggest,
        max_evals=max_evals,
        trials=trials,
        catch_eval_exceptions=True,
        return_argmin=False,
        show_progressbar=False,
        rstate=np.random.default_rng(0),
    )
    return trials


@pytest.fixture(scope="module")
def hyperopt():
    return pytest.importorskip("hyperopt")


def test_the_issue_example_gives_hyperopts_counts(hyperopt):
    # The objective returns 0.5, raises, returns 0.25: hyperopt shows 2 trials.
    ours = _run(skopt_hp, _scripted(0.5, None, 0.25), 3, Trials())
    theirs = _run(hyperopt, _scripted(0.5, None, 0.25), 3, hyperopt.Trials())
    assert (len(ours), len(ours.trials), ours.losses()) == (2, 2, [0.5, 0.25])
    assert _views(ours) == _views(theirs)
    assert [t.state for t in ours.records] == [
        TrialState.DONE,
        TrialState.ERROR,
        TrialState.DONE,
    ]
    assert ours.all_trials is ours._dynamic_trials
    assert ours.all_trials[1]["misc"]["error"] == ("ValueError", "call 2 raises")


def test_max_evals_counts_the_shown_trials_when_a_call_starts(hyperopt):
    # The first call makes 3 trials (max_evals counts every trial of the call), one failed;
    # a second call with max_evals=4 sees 2 shown trials and makes 2 more, one failed.
    counts = {}
    for lib in (skopt_hp, hyperopt):
        trials = _run(lib, _scripted(0.5, None, 0.25), 3, lib.Trials())
        first = (len(trials), len(trials._dynamic_trials))
        _run(lib, _scripted(None, 0.75), 4, trials)
        counts[lib.__name__] = (first, len(trials), len(trials._dynamic_trials))
    assert counts["skopt_hp"] == counts["hyperopt"] == ((2, 3), 3, 5)


def test_only_failures_give_empty_views_and_no_argmin(hyperopt):
    for lib in (skopt_hp, hyperopt):
        trials = _run(lib, _scripted(None, None, None, None), 4, lib.Trials())
        assert (len(trials), trials.trials, trials.losses()) == (0, [], [])
        assert trials.count_by_state_unsynced(JOB_STATE_ERROR) == 4
        assert lib.fmin(
            _scripted(None), lib.hp.uniform("x", 0, 1), algo=lib.rand.suggest, max_evals=1,
            catch_eval_exceptions=True, return_argmin=False, show_progressbar=False,
        ) is None


def test_a_trial_that_fails_later_leaves_the_views_and_reappears_if_completed():
    trials = Trials()
    a, b, c = (trials.new_trial({"x": v}) for v in (0.1, 0.2, 0.3))
    docs = trials.trials
    assert [d["tid"] for d in docs] == [0, 1, 2]  # NEW trials are shown, as in hyperopt
    trials.start(b)
    trials.fail(b, "boom", exc_type="ValueError")
    assert [d["tid"] for d in trials.trials] == [0, 2] and len(trials) == 2
    assert trials.tids == [0, 2] and trials.vals == {"x": [0.1, 0.3]}
    trials.cancel(a, "timeout")
    assert trials.tids == [2] and trials.count_by_state_unsynced(JOB_STATE_CANCEL) == 1
    # A record can be recorded again (a retried trial): it is shown again, in tid order.
    trials.complete(b, {"status": "ok", "loss": 1.0})
    assert [d["tid"] for d in trials.trials] == [1, 2]
    assert trials.trials[0]["result"]["loss"] == 1.0 and trials.best_trial["tid"] == 1
    assert [r.tid for r in trials.records] == [0, 1, 2]
    trials.complete(c, {"status": "ok", "loss": 0.5})
    assert trials.losses() == [1.0, 0.5] and trials.argmin == {"x": 0.3}


def test_documents_are_the_same_objects_in_both_lists_and_follow_their_trial():
    trials = Trials()
    t = trials.new_trial({"x": 0.1})
    doc = trials.trials[0]
    assert trials.all_trials[0] is doc
    trials.start(t)
    trials.complete(t, {"status": "ok", "loss": 2.0})
    assert trials.trials[0] is doc and doc["state"] == JOB_STATE_DONE
    assert doc["result"]["loss"] == 2.0


def test_views_survive_pickling_and_extend():
    trials = Trials()
    for value, fails in ((0.1, False), (0.2, True), (0.3, False)):
        t = trials.new_trial({"x": value})
        trials.start(t)
        if fails:
            trials.fail(t, "boom")
        else:
            trials.complete(t, {"status": "ok", "loss": value})
    copy = pickle.loads(pickle.dumps(trials))
    assert copy.tids == trials.tids == [0, 2]
    assert [d["tid"] for d in copy.all_trials] == [0, 1, 2]
    merged = Trials()
    merged.extend(trials.records)
    assert merged.losses() == [0.1, 0.3] and len(merged.records) == 3
    assert "n_failed_or_cancelled=1" in repr(merged)


def test_a_status_fail_result_is_a_finished_trial_and_stays_shown():
    trials = Trials()
    skopt_hp.fmin(
        lambda x: {"status": "fail"} if x > 0 else {"status": "ok", "loss": x},
        hp.uniform("x", -1, 1),
        algo=skopt_hp.rand.suggest,
        max_evals=10,
        trials=trials,
        rstate=0,
        show_progressbar=False,
    )
    assert len(trials) == 10 and "fail" in trials.statuses()
    assert trials.count_by_state_unsynced(JOB_STATE_ERROR) == 0
