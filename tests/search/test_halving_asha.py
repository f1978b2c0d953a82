"""HyperoptHalvingSearchCV's asynchronous mode: busy workers, correct rows, interrupts."""

from __future__ import annotations

import _halving_helpers
import joblib
import numpy as np
import pytest
from _halving_helpers import Gate, GatedEstimator, KnownScore, known_score, row_ids
from sklearn.model_selection import KFold

from skopt_hp import HyperoptHalvingSearchCV, hp


def _gated(asynchronous, **kwargs):
    return HyperoptHalvingSearchCV(
        GatedEstimator(),
        {"x": hp.uniform("x", 0, 1)},
        resource="r",
        max_resources=9,
        min_resources=1,
        n_candidates=9,
        cv=3,
        n_points=1,
        random_state=0,
        asynchronous=asynchronous,
        n_jobs=2,
        **kwargs,
    )


@pytest.fixture
def gate(monkeypatch):
    def make(needed, timeout):
        gate = Gate(needed, timeout)
        monkeypatch.setattr(_halving_helpers, "GATE", gate)
        return gate

    return make


def test_asha_keeps_the_other_worker_busy_while_a_fit_is_slow(gate):
    # The first fit of the search does not end until 8 other fits have ended. With two
    # workers, only the other one can do them: the two other folds of the slow candidate,
    # then new candidates and promotions, without waiting for the slow one.
    slow = gate(needed=8, timeout=60)
    X, y = row_ids(60)
    with joblib.parallel_config(backend="threading"):
        search = _gated(True).fit(X, y)
    assert slow.starved is False and slow.completed_while_waiting >= 8
    assert search.n_candidates_[0] == 9
    assert sum(search.n_candidates_) == len(search.cv_results_["params"])


def test_synchronous_halving_idles_the_other_worker_behind_a_slow_fit(gate):
    # What the test above tells apart: synchronous halving waits for the slow fit's round
    # (one candidate, three folds: n_points=1), so the other worker runs two fits and idles.
    slow = gate(needed=8, timeout=1.0)
    X, y = row_ids(60)
    with joblib.parallel_config(backend="threading"):
        _gated(False).fit(X, y)
    assert slow.starved is True and slow.completed_while_waiting == 2


def test_asha_on_processes_puts_each_result_in_its_row():
    X, ids = row_ids(90)
    search = HyperoptHalvingSearchCV(
        KnownScore(),
        {"x": hp.uniform("x", 0, 1), "y": hp.uniform("y", 0, 1)},
        resource="r",
        max_resources=9,
        min_resources=1,
        n_candidates=30,
        cv=3,
        random_state=0,
        asynchronous=True,
        n_jobs=2,
        return_train_score=True,
    ).fit(X, ids)
    results = search.cv_results_
    folds = list(KFold(3).split(X))
    for i, params in enumerate(results["params"]):
        expected = known_score(params["x"], params["y"], params["r"])
        for k, (_, test) in enumerate(folds):
            assert results[f"split{k}_test_score"][i] == pytest.approx(
                expected + 1e-9 * test.sum(), abs=1e-12
            )
    assert search.n_candidates_[0] == 30
    # Promotions on partial results: at least what synchronous halving keeps, per rung.
    assert search.n_candidates_[1] >= 10 and search.n_candidates_[2] >= 4
    assert np.all(results["mean_fit_time"] >= 0) and "mean_train_score" in results


def test_an_interrupt_in_a_fit_stops_the_search_and_propagates():
    class Interrupting(KnownScore):
        def fit(self, X, y=None):
            if self.x > 0.8:
                raise KeyboardInterrupt
            return super().fit(X, y)

    X, ids = row_ids(60)
    search = HyperoptHalvingSearchCV(
        Interrupting(),
        {"x": hp.uniform("x", 0, 1), "y": hp.uniform("y", 0, 1)},
        resource="r",
        max_resources=9,
        min_resources=1,
        n_candidates=30,
        cv=3,
        random_state=0,
        asynchronous=True,
        n_jobs=2,
    )
    with joblib.parallel_config(backend="threading"), pytest.raises(KeyboardInterrupt):
        search.fit(X, ids)
    assert not hasattr(search, "cv_results_")


def test_a_failing_proposal_in_a_worker_stops_the_search_with_its_error():
    X, ids = row_ids(60)
    # Half of the space evaluates to 3, not to a dict of parameters.
    space = hp.choice("kind", [{"x": hp.uniform("x", 0, 1)}, 3])
    search = HyperoptHalvingSearchCV(
        KnownScore(), space, n_candidates=20, cv=3, random_state=0, asynchronous=True, n_jobs=2
    )
    with joblib.parallel_config(backend="threading"), pytest.raises(
        TypeError, match="must evaluate to a dict"
    ):
        search.fit(X, ids)
