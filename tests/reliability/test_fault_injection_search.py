"""HyperoptSearchCV under injected faults: failing fits, NaN/inf scores, killed workers.

Each healthy candidate's cross-validation score is recomputed here by hand
(the estimator predicts the training mean plus ``shift``), so the test checks
the scores, the failures and the best candidate independently of scikit-learn's
bookkeeping.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from _reliability_helpers import COUNTS, FAULTY, MeanRegressor, echo_or_die
from joblib.externals.loky.process_executor import TerminatedWorkerError
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import KFold

from skopt_hp import HyperoptSearchCV, TrialState, hp

SPACE = {"shift": hp.uniform("shift", -3, 3), "fault": hp.randint("fault", 10)}
CV = KFold(3)


def _data():
    return make_regression(n_samples=60, n_features=3, noise=1.0, random_state=0)


def _cv_score(X, y, shift):
    """The mean test score of ``MeanRegressor(shift=shift)``: minus the MSE, by hand."""
    scores = []
    for train, test in CV.split(X):
        prediction = y[train].mean() + shift
        scores.append(-np.mean((prediction - y[test]) ** 2))
    return float(np.mean(scores))


def _check_scores_and_best(search, X, y):
    """Healthy rows have their independent scores; faulty ones failed; the best is right."""
    results = search.cv_results_
    params, scores = results["params"], results["mean_test_score"]
    assert len(params) == len(search.trials_) == search.n_iter
    healthy = {}
    for i, (trial, candidate) in enumerate(zip(search.trials_.records, params, strict=True)):
        assert trial.result["cv_index"] == i
        if candidate["fault"] in FAULTY:
            assert trial.state == TrialState.DONE and trial.status == "fail"
            assert trial.loss is None
            assert trial.result["failure"]["message"]
        else:
            healthy[i] = _cv_score(X, y, candidate["shift"])
            assert scores[i] == pytest.approx(healthy[i], rel=1e-12)
            assert trial.loss == pytest.approx(-healthy[i], rel=1e-12)
    best = max(healthy, key=healthy.get)
    assert search.best_index_ == best
    assert search.best_params_ == params[best]
    assert search.best_score_ == pytest.approx(healthy[best], rel=1e-12)
    assert search.best_estimator_.mean_ == pytest.approx(y.mean() + params[best]["shift"])
    n_faulty = len(params) - len(healthy)
    COUNTS["faults injected (HyperoptSearchCV candidates)"] += n_faulty
    return n_faulty


@pytest.mark.parametrize(
    ("kind", "algo", "scoring"),
    [
        ("raise", "rand", None),
        ("raise", "tpe", None),
        ("predict nan", "rand", "neg_mean_squared_error"),
        ("score nan", "rand", None),
        ("score inf", "rand", None),
    ],
)
def test_faulty_candidates_fail_and_the_best_is_the_best_healthy_one(kind, algo, scoring):
    X, y = _data()
    search = HyperoptSearchCV(
        MeanRegressor(kind=kind),
        SPACE,
        n_iter=20,
        n_points=4,
        cv=CV,
        algo=algo,
        scoring=scoring,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    n_faulty = _check_scores_and_best(search, X, y)
    assert 0 < n_faulty < 20
    messages = " ".join(str(w.message) for w in caught)
    if kind == "raise":
        assert any(issubclass(w.category, FitFailedWarning) for w in caught)
        assert "injected fit failure" in messages
    elif kind == "predict nan":
        assert "Scoring failed" in messages
    assert "non-finite" in messages


def test_a_score_that_is_not_a_number_raises_and_keeps_the_finished_rounds():
    # scikit-learn (RandomizedSearchCV too) treats this as a programming error, not a
    # failed fit: it raises. The rounds finished before are kept, and can be continued.
    X, y = _data()
    space = {"shift": hp.uniform("shift", -3, 3), "fault": hp.choice("fault", [0, 0, 0, 2])}
    search = HyperoptSearchCV(
        MeanRegressor(kind="score none"), space, n_iter=12, n_points=2, cv=CV, algo="rand",
        random_state=3,
    )
    with pytest.raises(ValueError, match="scoring must return a number"):
        search.fit(X, y)
    kept = len(search.trials_)
    assert kept == len(search.cv_results_["params"]) > 0
    assert all(t.state == TrialState.DONE for t in search.trials_.records)
    search.set_params(estimator=MeanRegressor(), warm_start=True).fit(X, y)
    assert len(search.trials_) == 12
    COUNTS["faults injected (HyperoptSearchCV candidates)"] += 1


# -- worker processes killed by a fit (loky) ---------------------------------------------
def test_a_fit_killing_its_worker_fails_that_candidate_only():
    """n_jobs=2: the killer candidate fails with the worker's death, the others keep scores.

    The same search with a fit that raises instead proposes the same candidates and
    gives the same scores (TPE too): a death is handled exactly as a failed fit.
    """
    X, y = _data()
    space = {"shift": hp.uniform("shift", -3, 3), "fault": hp.choice("fault", [0, 0, 0, 2])}
    # One round of 4 candidates, the second of which kills its worker (random_state=7).
    settings = {"n_iter": 4, "n_points": 4, "cv": CV, "random_state": 7}
    killed = HyperoptSearchCV(MeanRegressor(kind="exit"), space, n_jobs=2, **settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        killed.fit(X, y)
    assert [p["fault"] for p in killed.cv_results_["params"]] == [0, 2, 0, 0]
    n_faulty = _check_scores_and_best(killed, X, y)
    dead = [t for t in killed.trials_.records if t.status == "fail"]
    assert all("killed its worker process" in t.result["failure"]["message"] for t in dead)
    assert all(t.result["failure"]["type"] == "WorkerDied" for t in dead)
    assert all("EXIT(3)" in t.result["failure"]["message"] for t in dead)
    assert any(
        issubclass(w.category, FitFailedWarning) and "killed its worker" in str(w.message)
        for w in caught
    )
    COUNTS["worker processes killed (HyperoptSearchCV)"] += n_faulty

    raised = HyperoptSearchCV(MeanRegressor(kind="raise"), space, n_jobs=1, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raised.fit(X, y)
    assert raised.cv_results_["params"] == killed.cv_results_["params"]
    np.testing.assert_array_equal(
        raised.cv_results_["mean_test_score"], killed.cv_results_["mean_test_score"]
    )


def test_a_killed_worker_with_error_score_raise_propagates():
    X, y = _data()
    search = HyperoptSearchCV(
        MeanRegressor(kind="exit"),
        {"fault": hp.choice("fault", [2])},
        n_iter=2,
        n_points=2,
        cv=CV,
        n_jobs=2,
        error_score="raise",
    )
    with pytest.raises(TerminatedWorkerError):
        search.fit(X, y)
    COUNTS["worker processes killed (HyperoptSearchCV)"] += 1


def test_every_candidate_killing_its_worker_is_scikit_learns_all_fits_failed_error():
    X, y = _data()
    search = HyperoptSearchCV(
        MeanRegressor(kind="exit"), {"fault": hp.choice("fault", [2])}, n_iter=1, cv=CV, n_jobs=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        with pytest.raises(ValueError, match="All the 3 fits failed") as info:
            search.fit(X, y)
    assert "killed its worker process" in str(info.value)
    COUNTS["worker processes killed (HyperoptSearchCV)"] += 1


def test_tasks_left_by_a_worker_death_are_discarded_before_the_next_call():
    """joblib 1.6 keeps an aborted call's undispatched batches for the next call.

    BaseSearchCV.fit keeps one Parallel for the whole search: without
    discard_aborted_tasks, the first call after a worker's death runs the stale
    tasks first and returns their results with its own, misaligning cv_results_.
    With pre_dispatch=1, joblib runs the first task alone; when it completes, it
    pulls two batches, queues them and dispatches the first, holding the killer:
    the other batch is deterministically left in the queue.
    """
    from joblib import Parallel, delayed

    from skopt_hp._sklearn_compat import discard_aborted_tasks

    with Parallel(n_jobs=2, pre_dispatch=1) as parallel:
        with pytest.raises(TerminatedWorkerError):
            parallel(delayed(echo_or_die)(i, i == 21) for i in range(20, 30))
        assert parallel._ready_batches.qsize() == 1  # the joblib behaviour worked around

        def evaluate_candidates():  # holds `parallel` in its closure, as scikit-learn's does
            return parallel

        discard_aborted_tasks(evaluate_candidates)
        assert parallel(delayed(echo_or_die)(i, False) for i in range(3)) == [0, 1, 2]
    COUNTS["worker processes killed (joblib)"] += 1


def test_refitting_best_params_by_hand_matches_best_estimator():
    X, y = _data()
    search = HyperoptSearchCV(
        MeanRegressor(kind="raise"), SPACE, n_iter=8, cv=CV, algo="rand", random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    manual = clone(MeanRegressor(kind="raise")).set_params(**search.best_params_).fit(X, y)
    assert math.isclose(manual.mean_, search.best_estimator_.mean_)
