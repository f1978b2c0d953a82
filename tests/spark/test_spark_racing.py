"""Fold racing (HyperoptSearchCV(pruning="folds")) on Spark through joblib."""

from __future__ import annotations

import numpy as np
import pytest
from _spark_helpers import pickle_by_value, requires_spark
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold

from skopt_hp import HyperoptSearchCV, hp

pytestmark = requires_spark
pickle_by_value(__name__)


class KnownScore(RegressorMixin, BaseEstimator):
    """Scores ``-(x - 0.5) ** 2`` plus ``1e-6`` times the ids of the test rows (``X[:, 0]``)."""

    def __init__(self, x: float = 0.0):
        self.x = x

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y=None):
        return -((self.x - 0.5) ** 2) + 1e-6 * float(np.sum(np.asarray(X)[:, 0]))


def _search(**kwargs):
    return HyperoptSearchCV(
        KnownScore(),
        {"x": hp.uniform("x", 0, 1)},
        algo="rand",
        n_iter=8,
        n_points=4,
        cv=KFold(4),
        pruning="folds",
        random_state=0,
        **kwargs,
    )


def test_racing_on_spark_equals_serial_racing(spark):
    from skopt_hp.integrations.spark import spark_backend

    X = np.column_stack([np.arange(40, dtype=float), np.ones(40)])
    y = np.zeros(40)
    with spark_backend(n_jobs=2, spark_session=spark):
        on_spark = _search(n_jobs=2).fit(X, y)
    serial = _search().fit(X, y)
    assert on_spark.cv_results_["pruned"].any(), "the test needs a pruned candidate"
    assert on_spark.cv_results_["params"] == serial.cv_results_["params"]
    for key in ("pruned", "n_folds_fitted", "split0_test_score", "mean_test_score"):
        np.testing.assert_array_equal(on_spark.cv_results_[key], serial.cv_results_[key])
    # Each fit's score is that of its own candidate and fold.
    folds = list(KFold(4).split(X))
    results = on_spark.cv_results_
    for i, params in enumerate(results["params"]):
        for k in range(results["n_folds_fitted"][i]):
            expected = -((params["x"] - 0.5) ** 2) + 1e-6 * folds[k][1].sum()
            assert results[f"split{k}_test_score"][i] == pytest.approx(expected, abs=1e-12)
