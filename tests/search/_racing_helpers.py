"""Estimators, scorers and samplers with known scores, for the fold racing tests."""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from skopt_hp import hp
from skopt_hp.samplers import Sampler

#: ``X`` of 100 rows whose first column is the row's id: a fold is known by its ids' sum.
X_IDS = np.arange(100, dtype=float).reshape(-1, 1)
Y_ZEROS = np.zeros(100)

QUALITY_SPACE = {"quality": hp.uniform("quality", 0, 1)}


class QualityRegressor(RegressorMixin, BaseEstimator):
    """Fitting does nothing; :func:`quality_score` scores it ``quality`` (plus small noise).

    ``fail_below``: ``fit`` raises when ``quality`` is below it.
    """

    def __init__(self, quality: float = 0.5, fail_below: float = -1.0):
        self.quality = quality
        self.fail_below = fail_below

    def fit(self, X, y):
        if self.quality < self.fail_below:
            raise ValueError(f"QualityRegressor fails below quality {self.fail_below}")
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.zeros(len(X))


def quality_score(estimator, X, y):
    """``quality``, plus a fold effect shared by every candidate, plus the candidate's noise.

    Both are deterministic: the fold is known by the sum of its ids.
    """
    fold = float(np.sum(np.asarray(X)[:, 0]))
    shared = 0.02 * math.sin(fold)
    own = 0.005 * math.sin(fold * 3.1 + 97.0 * estimator.quality)
    return estimator.quality + shared + own


def quality_score_twice(estimator, X, y):
    """Two metrics: ``quality_score`` and its half."""
    score = quality_score(estimator, X, y)
    return {"quality": score, "half": score / 2}


class InOrder(Sampler):
    """Proposes the internal rows ``rows`` in order, whatever was observed."""

    def __init__(self, rows):
        self.rows = [list(map(float, row)) for row in rows]

    def ask(self, space, observations, n, rng):
        start = observations.n_done + observations.n_pending + observations.n_failed
        return np.array([self.rows[(start + i) % len(self.rows)] for i in range(n)])


def qualities(*values: float) -> InOrder:
    """A sampler proposing these qualities, in this order (for :data:`QUALITY_SPACE`)."""
    return InOrder([[v] for v in values])
