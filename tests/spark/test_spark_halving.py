"""HyperoptHalvingSearchCV on Spark through joblib, synchronous and asynchronous (ASHA)."""

from __future__ import annotations

import numpy as np
import pytest
from _spark_helpers import pickle_by_value, requires_spark
from sklearn.base import BaseEstimator
from sklearn.model_selection import KFold

from skopt_hp import HyperoptHalvingSearchCV, hp

pytestmark = requires_spark
pickle_by_value(__name__)


def _expected(x: float, r: int) -> float:
    return -((x - 0.5) ** 2) / r


class KnownScore(BaseEstimator):
    """Scores ``_expected(x, r)`` plus ``1e-9`` times the ids of the test rows (``X[:, 0]``)."""

    def __init__(self, x: float = 0.0, r: int = 1):
        self.x = x
        self.r = r

    def fit(self, X, y=None):
        return self

    def score(self, X, y=None):
        return _expected(self.x, self.r) + 1e-9 * float(np.sum(np.asarray(X)[:, 0]))


def _search(**kwargs):
    return HyperoptHalvingSearchCV(
        KnownScore(),
        {"x": hp.uniform("x", 0, 1)},
        resource="r",
        max_resources=9,
        min_resources=1,
        n_candidates=9,
        cv=3,
        random_state=0,
        **kwargs,
    )


@pytest.fixture(scope="module")
def data():
    X = np.column_stack([np.arange(60, dtype=float), np.ones(60)])
    return X, np.arange(60) % 2


def test_asha_on_spark_puts_each_result_in_its_row(spark, data):
    from skopt_hp.integrations.spark import spark_backend

    X, y = data
    with spark_backend(n_jobs=2, spark_session=spark):
        search = _search(asynchronous=True, n_jobs=2).fit(X, y)
    results = search.cv_results_
    folds = list(KFold(3).split(X))
    for i, params in enumerate(results["params"]):
        for k, (_, test) in enumerate(folds):
            expected = _expected(params["x"], params["r"]) + 1e-9 * test.sum()
            assert results[f"split{k}_test_score"][i] == pytest.approx(expected, abs=1e-12)
    assert search.n_candidates_[0] == 9 and search.n_iterations_ == 3


def test_synchronous_halving_on_spark_equals_loky(spark, data):
    from skopt_hp.integrations.spark import spark_backend

    X, y = data
    with spark_backend(n_jobs=2, spark_session=spark):
        on_spark = _search(n_jobs=2).fit(X, y)
    on_loky = _search(n_jobs=2).fit(X, y)
    assert on_spark.cv_results_["params"] == on_loky.cv_results_["params"]
    np.testing.assert_array_equal(
        on_spark.cv_results_["mean_test_score"], on_loky.cv_results_["mean_test_score"]
    )
