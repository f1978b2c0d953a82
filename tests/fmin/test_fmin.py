"""fmin's semantics: budgets, stopping rules, failures, interrupts, reproducibility."""

import functools
import math

import numpy as np
import pytest

from skopt_hp import (
    STATUS_FAIL,
    STATUS_OK,
    AllTrialsFailed,
    Trials,
    TrialState,
    early_stop,
    fmin,
    hp,
    rand,
    tpe,
)
from skopt_hp.exceptions import InvalidLoss, InvalidResultStatus
from skopt_hp.samplers import RandomSampler

SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}


def quadratic(p):
    return (p["x"] - 1) ** 2 + (0.5 if p["c"] == "b" else 0.0)


def run(**kwargs):
    kwargs.setdefault("algo", tpe.suggest)
    kwargs.setdefault("show_progressbar", False)
    return fmin(kwargs.pop("fn", quadratic), kwargs.pop("space", SPACE), **kwargs)


def points(trials):
    return [t.params for t in trials.records]


def test_max_evals_counts_existing_trials_so_a_second_call_continues():
    trials = Trials()
    run(max_evals=8, trials=trials, rstate=0)
    first = points(trials)
    run(max_evals=15, trials=trials, rstate=1)
    assert len(trials) == 15
    assert points(trials)[:8] == first
    assert trials.tids == list(range(15))
    run(max_evals=10, trials=trials, rstate=2)  # already past: nothing runs
    assert len(trials) == 15


@pytest.mark.parametrize("algo", [tpe.suggest, rand.suggest, "tpe", "rand", RandomSampler()])
def test_same_rstate_gives_same_trials(algo):
    a, b, c = Trials(), Trials(), Trials()
    run(max_evals=25, trials=a, rstate=np.random.default_rng(7), algo=algo)
    run(max_evals=25, trials=b, rstate=7, algo=algo)
    run(max_evals=25, trials=c, rstate=8, algo=algo)
    assert points(a) == points(b)
    assert points(a) != points(c)


def test_tpe_focuses_on_the_optimum():
    trials = Trials()
    best = run(max_evals=60, trials=trials, rstate=3)
    assert abs(best["x"] - 1) < 0.3 and best["c"] == 0
    late = [abs(p["x"] - 1) for p in points(trials)[-20:]]
    early = [abs(p["x"] - 1) for p in points(trials)[:10]]
    assert np.median(late) < np.median(early)


def test_partial_suggest_with_hyperopt_arguments():
    algo = functools.partial(tpe.suggest, n_startup_jobs=5, n_EI_candidates=8, gamma=0.25,
                             prior_weight=1.0, linear_forgetting=25)
    a, b = Trials(), Trials()
    run(max_evals=12, trials=a, rstate=0, algo=algo)
    run(max_evals=12, trials=b, rstate=0, algo=rand.suggest)
    # Both draw the startup phase from the prior with the same seeds ...
    assert points(a)[:5] == points(b)[:5]
    # ... and TPE takes over after n_startup_jobs.
    assert points(a)[5:] != points(b)[5:]


def test_unknown_tpe_argument_is_named():
    with pytest.raises(TypeError, match="n_startup_job"):
        run(max_evals=2, algo=functools.partial(tpe.suggest, n_startup_job=3))


def test_points_to_evaluate_come_first_and_are_validated():
    trials = Trials()
    run(max_evals=5, trials=trials, rstate=0,
        points_to_evaluate=[{"x": 1.0, "c": 0}, {"x": -2.0, "c": 1}])
    assert points(trials)[:2] == [{"x": 1.0, "c": 0}, {"x": -2.0, "c": 1}]
    assert trials.argmin == {"x": 1.0, "c": 0}
    calls = []
    with pytest.raises(ValueError, match="'c'"):
        run(fn=lambda p: calls.append(p) or 0.0, max_evals=5,
            points_to_evaluate=[{"x": 1.0, "c": 7}])
    with pytest.raises(ValueError, match="'c'"):
        run(fn=lambda p: calls.append(p) or 0.0, max_evals=5, points_to_evaluate=[{"x": 1.0}])
    assert calls == []


