"""HyperoptSearchCV(pruning="folds"): which candidates stop, and what the search reports."""

from __future__ import annotations

import io
import pickle
import warnings

import numpy as np
import pytest
from _racing_helpers import (
    QUALITY_SPACE,
    X_IDS,
    Y_ZEROS,
    QualityRegressor,
    qualities,
    quality_score,
    quality_score_twice,
)
from _search_helpers import CountingRegressor, small_regression
from joblib import parallel_backend
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from skopt_hp import HyperoptSearchCV, hp
from skopt_hp._search import _compile_space
from skopt_hp._sklearn_compat import SKLEARN_VERSION

RIDGE_SPACE = {"alpha": hp.loguniform("alpha", -4, 9)}


def _quality_search(*values, **kwargs):
    """A racing search proposing ``values`` in order, one per round, scored by ``quality``."""
    params = dict(
        n_iter=len(values),
        n_points=1,
        cv=KFold(5),
        scoring=quality_score,
        pruning="folds",
        random_state=0,
    )
    params.update(kwargs)
    return HyperoptSearchCV(QualityRegressor(), QUALITY_SPACE, algo=qualities(*values), **params)


def _ridge_search(**kwargs):
    params = dict(n_iter=16, cv=5, pruning="folds", random_state=0)
    params.update(kwargs)
    return HyperoptSearchCV(Ridge(), RIDGE_SPACE, **params)


# -- who stops ------------------------------------------------------------------------
def test_a_clearly_bad_candidate_stops_after_its_first_fold():
    search = _quality_search(0.9, 0.2, 0.5).fit(X_IDS, Y_ZEROS)
    results = search.cv_results_
    np.testing.assert_array_equal(results["pruned"], [False, True, True])
    np.testing.assert_array_equal(results["n_folds_fitted"], [5, 1, 1])
    for row in (1, 2):
        assert np.isfinite(results["split0_test_score"][row])
        assert all(np.isnan(results[f"split{j}_test_score"][row]) for j in range(1, 5))
        assert np.isnan(results["mean_test_score"][row])
        assert np.isnan(results["std_test_score"][row])
    assert search.n_fits_ == 5 + 1 + 1


def test_a_close_candidate_is_not_stopped():
    search = _quality_search(0.9, 0.895, 0.905, 0.2).fit(X_IDS, Y_ZEROS)
    np.testing.assert_array_equal(search.cv_results_["pruned"], [False, False, False, True])
    np.testing.assert_array_equal(search.cv_results_["n_folds_fitted"], [5, 5, 5, 1])
    assert search.best_params_ == {"quality": 0.905}


def test_the_first_round_races_against_its_first_candidate():
    """No candidate is complete yet: the round's first one is evaluated in full, and is the
    reference of the others."""
    search = _quality_search(0.9, 0.1, 0.95, 0.1, n_points=4).fit(X_IDS, Y_ZEROS)
    results = search.cv_results_
    assert results["pruned"].tolist() == [False, True, False, True]
    assert results["n_folds_fitted"].tolist() == [5, 1, 5, 1]
    assert search.n_fits_ == 5 + 1 + 5 + 1
    assert search.best_params_ == {"quality": 0.95}


def test_a_bad_first_candidate_stops_nobody_in_the_first_round():
    search = _quality_search(0.1, 0.9, 0.5, 0.95, n_points=4).fit(X_IDS, Y_ZEROS)
    assert not search.cv_results_["pruned"].any()


