"""Details of hyperopt's API that programs rely on: algorithm options, stopping counts,
progress callbacks, Trials helpers, ``space="annotated"``."""

import contextlib
import functools
import io
import logging

import numpy as np
import pytest

from skopt_hp import (
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
from skopt_hp.exceptions import InvalidAnnotatedParameter

SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}


def quadratic(p):
    return (p["x"] - 1) ** 2 + (0.5 if p["c"] == "b" else 0.0)


def run(**kwargs):
    kwargs.setdefault("algo", rand.suggest)
    kwargs.setdefault("show_progressbar", False)
    return fmin(kwargs.pop("fn", quadratic), kwargs.pop("space", SPACE), **kwargs)


# -- tpe.suggest's hyperopt options ----------------------------------------------------
def test_tpe_gamma_is_hyperopts_capped_square_root_split():
    sampler = tpe._factory(gamma=0.25)
    # hyperopt: n_below = min(ceil(gamma * sqrt(n)), 25)
    assert [sampler.gamma(n) for n in (1, 16, 100, 10_000, 10**6)] == [1, 1, 3, 25, 25]
    assert tpe._factory(gamma=lambda n: 4).gamma(100) == 4


def test_tpe_hyperopt_names_are_translated():
    sampler = tpe._factory(n_startup_jobs=7, n_EI_candidates=5, prior_weight=2.0,
                           linear_forgetting=3, verbose=True)
    assert (sampler.n_startup_trials, sampler.n_ei_candidates, sampler.prior_weight) == (7, 5, 2.0)
    np.testing.assert_allclose(sampler.weights(5), [0.2, 1.0, 1.0, 1.0, 1.0])
    # TPESampler's own names work too.
    assert tpe._factory(multivariate=False).multivariate is False


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_startup_jobs": 3, "n_startup_trials": 4}, TypeError, "n_startup_jobs and n_startup"),
        ({"gamma": 0}, ValueError, "gamma"),
        ({"gamma": "0.25"}, ValueError, "gamma"),
        ({"linear_forgetting": 0}, ValueError, "linear_forgetting"),
        ({"n_ei_candidate": 3}, TypeError, r"\['n_ei_candidate'\]"),
    ],
)
def test_tpe_bad_options_are_named(kwargs, error, match):
    calls = []
    with pytest.raises(error, match=match):
        run(fn=lambda p: calls.append(p) or 0.0, max_evals=3,
            algo=functools.partial(tpe.suggest, **kwargs))
    assert calls == []


def test_suggest_can_be_called_as_hyperopt_calls_it():
    trials = Trials()
    run(max_evals=3, trials=trials, rstate=0)
    points = tpe.suggest([3, 4], SPACE, trials, 123, n_startup_jobs=1)
    assert len(points) == 2 and all(set(p) == {"x", "c"} for p in points)
    assert points == tpe.suggest([3, 4], SPACE, trials, 123, n_startup_jobs=1)


# -- early stopping counts as hyperopt's ------------------------------------------------
@pytest.mark.parametrize(("stop_count", "percent"), [(1, 0.0), (3, 0.0), (3, 10.0), (4, 0.0)])
def test_no_progress_loss_stops_at_the_same_trial_as_hyperopt(stop_count, percent):
    hyperopt = pytest.importorskip("hyperopt")
    pytest.importorskip("hyperopt.early_stop")
    losses = [5.0, 4.0, 4.1, 3.0, 2.8, 3.2, 3.9, 2.0, 2.1, 2.05, 2.2, 2.3, 2.4, 2.5, 2.6]

    def n_trials(lib):
        trials = lib.Trials()
        lib.fmin(lambda p: losses[len(trials.trials) - 1], lib.hp.uniform("x", 0, 1),
                 algo=lib.rand.suggest, max_evals=len(losses), trials=trials,
                 rstate=np.random.default_rng(0), show_progressbar=False,
                 early_stop_fn=lib.early_stop.no_progress_loss(stop_count, percent))
        return len(trials.trials)

    import skopt_hp

    assert n_trials(skopt_hp) == n_trials(hyperopt) < len(losses)


def test_no_progress_loss_counts_failed_trials_as_no_progress():
    trials = Trials()
    run(fn=lambda p: {"status": "fail"} if len(trials) > 1 else 1.0, max_evals=50,
        trials=trials, rstate=0, early_stop_fn=early_stop.no_progress_loss(4))
    assert len(trials) == 4


# -- progress callbacks -----------------------------------------------------------------
def test_hyperopts_own_progress_callbacks_work():
    hyperopt_progress = pytest.importorskip("hyperopt.progress")
    trials = Trials()
    run(max_evals=3, trials=trials, rstate=0,
        show_progressbar=hyperopt_progress.no_progress_callback)
    assert len(trials) == 3


def test_progress_callback_yielding_an_object_with_update_only():
    seen = []

    class Ctx:
        def update(self, n):
            seen.append((n, getattr(self, "postfix", None)))

    @contextlib.contextmanager
    def callback(initial, total):
        yield Ctx()

    run(max_evals=3, rstate=0, show_progressbar=callback)
    assert [n for n, _ in seen] == [1, 1, 1]
    assert all(postfix.startswith("best loss: ") for _, postfix in seen)


