"""hyperopt's module paths and fmin behaviours: skopt_hp.fmin, .base, .exceptions,
generate_trials_to_calculate, return_argmin=False without a successful trial."""

import importlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

import skopt_hp
from skopt_hp import STATUS_OK, Trials, TrialState, fmin, hp, rand, space_eval, tpe
from skopt_hp.early_stop import no_progress_loss
from skopt_hp.exceptions import (
    AllTrialsFailed,
    BadSearchSpace,
    DuplicateLabel,
    InvalidAnnotatedParameter,
    InvalidLoss,
    InvalidResultStatus,
    InvalidTrial,
)
from skopt_hp.fmin import generate_trials_to_calculate


def quiet(**kwargs):
    return {"show_progressbar": False, "rstate": np.random.default_rng(0), **kwargs}


# -- module paths ------------------------------------------------------------------------
def test_fmin_is_the_function_and_a_module_path():
    module = sys.modules["skopt_hp.fmin"]
    assert callable(skopt_hp.fmin) and skopt_hp.fmin is fmin
    assert module.fmin is fmin and module.space_eval is space_eval
    assert module.generate_trials_to_calculate is generate_trials_to_calculate
    package = importlib.import_module("skopt_hp")
    importlib.import_module("skopt_hp.fmin")  # importing it again must not rebind the attribute
    assert package.fmin is fmin
    assert importlib.import_module("skopt_hp.fmin") is module