def test_a_first_round_whose_first_candidate_fails_is_evaluated_in_full():
    search = _quality_search(
        0.05, 0.9, 0.2, 0.3, n_points=4, error_score=np.nan
    ).set_params(estimator=QualityRegressor(fail_below=0.1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X_IDS, Y_ZEROS)
    assert not search.cv_results_["pruned"].any()
    assert search.n_fits_ == 4 * 5


def test_a_first_round_of_one_candidate_is_evaluated_in_full():
    search = _quality_search(0.9, 0.1, n_points=1).fit(X_IDS, Y_ZEROS)
    assert search.cv_results_["pruned"].tolist() == [False, True]
    assert search.n_fits_ == 5 + 1


def test_ranks_and_best_consider_only_complete_candidates():
    search = _quality_search(0.9, 0.3, 0.899, 0.2).fit(X_IDS, Y_ZEROS)
    results = search.cv_results_
    assert results["pruned"].tolist() == [False, True, False, True]
    assert results["rank_test_score"].tolist() == [1, 3, 2, 3]
    assert search.best_index_ == 0
    assert search.best_score_ == pytest.approx(results["mean_test_score"][0])


def test_a_pruned_rows_times_are_its_fitted_folds():
    search = _quality_search(0.9, 0.2).fit(X_IDS, Y_ZEROS)
    results = search.cv_results_
    for key in ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time"):
        assert np.all(np.isfinite(results[key])), key
    assert results["std_fit_time"][1] == 0.0  # one fold


# -- cv_results_ as without racing -------------------------------------------------------
def test_cv_results_format_equals_the_unpruned_searchs_apart_from_the_new_columns():
    X, y = small_regression()
    kwargs = dict(n_iter=12, algo="rand", cv=5, random_state=0, return_train_score=True)
    plain = HyperoptSearchCV(Ridge(), RIDGE_SPACE, **kwargs).fit(X, y)
    raced = HyperoptSearchCV(Ridge(), RIDGE_SPACE, pruning="folds", **kwargs).fit(X, y)
    a, b = raced.cv_results_, plain.cv_results_
    assert list(a) == ["pruned", "n_folds_fitted", *b]
    assert a["pruned"].dtype == bool and a["n_folds_fitted"].dtype.kind == "i"
    assert a["pruned"].any(), "the test needs a pruned candidate"
    for key in b:
        if key == "params":
            assert a[key] == b[key]  # the random sampler proposes the same candidates
            continue
        assert type(a[key]) is type(b[key]) and a[key].dtype == b[key].dtype, key
        assert a[key].shape == b[key].shape, key
    complete = ~a["pruned"]
    for key in [k for k in b if k.startswith(("split", "mean_t", "std_t"))]:
        np.testing.assert_allclose(a[key][complete], b[key][complete], err_msg=key)
    for row in np.flatnonzero(a["pruned"]):
        n = a["n_folds_fitted"][row]
        for j in range(5):
            for kind in ("test", "train"):
                value = a[f"split{j}_{kind}_score"][row]
                if j < n:
                    assert value == pytest.approx(b[f"split{j}_{kind}_score"][row])
                else:
                    assert np.isnan(value)
    assert raced.best_index_ == plain.best_index_
    assert raced.best_params_ == plain.best_params_
    # The pruned candidates were indeed worse: they rank below the best without racing too.
    assert np.all(b["rank_test_score"][a["pruned"]] > 1)


def test_without_pruning_nothing_changes():
    X, y = small_regression()
    search = HyperoptSearchCV(Ridge(), RIDGE_SPACE, n_iter=6, random_state=0).fit(X, y)
    assert "pruned" not in search.cv_results_ and "n_folds_fitted" not in search.cv_results_
    assert not hasattr(search, "n_fits_")
    assert "pruned" not in search.trials_.records[0].result


# -- scoring, refit, error_score -------------------------------------------------------
def test_the_refit_metric_is_raced():
    """With several metrics the race is on the metric the sampler optimises: refit's."""
    scoring = {
        "quality": quality_score,
        "neg_quality": lambda est, X, y: -quality_score(est, X, y),
    }
    search = _quality_search(0.9, 0.2, 0.95, scoring=scoring, refit="neg_quality")
    search.fit(X_IDS, Y_ZEROS)
    # 0.2 is better on neg_quality (it becomes the reference); 0.95 is clearly worse.
    assert search.cv_results_["pruned"].tolist() == [False, False, True]
    assert search.best_params_ == {"quality": 0.2}
    assert search.multimetric_ and set(search.scorer_) == {"quality", "neg_quality"}
    for metric in ("quality", "neg_quality"):
        assert np.isnan(search.cv_results_[f"mean_test_{metric}"][2])
        assert search.cv_results_[f"rank_test_{metric}"][2] == 3


def test_a_callable_multimetric_scorer_and_refit_by_name():
    search = _quality_search(0.9, 0.2, 0.899, scoring=quality_score_twice, refit="quality")
    search.fit(X_IDS, Y_ZEROS)
    results = search.cv_results_
    assert results["pruned"].tolist() == [False, True, False]
    assert np.isnan(results["split3_test_half"][1])
    assert results["split0_test_half"][1] == pytest.approx(results["split0_test_quality"][1] / 2)
    assert search.best_params_ == {"quality": 0.9}


def test_a_callable_refit_gets_the_full_cv_results():
    seen = {}

    def refit(results):
        seen.update(results)
        complete = np.flatnonzero(~results["pruned"])
        return int(complete[np.argmin(results["mean_test_score"][complete])])  # the worst

    search = _quality_search(0.9, 0.2, 0.895, refit=refit).fit(X_IDS, Y_ZEROS)
    assert seen["pruned"].tolist() == [False, True, False]
    assert len(seen["params"]) == 3 and "n_folds_fitted" in seen
    assert search.best_index_ == 2
    assert not hasattr(search, "best_score_")


def test_error_score_nan_a_failing_candidate_is_fit_on_every_fold_and_counted_once():
    search = HyperoptSearchCV(
        QualityRegressor(fail_below=0.2),
        QUALITY_SPACE,
        algo=qualities(0.9, 0.1, 0.3),
        n_iter=3,
        n_points=1,
        cv=KFold(5),
        scoring=quality_score,
        pruning="folds",
        random_state=0,
    )
    with (
        pytest.warns(FitFailedWarning, match="5 fits failed out of a total of 11"),
        pytest.warns(UserWarning, match="One or more of the test scores are non-finite"),
    ):
        search.fit(X_IDS, Y_ZEROS)
    results = search.cv_results_
    # NaN scores never stop a candidate: as without racing, it is fit on every fold.
    assert results["pruned"].tolist() == [False, False, True]
    assert results["n_folds_fitted"].tolist() == [5, 5, 1]
    assert search.trials_.records[1].status == "fail"


def test_a_numeric_error_score_is_a_score_like_any_other():
    search = HyperoptSearchCV(
        QualityRegressor(fail_below=0.2),
        QUALITY_SPACE,
        algo=qualities(0.9, 0.1),
        n_iter=2,
        n_points=1,
        cv=KFold(5),
        scoring=quality_score,
        error_score=0.0,
        pruning="folds",
        random_state=0,
    )
    with pytest.warns(FitFailedWarning, match="1 fits failed out of a total of 6"):
        search.fit(X_IDS, Y_ZEROS)
    assert search.cv_results_["pruned"].tolist() == [False, True]
    assert search.cv_results_["split0_test_score"][1] == 0.0


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_error_score_raise_raises_from_a_raced_round_and_keeps_the_finished_ones(n_jobs):
    search = HyperoptSearchCV(
        QualityRegressor(fail_below=0.2),
        QUALITY_SPACE,
        algo=qualities(0.9, 0.8, 0.1),
        n_iter=3,
        n_points=1,
        cv=KFold(5),
        scoring=quality_score,
        error_score="raise",
        pruning="folds",
        n_jobs=n_jobs,
        random_state=0,
    )
    with parallel_backend("threading"):
        with pytest.raises(ValueError, match="QualityRegressor fails below quality 0.2"):
            search.fit(X_IDS, Y_ZEROS)
    assert len(search.trials_) == 2
    assert search.cv_results_["pruned"].tolist() == [False, True]


# -- estimator API -------------------------------------------------------------------
def test_pruning_parameters_are_validated_in_fit():
    X, y = small_regression()
    with pytest.raises(InvalidParameterError, match="The 'pruning' parameter"):
        _ridge_search(pruning="halving").fit(X, y)
    with pytest.raises(InvalidParameterError, match="The 'pruning_alpha' parameter"):
        _ridge_search(pruning_alpha=1.0).fit(X, y)


def test_clone_get_params_and_pickling():
    X, y = small_regression()
    search = _ridge_search(pruning_alpha=0.01)
    params = clone(search).get_params()
    assert params["pruning"] == "folds" and params["pruning_alpha"] == 0.01
    search.fit(X, y)
    copy = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(copy.cv_results_["pruned"], search.cv_results_["pruned"])
    np.testing.assert_array_equal(copy.predict(X), search.predict(X))
    assert copy.n_fits_ == search.n_fits_


def test_nested_cross_validation():
    X, y = small_regression(n_samples=120)
    scores = cross_val_score(_ridge_search(n_iter=8), X, y, cv=2)
    assert scores.shape == (2,) and np.all(np.isfinite(scores))


def test_warm_start_continues_the_race_from_the_earlier_candidates():
    search = _quality_search(0.9, 0.2, 0.95, 0.3, 0.5, warm_start=True, n_iter=2)
    search.fit(X_IDS, Y_ZEROS)
    assert search.cv_results_["pruned"].tolist() == [False, True]
    search.set_params(n_iter=5).fit(X_IDS, Y_ZEROS)
    results = search.cv_results_
    # The continued fit races from its first round: 0.9 is already complete.
    assert results["pruned"].tolist() == [False, True, False, True, True]
    assert results["n_folds_fitted"].tolist() == [5, 1, 5, 1, 1]
    assert search.n_fits_ == 5 + 1 + 1  # this fit's fits
    assert search.best_params_ == {"quality": 0.95}


def test_warm_start_turns_racing_on_for_a_search_made_without_it():
    search = _quality_search(0.9, 0.2, 0.3, pruning=None, warm_start=True, n_iter=2)
    search.fit(X_IDS, Y_ZEROS)
    assert "pruned" not in search.cv_results_
    search.set_params(n_iter=3, pruning="folds").fit(X_IDS, Y_ZEROS)
    assert search.cv_results_["pruned"].tolist() == [False, False, True]
    assert search.cv_results_["n_folds_fitted"].tolist() == [5, 5, 1]


def test_an_interrupt_keeps_the_finished_rounds():
    X, y = small_regression()
    kwargs = dict(n_iter=12, cv=5, pruning="folds", random_state=0)
    first_round = HyperoptSearchCV(CountingRegressor(), RIDGE_SPACE, **{**kwargs, "n_iter": 4})
    n_first = int(first_round.fit(X, y).n_fits_)
    CountingRegressor.n_fits = 0
    CountingRegressor.interrupt_at = n_first + 3  # in the second round
    try:
        search = HyperoptSearchCV(CountingRegressor(), RIDGE_SPACE, **kwargs)
        with pytest.raises(KeyboardInterrupt):
            search.fit(X, y)
    finally:
        CountingRegressor.interrupt_at = None
    assert len(search.trials_) == 4
    assert search.cv_results_["pruned"].tolist() == first_round.cv_results_["pruned"].tolist()


# -- parallel and reproducible ------------------------------------------------------------
def _fingerprint(search):
    results = search.cv_results_
    keys = [k for k in results if k.startswith("split") or k in ("pruned", "n_folds_fitted")]
    # NaN (folds never fit) as None: NaN != NaN would hide equal rows.
    return results["params"], {
        k: [None if v != v else v for v in np.asarray(results[k]).tolist()] for k in keys
    }


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_the_same_random_state_gives_the_same_search_whatever_n_jobs(backend):
    X, y = small_regression(n_samples=120)
    serial = _ridge_search(n_iter=16).fit(X, y)
    assert serial.cv_results_["pruned"].any(), "the test needs a pruned candidate"
    assert serial.n_fits_ == serial.cv_results_["n_folds_fitted"].sum()
    with parallel_backend(backend):
        parallel = _ridge_search(n_iter=16, n_jobs=2).fit(X, y)
    assert _fingerprint(parallel) == _fingerprint(serial)
    # Fits run ahead of a decision may be thrown away, never kept.
    assert parallel.n_fits_ >= parallel.cv_results_["n_folds_fitted"].sum()


def test_unsupported_scikit_learn_layout_raises_before_any_fit(monkeypatch):
    from skopt_hp import _sklearn_compat

    monkeypatch.setattr(
        _sklearn_compat,
        "FIT_CLOSURE_NAMES",
        (*_sklearn_compat.FIT_CLOSURE_NAMES, "a_name_fit_does_not_have"),
    )
    X, y = small_regression()
    CountingRegressor.n_fits = 0
    search = HyperoptSearchCV(CountingRegressor(), RIDGE_SPACE, n_iter=4, pruning="folds")
    with pytest.raises(
        _sklearn_compat.UnsupportedFitLayout,
        match=r"pruning='folds'.*does not keep a_name_fit_does_not_have.*Use pruning=None",
    ):
        search.fit(X, y)
    assert CountingRegressor.n_fits == 0


# -- progress and what the sampler learns ----------------------------------------------------
def test_the_progress_lines_count_pruned_candidates(capsys):
    _quality_search(0.9, 0.2, 0.3, verbose=1).fit(X_IDS, Y_ZEROS)
    lines = [line for line in capsys.readouterr().out.splitlines() if "[HyperoptSearchCV]" in line]
    assert lines[-1].startswith("[HyperoptSearchCV] round 3: 3/3 candidates, 2 pruned, best score")


def test_the_progress_bar_counts_pruned_candidates(monkeypatch):
    pytest.importorskip("tqdm")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _quality_search(0.9, 0.2, 0.3, verbose=1).fit(X_IDS, Y_ZEROS)
    drawn = terminal.getvalue()
    assert "3/3" in drawn and "candidate" in drawn
    assert "2 pruned" in drawn


def test_the_sampler_learns_a_pruned_candidates_estimated_score():
    search = _quality_search(0.9, 0.2).fit(X_IDS, Y_ZEROS)
    reference, pruned = search.trials_.records
    assert pruned.status == "ok" and pruned.result["pruned"] is True
    assert pruned.result["n_folds_fitted"] == 1
    ref_scores = np.array([reference.result[f"split{j}_test_score"] for j in range(5)])
    first = pruned.result["split0_test_score"]
    assert pruned.loss == pytest.approx(-(ref_scores.mean() + first - ref_scores[0]))
    observations = search.trials_.observations(_compile_space(QUALITY_SPACE))
    assert observations.n_done == 2 and observations.n_failed == 0
    assert reference.result["pruned"] is False and reference.result["n_folds_fitted"] == 5


class _PeakRegressor(QualityRegressor):
    """Quality peaks at x = 0.2 and is poor (< 0.5) beyond x = 0.47."""

    def __init__(self, x: float = 0.5):
        self.x = x

    @property
    def quality(self):
        return 0.9 - 1.5 * abs(self.x - 0.2)

    def fit(self, X, y):
        self.n_features_in_ = 1
        return self


class _IgnoringPruned(HyperoptSearchCV):
    """The alternative not taken: pruned candidates are failed trials, which TPE ignores."""

    def _record(self, trials, trial, entries, race=None):
        if race is not None and race.pruned:
            failure = {"type": "Pruned", "message": "stopped early"}
            trials.complete(trial, {"status": "fail", "failure": failure, **entries})
            return
        super()._record(trials, trial, entries, race)


def test_learning_from_pruned_candidates_steers_tpe_away_from_bad_regions():
    """After TPE's start-up, the search that learns from pruned candidates proposes far fewer
    poor candidates than one that ignores them (only complete ones would be modelled)."""

    def poor_proposals(cls):
        total = 0
        for seed in range(3):
            search = cls(
                _PeakRegressor(),
                {"x": hp.uniform("x", 0, 1)},
                n_iter=40,
                n_points=2,
                cv=KFold(5),
                scoring=quality_score,
                pruning="folds",
                random_state=seed,
            ).fit(X_IDS, Y_ZEROS)
            x = np.array([p["x"] for p in search.cv_results_["params"]])[20:]
            total += int(np.sum(0.9 - 1.5 * np.abs(x - 0.2) < 0.5))
        return total

    learning, ignoring = poor_proposals(HyperoptSearchCV), poor_proposals(_IgnoringPruned)
    assert ignoring >= 15
    assert learning <= ignoring / 5


# -- scikit-learn's callbacks -----------------------------------------------------------
@pytest.mark.skipif(SKLEARN_VERSION < (1, 9), reason="callbacks are new in scikit-learn 1.9")
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_callbacks_see_one_task_per_fitted_fold(n_jobs):
    utils = pytest.importorskip("sklearn.callback.tests._utils")
    callback = utils.RecordingCallback()
    search = _quality_search(0.9, 0.2, 0.3, 0.91, n_points=2, n_jobs=n_jobs)
    search.set_callbacks(callback)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with parallel_backend("threading"):
            search.fit(X_IDS, Y_ZEROS)
    assert search.cv_results_["pruned"].tolist() == [False, True, True, False]
    n_rounds = 2
    expected = 1 + 1 + 1 + n_rounds + search.n_fits_  # root, search, refit, rounds, fits
    assert callback.count_hooks("on_fit_task_begin") == expected
    assert callback.count_hooks("on_fit_task_end") == expected
