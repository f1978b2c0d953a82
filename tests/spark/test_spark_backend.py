"""HyperoptSearchCV and joblib on Spark (classic and Spark Connect): the fixed joblibspark
backend, joblibspark's own registration, and large arrays sent once."""

from __future__ import annotations

import warnings

import joblib
import numpy as np
import pytest
from _spark_helpers import pickle_by_value, requires_spark
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression

from skopt_hp import HyperoptSearchCV, hp

pytestmark = requires_spark
pickle_by_value(__name__)

SPACE = {"C": hp.loguniform("C", -4, 2), "fit_intercept": [True, False]}


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=6, random_state=0)


def _search(estimator=None, **kwargs):
    kwargs.setdefault("n_iter", 6)
    kwargs.setdefault("n_points", 3)
    estimator = LogisticRegression() if estimator is None else estimator
    return HyperoptSearchCV(estimator, SPACE, cv=3, random_state=0, **kwargs)


class ExplodingClassifier(ClassifierMixin, BaseEstimator):
    """Raises a ZeroDivisionError with a recognisable message in fit."""

    def __init__(self, C=1.0, fit_intercept=True):
        self.C = C
        self.fit_intercept = fit_intercept

    def fit(self, X, y):
        raise ZeroDivisionError(f"exploded with C={self.C!r}")

    def predict(self, X):
        return np.zeros(len(X))


class RefusingClassifier(ClassifierMixin, BaseEstimator):
    """Raises a ValueError in fit when ``C`` is above ``limit`` (always, by default)."""

    def __init__(self, C=1.0, fit_intercept=True, limit=-1.0):
        self.C = C
        self.fit_intercept = fit_intercept
        self.limit = limit

    def fit(self, X, y):
        if self.C > self.limit:
            raise ValueError(f"C={self.C:.4g} is above the limit {self.limit}")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


class PickyError(Exception):
    """An exception that pickles but cannot be unpickled (its __init__ needs two arguments)."""

    def __init__(self, what, why):
        super().__init__(f"{what} failed because {why}")


def _fail(i):
    if i == 3:
        raise KeyError(f"task {i}")
    return i


def _fail_picky(i):
    raise PickyError("task", f"number {i}")


def _same_results(a, b):
    assert a.cv_results_["params"] == b.cv_results_["params"]
    for key in ("mean_test_score", "std_test_score", "split0_test_score", "rank_test_score"):
        np.testing.assert_array_equal(a.cv_results_[key], b.cv_results_[key])
    assert a.best_params_ == b.best_params_


def test_search_on_spark_gives_the_same_results_as_loky(spark, data):
    from skopt_hp.integrations.spark import spark_backend

    X, y = data
    with spark_backend(n_jobs=2, spark_session=spark):
        on_spark = _search(n_jobs=2).fit(X, y)
    on_loky = _search(n_jobs=2).fit(X, y)
    _same_results(on_spark, on_loky)
    assert on_spark.best_estimator_.predict(X).shape == y.shape


def test_original_exception_reaches_the_driver(spark):
    from skopt_hp.integrations.spark import spark_backend

    with spark_backend(n_jobs=2, spark_session=spark), pytest.raises(KeyError, match="task 3"):
        joblib.Parallel()(joblib.delayed(_fail)(i) for i in range(6))
    # The remote traceback is kept as the cause, as joblib's own workers do.
    try:
        with spark_backend(n_jobs=2, spark_session=spark):
            joblib.Parallel()(joblib.delayed(_fail)(i) for i in range(4))
    except KeyError as exc:
        assert "_fail" in str(exc.__cause__)


def test_an_exception_that_cannot_be_unpickled_keeps_its_text(spark):
    from skopt_hp.integrations.spark import spark_backend

    with (
        spark_backend(n_jobs=2, spark_session=spark),
        pytest.raises(RuntimeError, match="PickyError: task failed because number 0"),
    ):
        joblib.Parallel()(joblib.delayed(_fail_picky)(i) for i in range(1))


def test_error_score_raise_raises_the_estimators_error(spark, data):
    from skopt_hp.integrations.spark import spark_backend

    X, y = data
    search = HyperoptSearchCV(
        ExplodingClassifier(), SPACE, n_iter=4, cv=2, random_state=0, error_score="raise"
    )
    with (
        spark_backend(n_jobs=2, spark_session=spark),
        pytest.raises(ZeroDivisionError, match="exploded with C="),
    ):
        search.fit(X, y)


def test_no_warning_per_batch(spark):
    from skopt_hp.integrations.spark import spark_backend

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with spark_backend(n_jobs=2, spark_session=spark):
            assert joblib.Parallel()(joblib.delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]


def test_ambient_parallel_backend_after_register_spark(spark_classic, data):
    from skopt_hp.integrations._spark_backend import SparkBackend
    from skopt_hp.integrations.spark import register_spark

    X, y = data
    register_spark()
    with joblib.parallel_backend("spark", n_jobs=2):
        backend, _ = joblib.parallel.get_active_backend()
        assert isinstance(backend, SparkBackend)
        with pytest.raises(KeyError, match="task 3"):
            joblib.Parallel()(joblib.delayed(_fail)(i) for i in range(6))
        search = _search().fit(X, y)
    _same_results(search, _search().fit(X, y))