def test_fmin_stays_the_function_when_the_module_is_imported_first():
    # A fresh interpreter whose first import is the module path, as hyperopt programs write.
    code = (
        "from skopt_hp.fmin import generate_trials_to_calculate, fmin as f\n"
        "import skopt_hp, skopt_hp.fmin\n"
        "assert skopt_hp.fmin is f and callable(skopt_hp.fmin), skopt_hp.fmin\n"
        "print(skopt_hp.fmin.__module__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "skopt_hp._fmin"


def test_base_has_hyperopts_states_and_statuses():
    from skopt_hp import base

    states = [base.JOB_STATE_NEW, base.JOB_STATE_RUNNING, base.JOB_STATE_DONE,
              base.JOB_STATE_ERROR, base.JOB_STATE_CANCEL]
    assert states == [0, 1, 2, 3, 4] == base.JOB_STATES
    assert base.JOB_VALID_STATES == {0, 1, 2}
    assert base.STATUS_STRINGS == ("new", "running", "suspended", "ok", "fail")
    assert base.Trials is Trials and base.STATUS_OK == STATUS_OK
    trials = Trials()
    fmin(lambda x: 1 / 0 if x > 0 else x, hp.uniform("x", -1, 1), algo=rand.suggest,
         max_evals=12, trials=trials, catch_eval_exceptions=True, **quiet())
    assert {doc["state"] for doc in trials.trials} == {base.JOB_STATE_DONE}
    states = {doc["state"] for doc in trials.all_trials}
    assert states == {base.JOB_STATE_DONE, base.JOB_STATE_ERROR}
    assert trials.count_by_state_unsynced(base.JOB_STATE_ERROR) == sum(
        doc["state"] == base.JOB_STATE_ERROR for doc in trials.all_trials
    )


def test_base_matches_hyperopts_values():
    hyperopt_base = pytest.importorskip("hyperopt.base")
    from skopt_hp import base

    for name in ("JOB_STATE_NEW", "JOB_STATE_RUNNING", "JOB_STATE_DONE", "JOB_STATE_ERROR",
                 "JOB_STATE_CANCEL", "JOB_STATES", "JOB_VALID_STATES", "STATUS_STRINGS"):
        assert getattr(base, name) == getattr(hyperopt_base, name), name


def test_miscs_to_idxs_vals_and_trials_from_docs_round_trip():
    from skopt_hp.base import miscs_to_idxs_vals, trials_from_docs

    space = {"k": hp.choice("k", [hp.uniform("a", 0, 1), 5])}
    trials = Trials()
    fmin(lambda p: 0.0, space, algo=rand.suggest, max_evals=8, trials=trials, **quiet())
    idxs, vals = miscs_to_idxs_vals(trials.miscs)
    assert (idxs, vals) == (trials.idxs, trials.vals)

    rebuilt = trials_from_docs(trials.trials)
    assert rebuilt.tids == trials.tids
    assert [t.params for t in rebuilt.records] == [t.params for t in trials.records]
    assert rebuilt.losses() == trials.losses()
    assert rebuilt.argmin == trials.argmin
    assert [doc["book_time"] for doc in rebuilt.trials] == [d["book_time"] for d in trials.trials]


@pytest.mark.parametrize(
    ("docs", "match"),
    [
        ([{"tid": 0, "state": 2}], r"docs\[0\] lacks the keys \['result', 'misc'\]"),
        ([{"tid": 0, "state": 9, "result": {"status": "ok"}, "misc": {"vals": {}}}],
         r"docs\[0\]\['state'\]"),
        ([{"tid": 0, "state": 2, "result": {"status": "good"}, "misc": {"vals": {}}}],
         r"docs\[0\]\['result'\]"),
        ([{"tid": 1, "state": 0, "result": {"status": "new"}, "misc": {"vals": {}}},
          {"tid": 1, "state": 0, "result": {"status": "new"}, "misc": {"vals": {}}}],
         r"docs\[1\]\['tid'\]=1 follows 1"),
        (["x"], r"docs\[0\] must be a dict"),
    ],
)
def test_trials_from_docs_names_the_bad_document(docs, match):
    from skopt_hp.base import trials_from_docs

    with pytest.raises(InvalidTrial, match=match):
        trials_from_docs(docs)


def test_exceptions_have_hyperopts_names_and_bases():
    assert issubclass(DuplicateLabel, BadSearchSpace)
    for cls in (BadSearchSpace, InvalidTrial, InvalidResultStatus, InvalidLoss,
                InvalidAnnotatedParameter, AllTrialsFailed):
        assert issubclass(cls, ValueError), cls
    error = pickle.loads(pickle.dumps(InvalidTrial("bad point", {"x": 1})))
    assert (str(error), error.obj) == ("bad point", {"x": 1})


# -- DuplicateLabel through fmin (hyperopt's test_duplicate_label_is_error) ------------------
def test_duplicate_label_raises_before_any_trial():
    calls = []
    trials = Trials()
    with pytest.raises(DuplicateLabel, match="'x'") as info:
        fmin(lambda xy: calls.append(xy) or 0.0,
             space=[hp.uniform("x", -5, 5), hp.uniform("x", -5, 5)],
             algo=rand.suggest, max_evals=5, trials=trials, **quiet())
    assert info.value.label == "x"
    assert calls == [] and len(trials) == 0


def test_one_node_used_twice_is_one_parameter_in_fmin():
    x = hp.uniform("x", -5, 5)
    seen = []
    best = fmin(lambda p: seen.append(p) or abs(p[0]), [x, {"again": x}], algo=rand.suggest,
                max_evals=6, **quiet())
    assert all(p[0] == p[1]["again"] for p in seen)
    assert set(best) == {"x"}


# -- generate_trials_to_calculate -----------------------------------------------------------
def test_generated_trials_are_new_and_evaluated_first_counting_towards_max_evals():
    points = [{"x": 1.0, "y": 2.0}, {"x": -3.0, "y": 0.5}]
    trials = generate_trials_to_calculate(points)
    assert len(trials) == 2
    assert [t.state for t in trials.records] == [TrialState.NEW] * 2
    assert [doc["misc"]["vals"] for doc in trials.trials] == [
        {"x": [1.0], "y": [2.0]}, {"x": [-3.0], "y": [0.5]}
    ]
    seen = []
    space = {"x": hp.uniform("x", -10, 10), "y": hp.uniform("y", -10, 10)}
    fmin(lambda p: seen.append(p) or p["x"] ** 2 + p["y"] ** 2, space, algo=tpe.suggest,
         max_evals=6, trials=trials, **quiet())
    assert seen[:2] == points
    assert len(seen) == len(trials) == 6
    assert trials.tids == list(range(6))
    assert all(t.state == TrialState.DONE for t in trials.records)


def test_early_stop_no_progress_loss_with_generated_trials():
    # hyperopt's test_early_stop_no_progress_loss: the point -100 (outside the bounds) is
    # the best loss forever, so no_progress_loss(10) stops after ten trials.
    trials = generate_trials_to_calculate([{"x": -100}])
    fmin(fn=lambda x: x, space=hp.uniform("x", -5, 5), algo=rand.suggest, max_evals=500,
         trials=trials, early_stop_fn=no_progress_loss(10), **quiet())
    assert len(trials) == 10
    assert trials.argmin == {"x": -100}


def test_generated_trials_beyond_max_evals_are_not_evaluated():
    trials = generate_trials_to_calculate([{"x": float(i)} for i in range(5)])
    seen = []
    fmin(lambda x: seen.append(x) or x, hp.uniform("x", -5, 5), algo=rand.suggest,
         max_evals=3, trials=trials, **quiet())
    assert seen == [0.0, 1.0, 2.0]
    assert len(trials) == 3


def test_generated_trials_with_choices_and_conditional_parameters():
    space = hp.choice("model", [{"C": hp.loguniform("C", -3, 3)}, {"depth": hp.randint("d", 10)}])
    trials = generate_trials_to_calculate([{"model": 1, "d": [7]}, {"model": 0, "C": 1.0}], space)
    seen = []
    fmin(lambda p: seen.append(p) or 0.0, space, algo=rand.suggest, max_evals=4,
         trials=trials, **quiet())
    assert seen[:2] == [{"depth": 7}, {"C": 1.0}]


def test_new_trials_after_finished_ones_are_queued_and_running_ones_dropped():
    space = hp.uniform("x", -5, 5)
    trials = Trials()
    fmin(lambda x: x ** 2, space, algo=rand.suggest, max_evals=3, trials=trials, **quiet())
    # A trial left RUNNING by an interrupted run, then a point queued by hand.
    trials.start(trials.new_trial({"x": 4.0}))
    trials.new_trial({"x": 0.25})
    seen = []
    fmin(lambda x: seen.append(x) or x ** 2, space, algo=rand.suggest, max_evals=5,
         trials=trials, **quiet())
    assert seen[0] == 0.25 and 4.0 not in seen
    assert len(seen) == 2 and len(trials) == 5


def test_points_to_evaluate_are_ignored_when_new_trials_are_queued(caplog):
    trials = generate_trials_to_calculate([{"x": 1.5}])
    seen = []
    with caplog.at_level("WARNING", logger="skopt_hp._fmin"):
        fmin(lambda x: seen.append(x) or x, hp.uniform("x", -5, 5), algo=rand.suggest,
             max_evals=2, trials=trials, points_to_evaluate=[{"x": -2.0}], **quiet())
    assert seen[0] == 1.5 and -2.0 not in seen
    assert "points_to_evaluate ignored" in caplog.text


@pytest.mark.parametrize(
    ("points", "space", "match"),
    [
        ({"x": 1.0}, None, "`points` must be a list of dicts"),
        ("x", None, "`points` must be a list of dicts"),
        ([{"x": 1.0}, 3], None, r"points\[1\] must be a dict"),
        ([{1: 1.0}], None, r"points\[0\] has labels that are not str"),
        ([{"x": [1.0, 2.0]}], None, r"points\[0\]: Label 'x': expected one value"),
        ([{"x": 1.0, "z": 2.0}], hp.uniform("x", 0, 1), r"points\[0\] has labels not in"),
        ([{"k": 3}], hp.choice("k", [1, 2]), r"expected an option index in \[0, 2\)"),
    ],
)
def test_generate_trials_to_calculate_names_the_bad_point(points, space, match):
    with pytest.raises(InvalidTrial, match=match):
        generate_trials_to_calculate(points, space)


def test_a_new_trial_outside_the_space_fails_before_anything_runs():
    trials = generate_trials_to_calculate([{"y": 1.0}])
    calls = []
    with pytest.raises(ValueError, match=r"state NEW is not a point of the space.*'y'"):
        fmin(lambda x: calls.append(x) or x, hp.uniform("x", 0, 1), algo=rand.suggest,
             max_evals=3, trials=trials, **quiet())
    assert calls == []
    assert [t.state for t in trials.records] == [TrialState.NEW]  # left as it was


# -- return_argmin=False when no trial succeeded ----------------------------------------------
def always_raises(x):
    raise RuntimeError("boom")


def test_return_argmin_false_without_a_successful_trial_returns_none():
    # hyperopt's test_catch_eval_exceptions_True / test_all_failed_trials.
    trials = Trials()
    best = fmin(always_raises, hp.uniform("x", 0, 1), algo=rand.suggest, max_evals=2,
                trials=trials, catch_eval_exceptions=True, return_argmin=False, **quiet())
    assert best is None
    assert [t.state for t in trials.records] == [TrialState.ERROR] * 2


def test_return_argmin_true_without_a_successful_trial_still_raises():
    with pytest.raises(AllTrialsFailed):
        fmin(always_raises, hp.uniform("x", 0, 1), algo=rand.suggest, max_evals=2,
             catch_eval_exceptions=True, **quiet())


def test_return_argmin_false_with_a_success_returns_the_evaluated_space():
    best = fmin(lambda x: x, hp.choice("x", [100, 5, 10]), algo=rand.suggest, max_evals=10,
                return_argmin=False, **quiet())
    assert best == 5