def test_loss_threshold_stops_early():
    trials = Trials()
    run(fn=lambda p: 0.0 if len(trials) >= 3 else 1.0, max_evals=50, trials=trials,
        loss_threshold=0.5, rstate=0)
    assert len(trials) == 3


def test_timeout_stops_starting_new_trials():
    import time

    trials = Trials()

    def slow(p):
        time.sleep(0.05)
        return 0.0

    run(fn=slow, max_evals=1000, trials=trials, timeout=0.3, rstate=0)
    assert 2 <= len(trials) < 20
    assert all(t.state == TrialState.DONE for t in trials.records)


def test_early_stop_no_progress_loss():
    trials = Trials()
    run(fn=lambda p: 1.0, max_evals=100, trials=trials, rstate=0,
        early_stop_fn=early_stop.no_progress_loss(5))
    assert len(trials) == 5  # as hyperopt: the first trial counts as one without progress


def test_early_stop_fn_receives_its_previous_args():
    seen = []

    def stop_fn(trials, *args):
        seen.append(args)
        return len(trials) >= 3, [len(trials)]

    run(max_evals=10, rstate=0, early_stop_fn=stop_fn)
    assert seen == [(), (1,), (2,)]


def test_catch_eval_exceptions_records_failures_and_continues():
    trials = Trials()

    def flaky(p):
        if p["c"] == "b":
            raise RuntimeError("boom on b")
        return p["x"] ** 2

    best = run(fn=flaky, max_evals=20, trials=trials, rstate=0, catch_eval_exceptions=True)
    failed = [t for t in trials.records if t.state == TrialState.ERROR]
    # max_evals counts every trial of the call; hyperopt's len(trials) leaves failed ones out.
    assert failed and len(trials.records) == 20 and len(trials) == 20 - len(failed)
    assert all(t.result["status"] == STATUS_FAIL for t in failed)
    assert "boom on b" in failed[0].result["failure"]["message"]
    assert "RuntimeError" in failed[0].result["failure"]["traceback"]
    assert best["c"] == 0


def test_exception_propagates_and_keeps_finished_trials():
    trials = Trials()

    def fails_on_fifth(p):
        if len(trials) == 5:
            raise ValueError("fifth")
        return 1.0

    with pytest.raises(ValueError, match="fifth"):
        run(fn=fails_on_fifth, max_evals=10, trials=trials, rstate=0)
    assert len(trials) == 4
    # The trial that raised is kept as a failed trial (hidden from len(trials)), as hyperopt.
    states = [t.state for t in trials.records]
    assert states == [TrialState.DONE] * 4 + [TrialState.ERROR]
    assert "fifth" in trials.records[-1].result["failure"]["message"]


def test_keyboard_interrupt_keeps_finished_trials_and_returns_best():
    trials = Trials()
    calls = []

    def interrupted(p):
        calls.append(p)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return p["x"] ** 2

    best = run(fn=interrupted, max_evals=10, trials=trials, rstate=0)
    assert len(trials) == 4
    assert best == trials.argmin
    # Continuing works after the interrupt.
    run(max_evals=6, trials=trials, rstate=1)
    assert len(trials) == 6 and trials.tids == list(range(6))


def test_keyboard_interrupt_before_any_result_is_reraised():
    def interrupted(p):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(fn=interrupted, max_evals=3)


def test_dict_results_keep_extra_keys_and_fail_status():
    trials = Trials()

    def objective(p):
        if p["c"] == "b":
            return {"status": STATUS_FAIL, "why": "b is forbidden"}
        return {"loss": p["x"] ** 2, "status": STATUS_OK, "attachment": [1, 2]}

    run(fn=objective, max_evals=15, trials=trials, rstate=0)
    oks = [r for r in trials.results if r["status"] == STATUS_OK]
    fails = [r for r in trials.results if r["status"] == STATUS_FAIL]
    assert oks and fails
    assert all(r["attachment"] == [1, 2] for r in oks)
    assert all(r["why"] == "b is forbidden" for r in fails)
    assert trials.argmin["c"] == 0


