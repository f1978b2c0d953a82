"""Estimators with known scores, shared by the HyperoptHalvingSearchCV tests."""

from __future__ import annotations

import threading

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


def known_score(x: float, y: float, r: int) -> float:
    """The score of :class:`KnownScore`: x matters at every resource, y only from r >= 3."""
    score = -((x - 0.5) ** 2)
    if r >= 3:
        score -= (y - 0.9) ** 2
    return score


class KnownScore(BaseEstimator):
    """Fits nothing; scores :func:`known_score` plus ``1e-9`` times the test rows' ids.

    ``X[:, 0]`` holds the row ids, so each split's score also says which rows
    it was computed on.
    """

    def __init__(self, x: float = 0.0, y: float = 0.0, r: int = 1):
        self.x = x
        self.y = y
        self.r = r

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def score(self, X, y=None):
        return known_score(self.x, self.y, self.r) + 1e-9 * float(np.sum(np.asarray(X)[:, 0]))


def row_ids(n: int = 90) -> tuple[np.ndarray, np.ndarray]:
    X = np.column_stack([np.arange(n, dtype=float), np.ones(n)])
    return X, np.arange(n) % 3


class FailingWhenAsked(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; ``fit`` raises when ``fail`` is true. ``c`` does nothing."""

    def __init__(self, fail: bool = False, c: float = 1.0, n_estimators: int = 1):
        self.fail = fail
        self.c = c
        self.n_estimators = n_estimators

    def fit(self, X, y):
        if self.fail:
            raise ValueError("FailingWhenAsked was asked to fail")
        values, counts = np.unique(y, return_counts=True)
        self.classes_ = values
        self.majority_ = values[np.argmax(counts)]
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)

    def score(self, X, y):
        # Distinguishes the candidates: the score grows with c (at most 1).
        return float(np.mean(self.predict(X) == y)) * 0.5 + 0.5 * min(self.c, 1.0)


class Gate:
    """The first fit waits until ``needed`` other fits ended (or ``timeout`` seconds passed)."""

    def __init__(self, needed: int, timeout: float):
        self.needed = needed
        self.timeout = timeout
        self.condition = threading.Condition()
        self.first_taken = False
        self.completed = 0
        self.completed_while_waiting: int | None = None
        self.starved: bool | None = None


GATE: Gate | None = None


class GatedEstimator(BaseEstimator):
    """Its first fit (across all clones, in this process) waits on :data:`GATE`."""

    def __init__(self, x: float = 0.0, r: int = 1):
        self.x = x
        self.r = r

    def fit(self, X, y=None):
        gate = GATE
        with gate.condition:
            first = not gate.first_taken
            gate.first_taken = True
        if first:
            with gate.condition:
                released = gate.condition.wait_for(
                    lambda: gate.completed >= gate.needed, timeout=gate.timeout
                )
                gate.starved = not released
                gate.completed_while_waiting = gate.completed
        else:
            with gate.condition:
                gate.completed += 1
                gate.condition.notify_all()
        return self

    def score(self, X, y=None):
        return -abs(self.x - 0.5)