def test_tqdm_bar_reports_the_best_loss(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    bars = []

    class RecordingTqdm(tqdm_auto.tqdm):
        def __init__(self, *args, **kwargs):
            kwargs.update(disable=False, file=io.StringIO())
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(tqdm_auto, "tqdm", RecordingTqdm)
    run(max_evals=4, rstate=0, show_progressbar=True)
    assert len(bars) == 1 and bars[0].n == 4 and bars[0].total == 4
    assert "best loss: " in bars[0].postfix


# -- Trials helpers ---------------------------------------------------------------------
def test_count_by_state_and_refresh():
    trials = Trials()

    def sometimes_raises(p):
        if p["c"] == "b":
            raise ValueError("no b")
        return 0.0

    run(fn=sometimes_raises, max_evals=12, trials=trials, rstate=0, catch_eval_exceptions=True)
    n_error = sum(t.state == TrialState.ERROR for t in trials.records)
    assert 0 < n_error < 12
    assert trials.count_by_state_unsynced(TrialState.DONE) == 12 - n_error
    assert trials.count_by_state_unsynced(3) == n_error
    # As hyperopt: "synced" counts what trials.trials shows, which leaves failed trials out.
    assert trials.count_by_state_synced(3) == 0
    assert trials.count_by_state_synced([2, 3]) == 12 - n_error
    assert trials.count_by_state_unsynced([2, 3]) == 12
    assert trials.count_by_state_synced(2, trials=trials.trials[:1]) in (0, 1)
    with pytest.raises(ValueError, match="9"):
        trials.count_by_state_unsynced(9)
    with pytest.raises(TypeError, match="arg"):
        trials.count_by_state_unsynced("DONE")
    trials.refresh()
    assert len(trials) == 12 - n_error and len(trials.records) == 12


def test_failed_trial_document_has_hyperopts_misc_error():
    trials = Trials()
    with pytest.raises(AllTrialsFailed):
        run(fn=lambda p: 1 / 0, max_evals=1, trials=trials, catch_eval_exceptions=True)
    assert trials.trials == [] and len(trials) == 0  # failed trials are hidden, as in hyperopt
    doc = trials.all_trials[0]
    assert trials._dynamic_trials == [doc]  # hyperopt's name, read by code looking for failures
    assert doc["state"] == 3
    assert doc["misc"]["error"] == ("ZeroDivisionError", "division by zero")


def test_idxs_vals_attachments_and_delete_all():
    trials = Trials()
    run(max_evals=3, trials=trials, rstate=0)
    idxs, vals = trials.idxs_vals
    assert idxs == trials.idxs and vals == trials.vals and idxs["x"] == [0, 1, 2]
    doc = trials.trials[1]
    att = trials.trial_attachments(doc)
    att["model"] = b"weights"
    assert "model" in att and att["model"] == b"weights" and list(att) == ["model"]
    assert trials.attachments == {"ATTACH::1::model": b"weights"}
    del att["model"]
    assert len(att) == 0
    att["again"] = 1
    trials.delete_all()
    assert len(trials) == 0 and trials.attachments == {}


def test_trials_fmin_takes_hyperopts_positional_arguments():
    trials = Trials()
    best = trials.fmin(quadratic, SPACE, rand.suggest, 4, None, None, 1, 0,
                       show_progressbar=False)
    assert len(trials) == 4 and best == trials.argmin


def test_trials_are_picklable_after_a_search():
    import pickle

    trials = Trials()
    run(max_evals=5, trials=trials, rstate=0, algo=tpe.suggest)
    copy = pickle.loads(pickle.dumps(trials))
    assert copy.trials == trials.trials and copy.argmin == trials.argmin
    run(max_evals=8, trials=copy, rstate=1)
    assert len(copy) == 8


# -- fmin details -----------------------------------------------------------------------
def test_annotated_space_reads_fn_annotations():
    def objective(x: hp.uniform("x", -2, 2), k: hp.choice("k", [1, 10])) -> float:
        return x**2 * k

    trials = Trials()
    best = fmin(objective, "annotated", algo=tpe.suggest, max_evals=10, trials=trials,
                rstate=0, show_progressbar=False)
    assert set(best) == {"x", "k"} and best == trials.argmin
    assert fmin(objective, "annotated", algo=rand.suggest, max_evals=3, rstate=0,
                show_progressbar=False, return_argmin=False).keys() == {"x", "k"}


def test_annotated_space_without_hp_annotations_is_named():
    def objective(x: float, y: hp.uniform("y", 0, 1)):
        return x

    with pytest.raises(InvalidAnnotatedParameter, match="'x'"):
        fmin(objective, "annotated", max_evals=2)


def test_points_to_evaluate_are_ignored_with_existing_trials(caplog):
    trials = Trials()
    run(max_evals=2, trials=trials, rstate=0)
    with caplog.at_level(logging.WARNING, logger="skopt_hp._fmin"):
        run(max_evals=3, trials=trials, rstate=0, points_to_evaluate=[{"x": 0.5, "c": 0}])
    assert trials.records[2].params != {"x": 0.5, "c": 0}
    assert "points_to_evaluate ignored" in caplog.text


def test_objective_may_return_numpy_scalars_and_extra_result_keys():
    trials = Trials()
    run(fn=lambda p: {"loss": np.float32(p["x"] ** 2), "status": STATUS_OK,
                      "n_iter": np.int64(3)}, max_evals=3, trials=trials, rstate=0)
    assert all(type(loss) is float for loss in trials.losses())
    assert trials.results[0]["n_iter"] == 3