@pytest.fixture
def joblibspark_registered():
    """joblibspark's own "spark" backend registered, as its README shows; restored after."""
    from joblib.parallel import BACKENDS
    from joblibspark import register_spark as joblibspark_register

    saved = BACKENDS.get("spark")
    joblibspark_register()
    yield
    if saved is None:
        BACKENDS.pop("spark", None)
    else:
        BACKENDS["spark"] = saved


# joblibspark's own constructor (the user's parallel_backend call) warns on a local master;
# scikit-learn warns of the failed candidates' NaN scores: both expected here.
@pytest.mark.filterwarnings("ignore:Spark local mode doesn't support stage-level scheduling")
@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_joblibsparks_own_registration_gets_the_fixes(active_spark, data, joblibspark_registered):
    """register_spark() + parallel_backend("spark"): the fit's own error, with its message."""
    from joblibspark.backend import SparkDistributedBackend

    from skopt_hp.integrations._spark_backend import SparkBackend

    X, y = data
    search = HyperoptSearchCV(
        RefusingClassifier(), SPACE, n_iter=4, cv=2, random_state=0, error_score="raise"
    )
    with joblib.parallel_backend("spark", n_jobs=2):
        active, _ = joblib.parallel.get_active_backend()
        assert type(active) is SparkDistributedBackend  # joblibspark's, not ours
        with pytest.raises(ValueError, match=r"C=.* is above the limit -1"):
            search.fit(X, y)
        # Failing fits under error_score=nan keep their message, and the search goes on.
        search = _search(estimator=RefusingClassifier(limit=1.0), n_iter=6, n_points=3)
        with pytest.warns(FitFailedWarning, match=r"ValueError: C=.* is above the limit 1"):
            search.fit(X, y)
        failed = [p["C"] > 1.0 for p in search.cv_results_["params"]]
        assert 0 < sum(failed) < 6
        assert np.isnan(search.cv_results_["mean_test_score"][failed]).all()
        # The user's backend is active again after fit.
        assert joblib.parallel.get_active_backend()[0] is active
    # The fix ran the fits on the same session as joblibspark's backend would have.
    assert not isinstance(active, SparkBackend) and active._spark is active_spark


def test_large_arrays_are_broadcast_once_per_search(spark):
    from skopt_hp.integrations.spark import spark_backend

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 60))  # 1.4 MB; y and the folds' indices are under 64 KiB
    y = (X[:, 0] + 0.5 * rng.normal(size=3000) > 0).astype(int)

    with spark_backend(n_jobs=2, spark_session=spark) as shared:
        broadcast = _search(n_iter=4, n_points=2).fit(X, y)  # 2 rounds x 2 candidates x 3 folds
    with spark_backend(n_jobs=2, spark_session=spark, broadcast_threshold=None) as shipped:
        plain = _search(n_iter=4, n_points=2).fit(X, y)

    _same_results(broadcast, plain)
    assert shared.n_broadcasts == 1  # X only (y is small), for every task of both rounds
    assert shipped.n_broadcasts == 0
    # Without broadcasting, each of the 12 fits' Spark jobs carried X; with it, none does
    # (what is left is y and the fold indices of each task).
    assert shipped.task_bytes > 10 * X.nbytes
    assert shared.task_bytes < shipped.task_bytes / 10


def test_broadcast_threshold_is_validated(spark_classic):
    from skopt_hp.integrations.spark import spark_backend

    with (
        pytest.raises(ValueError, match="broadcast_threshold must be None or an int >= 0"),
        spark_backend(spark_session=spark_classic, broadcast_threshold=-1),
    ):
        pass


# ---------------------------------------------------------------------------
# Upstream behaviour these fixes exist for. If one of these starts failing,
# joblibspark fixed the defect: the matching workaround in
# skopt_hp/integrations/_spark_backend.py can go.
# ---------------------------------------------------------------------------
@pytest.fixture
def raw_joblibspark(spark_classic):
    from joblibspark.backend import SparkDistributedBackend

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backend = SparkDistributedBackend()
    return backend


@pytest.mark.filterwarnings("ignore")
def test_upstream_joblibspark_loses_the_original_exception(raw_joblibspark):
    with (
        joblib.parallel_config(backend=raw_joblibspark, n_jobs=2),
        pytest.raises(TypeError, match="_ExceptionWithTraceback' object is not iterable"),
    ):
        joblib.Parallel()(joblib.delayed(_fail)(i) for i in range(6))


@pytest.mark.filterwarnings("ignore")
def test_upstream_joblibspark_breaks_error_score_raise(raw_joblibspark, data):
    # scikit-learn's own search: HyperoptSearchCV replaces joblibspark's backend in fit.
    from sklearn.model_selection import GridSearchCV

    X, y = data
    search = GridSearchCV(ExplodingClassifier(), {"C": [0.5, 1.0]}, cv=2, error_score="raise")
    with (
        joblib.parallel_config(backend=raw_joblibspark, n_jobs=2),
        pytest.raises(AttributeError, match="_backend_args"),
    ):
        search.fit(X, y)


def test_upstream_joblibspark_warns_on_every_batch(raw_joblibspark):
    with (
        joblib.parallel_config(backend=raw_joblibspark, n_jobs=2),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        joblib.Parallel(batch_size=1)(joblib.delayed(abs)(-i) for i in range(3))
    messages = [str(w.message) for w in caught]
    assert sum("apply_async" in m for m in messages) == 3
    assert any("Spark session is not provided" in m for m in messages)
