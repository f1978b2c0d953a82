"""What fold racing relies on in scikit-learn's private API, checked on the installed release.

Racing makes each fit itself, with ``BaseSearchCV.fit``'s data and settings read from
``evaluate_candidates``' closure, and hands the rows back to ``fit`` (see
``skopt_hp/_sklearn_compat.py``). A release that renames or reshapes any of this fails here,
with the name of what changed, before it can silently change a search's results.
"""

from __future__ import annotations

import numpy as np
import pytest
from _search_helpers import small_classification
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.model_selection._search import BaseSearchCV

from skopt_hp import _sklearn_compat as compat


class _Probe(BaseSearchCV):
    """Evaluates one candidate through evaluate_candidates, and hands ``handed`` to fit itself."""

    def __init__(self, estimator, *, candidate, handed, scoring=None, refit=True, cv=None):
        self.candidate = candidate
        self.handed = handed
        super().__init__(estimator=estimator, scoring=scoring, refit=refit, cv=cv)

    def _run_search(self, evaluate_candidates, *args, **kwargs):
        self.internals_ = compat.fit_internals(evaluate_candidates, self)
        evaluate_candidates([self.candidate])
        internals = self.internals_
        splits = list(
            KFold(3).split(internals.X, internals.y, **internals.split_params)
            if internals.cv_orig is None
            else internals.cv_orig.split(internals.X, internals.y, **internals.split_params)
        )
        self.splits_ = splits
        out = [
            compat.fit_and_score(
                clone(internals.base_estimator),
                internals.X,
                internals.y,
                train=train,
                test=test,
                parameters=self.handed,
                split_progress=(j, len(splits)),
                candidate_progress=(0, 1),
                **internals.fit_and_score_args(),
            )
            for j, (train, test) in enumerate(splits)
        ]
        self.handed_out_ = out
        internals.add_results(self, [self.handed], out, {}, len(splits))


def test_fit_keeps_what_racing_reads_under_the_known_names():
    X, y = small_classification()
    estimator = LogisticRegression(max_iter=200)
    probe = _Probe(estimator, candidate={"C": 0.01}, handed={"C": 1.0}, cv=3).fit(X, y)
    internals = probe.internals_
    assert internals.X is X and internals.y is y
    assert internals.base_estimator is not estimator
    assert internals.base_estimator.get_params() == estimator.get_params()
    for key in ("scorer", "fit_params", "score_params", "return_train_score", "error_score"):
        assert key in internals.fit_and_score_args(), key
    assert internals.cv_orig is not None and internals.cv_orig.get_n_splits() == 3


def test_rows_handed_to_fit_become_cv_results_and_compete_for_best():
    X, y = small_classification()
    probe = _Probe(
        LogisticRegression(max_iter=200), candidate={"C": 1e-4}, handed={"C": 1.0}, cv=3
    ).fit(X, y)
    results = probe.cv_results_
    assert results["params"] == [{"C": 1e-4}, {"C": 1.0}]
    handed_scores = [out["test_scores"] for out in probe.handed_out_]
    for j, score in enumerate(handed_scores):
        assert results[f"split{j}_test_score"][1] == score
    assert probe.best_index_ == 1  # C=1e-4 underfits; the handed row is the best
    assert probe.best_params_ == {"C": 1.0}
    assert probe.best_estimator_.C == 1.0
    assert probe.multimetric_ is False


def test_a_fit_made_by_racing_equals_evaluate_candidates_fit():
    X, y = small_classification()
    probe = _Probe(
        LogisticRegression(max_iter=200),
        candidate={"C": 0.3},
        handed={"C": 0.3},
        scoring=["accuracy", "neg_log_loss"],
        refit="accuracy",
        cv=3,
    ).fit(X, y)
    results = probe.cv_results_
    for metric in ("accuracy", "neg_log_loss"):
        for j in range(3):
            key = f"split{j}_test_{metric}"
            assert results[key][0] == results[key][1], key


def test_missing_names_raise_a_clear_error(monkeypatch):
    def not_fits_closure(candidate_params, cv=None, more_results=None):
        return {}

    with pytest.raises(compat.UnsupportedFitLayout, match=r"does not keep X, y, base_estimator"):
        compat.fit_internals(not_fits_closure, None)


def test_fit_and_score_takes_callbacks_from_1_9():
    assert compat.FIT_AND_SCORE_TAKES_CALLBACKS == (compat.SKLEARN_VERSION >= (1, 9))


def test_failures_of_raced_fits_are_counted_with_the_searchs_other_fits():
    fits = [{"fit_error": "ValueError: boom"}, {"fit_error": None}, {"fit_error": None}]
    with compat.defer_all_fits_failed(once=True) as log:
        assert log is not None, "scikit-learn's fit-failure check moved"
        compat.report_fit_failures(fits, np.nan)
    assert log.n_fits == 3 and log.n_failed == 1
