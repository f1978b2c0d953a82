"""What a user sees of a search: progress output and results as a DataFrame."""

from __future__ import annotations

import io

import numpy as np
import pytest
from _search_helpers import small_classification
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from skopt_hp import HyperoptSearchCV, hp

pd = pytest.importorskip("pandas")


def _model_choice_search(**kwargs):
    space = hp.choice(
        "model",
        [
            {"clf": LogisticRegression(), "clf__C": hp.loguniform("lr_C", -2, 2)},
            {"clf": SVC(), "clf__gamma": hp.loguniform("svc_gamma", -3, 0)},
        ],
    )
    from sklearn.pipeline import Pipeline

    pipe = Pipeline([("clf", LogisticRegression())])
    return HyperoptSearchCV(pipe, space, n_iter=8, cv=3, random_state=0, **kwargs)


def test_results_dataframe_matches_cv_results():
    X, y = small_classification()
    search = _model_choice_search().fit(X, y)
    frame = search.results_dataframe()
    results = search.cv_results_
    assert list(frame.columns) == list(results)
    assert len(frame) == 8
    np.testing.assert_allclose(frame["mean_test_score"], results["mean_test_score"])
    assert frame["params"].tolist() == results["params"]
    # Inactive conditional parameters are missing values, active ones numbers.
    for column in ("param_clf__C", "param_clf__gamma"):
        masked = np.ma.getmaskarray(results[column])
        assert frame[column].isna().tolist() == masked.tolist()
        assert frame[column][~masked].astype(float).gt(0).all()
    assert frame["param_clf__C"].dtype == float


def test_results_dataframe_needs_a_fitted_search():
    with pytest.raises(NotFittedError):
        _model_choice_search().results_dataframe()


def test_verbose_prints_a_line_per_round_in_logs(capsys):
    X, y = small_classification()
    _model_choice_search(verbose=1, n_points=4).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if "[HyperoptSearchCV]" in line]
    assert len(lines) == 2
    assert lines[-1].startswith("[HyperoptSearchCV] round 2: 8/8 candidates, best score 0.")


def test_verbose_draws_a_progress_bar_on_a_terminal(monkeypatch, capsys):
    pytest.importorskip("tqdm")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    X, y = small_classification()
    search = _model_choice_search(verbose=1).fit(X, y)
    drawn = terminal.getvalue()
    assert "8/8" in drawn and "candidate" in drawn
    assert f"best score: {search.best_score_:.6g}" in drawn
    # The bar replaces the per-round lines.
    assert "[HyperoptSearchCV] round" not in capsys.readouterr().out


def test_quiet_by_default(capsys):
    X, y = small_classification()
    _model_choice_search().fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and "candidate" not in captured.err
