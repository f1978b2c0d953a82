"""Small estimators and data shared by the HyperoptSearchCV tests."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.linear_model import Ridge


def iris():
    return load_iris(return_X_y=True)


def small_classification(n_samples: int = 90, random_state: int = 0):
    return make_classification(
        n_samples=n_samples, n_features=6, n_informative=4, random_state=random_state
    )


def small_regression(n_samples: int = 80, random_state: int = 0):
    return make_regression(n_samples=n_samples, n_features=5, noise=5.0, random_state=random_state)


class FailingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; ``fit`` raises when ``fail`` is true."""

    def __init__(self, fail: bool = False, c: float = 1.0):
        self.fail = fail
        self.c = c

    def fit(self, X, y):
        if self.fail:
            raise ValueError("FailingClassifier was asked to fail")
        values, counts = np.unique(y, return_counts=True)
        self.classes_ = values
        self.majority_ = values[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


class CountingRegressor(Ridge):
    """Ridge counting its fits in a class attribute (only meaningful with n_jobs=1)."""

    n_fits = 0
    interrupt_at: int | None = None

    def fit(self, X, y, sample_weight=None):
        type(self).n_fits += 1
        if type(self).interrupt_at is not None and type(self).n_fits >= type(self).interrupt_at:
            raise KeyboardInterrupt
        return super().fit(X, y, sample_weight=sample_weight)


class WeightCheckingRegressor(RegressorMixin, BaseEstimator):
    """Mean predictor that requires ``sample_weight`` matching the training rows."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def fit(self, X, y, sample_weight=None):
        if sample_weight is None:
            raise AssertionError("sample_weight was not routed to fit")
        if len(sample_weight) != len(X):
            raise AssertionError("sample_weight was not split with X")
        self.mean_ = float(np.average(y, weights=sample_weight))
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


def fold_id_scorer(estimator, X, y):
    """A 'score' identifying the test fold: the sum of the sample ids in column 0."""
    return float(np.sum(np.asarray(X)[:, 0]))