@pytest.mark.parametrize(
    ("value", "error"),
    [({"loss": 1.0}, InvalidResultStatus), ({"status": "ok"}, InvalidLoss),
     ("1.0", InvalidResultStatus), ({"loss": "x", "status": "ok"}, InvalidLoss)],
)
def test_invalid_results_raise_or_are_recorded(value, error):
    with pytest.raises(error):
        run(fn=lambda p: value, max_evals=2)
    trials = Trials()
    with pytest.raises(AllTrialsFailed):
        run(fn=lambda p: value, max_evals=2, trials=trials, catch_eval_exceptions=True)
    assert [t.state for t in trials.records] == [TrialState.ERROR] * 2
    assert trials.records[0].result["failure"]["type"] == error.__name__


@pytest.mark.parametrize("loss", [math.nan, math.inf])
def test_non_finite_loss_is_a_failed_trial(loss):
    trials = Trials()
    best = run(fn=lambda p: loss if p["c"] == "b" else 1.0, max_evals=10, trials=trials, rstate=0)
    bad = [t for t in trials.records if t.params["c"] == 1]
    assert bad and all(t.result["status"] == STATUS_FAIL for t in bad)
    assert best["c"] == 0


def test_return_argmin_false_gives_the_evaluated_point():
    best = run(max_evals=10, rstate=0, return_argmin=False)
    assert set(best) == {"x", "c"} and best["c"] in ("a", "b")


def test_max_queue_len_proposes_batches():
    trials = Trials()
    run(max_evals=30, trials=trials, rstate=0, max_queue_len=4)
    assert len(trials) == 30
    assert len({round(p["x"], 12) for p in points(trials)}) == 30


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_evals": -1}, "max_evals"),
        ({"max_evals": 2.5}, "max_evals"),
        ({"max_evals": 5, "timeout": 0}, "timeout"),
        ({"max_evals": 5, "loss_threshold": "low"}, "loss_threshold"),
        ({"max_evals": 5, "max_queue_len": 0}, "max_queue_len"),
        ({"max_evals": 5, "rstate": np.random.RandomState(0)}, "rstate"),
        ({"max_evals": 5, "algo": "annealing"}, "algo"),
        ({"max_evals": 5, "algo": print}, "algo"),
        ({"max_evals": 5, "trials": []}, "trials"),
        ({"max_evals": 5, "early_stop_fn": 3}, "early_stop_fn"),
    ],
)
def test_invalid_arguments_are_named_before_any_evaluation(kwargs, match):
    calls = []
    with pytest.raises((TypeError, ValueError), match=match):
        run(fn=lambda p: calls.append(p) or 0.0, **kwargs)
    assert calls == []


def test_fn_must_be_callable():
    with pytest.raises(TypeError, match="fn must be callable"):
        fmin(3, SPACE, max_evals=2)


def test_trials_fmin_method():
    trials = Trials()
    best = trials.fmin(quadratic, SPACE, algo=rand.suggest, max_evals=5, rstate=0,
                       show_progressbar=False)
    assert len(trials) == 5 and best == trials.argmin


def test_progress_bar_callable_receives_updates():
    import contextlib

    updates = []

    class Bar:
        postfix = None

        def set_postfix_str(self, text, refresh=True):
            self.postfix = text

        def update(self, n):
            updates.append((n, self.postfix))

    @contextlib.contextmanager
    def factory(initial, total):
        assert (initial, total) == (0, 4)
        yield Bar()

    run(max_evals=4, rstate=0, show_progressbar=factory)
    assert len(updates) == 4 and all(text.startswith("best loss: ") for _, text in updates)


def test_no_progress_loss_validates_its_arguments():
    with pytest.raises(ValueError, match="iteration_stop_count"):
        early_stop.no_progress_loss(0)
    with pytest.raises(ValueError, match="percent_increase"):
        early_stop.no_progress_loss(3, percent_increase=-1)
