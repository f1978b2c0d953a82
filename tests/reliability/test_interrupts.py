"""KeyboardInterrupt during fmin and HyperoptSearchCV.fit: finished work is kept and resumable."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from _reliability_helpers import COUNTS, MeanRegressor, quadratic
from sklearn.base import clone
from sklearn.datasets import make_regression
from sklearn.model_selection import KFold, cross_val_score

import skopt_hp._journal as journal_module
from skopt_hp import HyperoptSearchCV, Trials, TrialState, fmin, hp

SPACE = {"x": hp.uniform("x", -5, 5), "c": hp.choice("c", ["a", "b"])}
MAX_EVALS = 12


class InterruptAt:
    """``quadratic``, raising KeyboardInterrupt on call ``k`` (1-based), i.e. in trial k-1."""

    def __init__(self, k: int):
        self.k = k
        self.calls = 0

    def __call__(self, point):
        self.calls += 1
        if self.calls == self.k:
            raise KeyboardInterrupt
        return quadratic(point)


def _fmin(fn, trials, path, rstate, max_evals=MAX_EVALS):
    return fmin(fn, SPACE, algo="tpe", max_evals=max_evals, trials=trials, rstate=rstate,
                show_progressbar=False, trials_save_file=str(path))


@pytest.mark.parametrize("k", [1, 2, 5, MAX_EVALS])
def test_fmin_interrupted_at_trial_k_keeps_k_minus_1_trials_and_resumes(tmp_path, k):
    path = tmp_path / "trials.json"
    trials = Trials()
    if k == 1:  # nothing finished: the interrupt is re-raised (an empty checkpoint is kept)
        with pytest.raises(KeyboardInterrupt):
            _fmin(InterruptAt(k), trials, path, 0)
        assert len(trials) == 0 and len(Trials.load(path, SPACE)) == 0
    else:
        best = _fmin(InterruptAt(k), trials, path, 0)
        assert trials.tids == list(range(k - 1))
        assert all(t.state == TrialState.DONE for t in trials.records)
        assert best == trials.argmin
        assert Trials.load(path, SPACE).tids == list(range(k - 1))
    kept = [t.params for t in trials.records]
    # A new process: fresh Trials, the same file; the search reaches max_evals.
    resumed = Trials()
    _fmin(quadratic, resumed, path, 1)
    assert resumed.tids == list(range(MAX_EVALS))
    assert [t.params for t in resumed.records[: k - 1]] == kept
    lost = sum(a != b.params for a, b in zip(kept, resumed.records[: len(kept)], strict=True))
    COUNTS["interrupts (fmin)"] += 1
    COUNTS["trials lost"] += lost
    assert lost == 0


@pytest.mark.parametrize("repeat", [False, True], ids=["once", "every save after"])
def test_fmin_interrupted_while_checkpointing_never_corrupts_the_file(
    tmp_path, monkeypatch, repeat
):
    """Ctrl-C lands inside the append of the 5th trial's line, half of it written.

    Once: the half line is cut off, fmin's interrupt handler saves again, and every
    finished trial is on disk. Repeated (every later append interrupted too): fmin
    re-raises; the file holds the 4 trials appended before, without a torn line, and
    nothing else is lost from memory.
    """
    path = tmp_path / "trials.json"
    real_write_all = journal_module._write_all
    appends = []

    def interrupted_write(fd, data):
        if not data.startswith(b'{"event"'):  # the header, written when the run starts
            return real_write_all(fd, data)
        appends.append(data)
        if len(appends) == 5 or (repeat and len(appends) > 5):
            real_write_all(fd, data[: len(data) // 2])
            raise KeyboardInterrupt
        return real_write_all(fd, data)

    monkeypatch.setattr(journal_module, "_write_all", interrupted_write)
    trials = Trials()
    if repeat:
        with pytest.raises(KeyboardInterrupt):
            _fmin(quadratic, trials, path, 0)
    else:
        _fmin(quadratic, trials, path, 0)
    monkeypatch.undo()
    assert trials.tids == list(range(5))  # the trial was recorded before its save
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no torn line left behind
        on_disk = Trials.load(path, SPACE)
    assert on_disk.tids == (list(range(4)) if repeat else list(range(5)))
    assert path.read_bytes().endswith(b"\n")
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # temp files removed
    resumed = Trials()
    _fmin(quadratic, resumed, path, 1)
    assert resumed.tids == list(range(MAX_EVALS))
    COUNTS["interrupts (fmin, during a checkpoint write)"] += 1


# -- HyperoptSearchCV ---------------------------------------------------------------------
class InterruptingRegressor(MeanRegressor):
    """Raises KeyboardInterrupt in its ``n``-th fit (a class counter: n_jobs=1 only)."""

    n_fits = 0
    interrupt_at = 0

    def fit(self, X, y):
        type(self).n_fits += 1
        if type(self).n_fits == type(self).interrupt_at:
            raise KeyboardInterrupt
        return super().fit(X, y)


SEARCH_SPACE = {"shift": hp.uniform("shift", -3, 3)}


def _search(estimator, **kwargs):
    settings = {"n_iter": 9, "n_points": 3, "cv": KFold(3), "random_state": 0, "n_jobs": 1}
    return HyperoptSearchCV(estimator, SEARCH_SPACE, **{**settings, **kwargs})


@pytest.mark.parametrize("round_index", [0, 1, 2])
def test_search_interrupted_in_round_r_keeps_rounds_before_it_and_can_continue(round_index):
    X, y = make_regression(n_samples=60, n_features=3, noise=1.0, random_state=0)
    InterruptingRegressor.n_fits = 0
    # 3 candidates x 3 folds per round; interrupt in the middle of round `round_index`.
    InterruptingRegressor.interrupt_at = round_index * 9 + 5
    search = _search(InterruptingRegressor(), warm_start=True)
    try:
        with pytest.raises(KeyboardInterrupt):
            search.fit(X, y)
    finally:
        InterruptingRegressor.interrupt_at = 0
    n_kept = 3 * round_index
    assert len(search.trials_) == n_kept
    assert all(t.state == TrialState.DONE for t in search.trials_.records)
    assert not hasattr(search, "best_estimator_")
    if n_kept:
        results = search.cv_results_
        assert len(results["params"]) == n_kept
        best = int(np.argmax(results["mean_test_score"]))
        assert search.best_index_ == best and search.best_params_ == results["params"][best]
        # Refitting best_params_ by hand works and scores as cross-validation said.
        manual = clone(MeanRegressor()).set_params(**search.best_params_)
        score = cross_val_score(manual, X, y, cv=KFold(3)).mean()
        assert score == pytest.approx(search.best_score_, rel=1e-12)
        assert manual.fit(X, y).predict(X).shape == (len(X),)
    else:
        assert not hasattr(search, "cv_results_")
    kept = [t.params for t in search.trials_.records]
    # Continuing (warm_start) fits only the missing candidates (3 folds each, and the
    # refit), and equals a search that was never interrupted.
    InterruptingRegressor.n_fits = 0
    search.fit(X, y)
    assert InterruptingRegressor.n_fits == (9 - n_kept) * 3 + 1
    assert [t.params for t in search.trials_.records[:n_kept]] == kept
    uninterrupted = _search(MeanRegressor()).fit(X, y)
    assert search.cv_results_["params"] == uninterrupted.cv_results_["params"]
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], uninterrupted.cv_results_["mean_test_score"]
    )
    assert search.best_params_ == uninterrupted.best_params_
    COUNTS["interrupts (HyperoptSearchCV)"] += 1


def test_search_interrupted_during_a_worker_death_rerun_continues_consistently(monkeypatch):
    """An interrupt between the one-by-one calls that follow a worker's death.

    The rows those calls added must not survive in the warm-start history, whose row i
    must stay trial i; simulated here without processes by raising from the rerun.
    """
    import skopt_hp._search as search_module

    X, y = make_regression(n_samples=60, n_features=3, noise=1.0, random_state=0)
    calls = []
    original = search_module.HyperoptSearchCV._evaluate_round

    def round_with_death(self, evaluate_candidates, candidates, cv, search_ctx, *more):
        calls.append(len(candidates))
        if len(calls) == 2:  # round 2: its first candidate re-evaluated, then Ctrl-C
            evaluate_candidates(candidates[:1], cv=cv)
            raise KeyboardInterrupt
        return original(self, evaluate_candidates, candidates, cv, search_ctx, *more)

    monkeypatch.setattr(search_module.HyperoptSearchCV, "_evaluate_round", round_with_death)
    search = _search(MeanRegressor(), warm_start=True)
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, y)
    assert len(search.trials_) == 3
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no misaligned rows, no warning
        search.fit(X, y)
    uninterrupted = _search(MeanRegressor()).fit(X, y)
    assert search.cv_results_["params"] == uninterrupted.cv_results_["params"]
    assert [t.result["cv_index"] for t in search.trials_.records] == list(range(9))
