"""Shared pieces of the reliability tests: counters, fault-injecting objectives and estimators.

``COUNTS`` gathers what the tests did (faults injected, inputs fuzzed, trials
lost...). ``conftest.py`` writes it to a JSON file at the end of the session
when ``SKOPT_HP_RELIABILITY_COUNTS`` names a directory, and
``count_guarantees.py`` sums those files for ``docs/reliability.md``.
"""

from __future__ import annotations

import math
import os
import signal
import time
from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

COUNTS: Counter[str] = Counter()

#: Trials (call indices) that fail: a deterministic 30% (3 of every 10).
FAULTY = frozenset({2, 5, 8})


def is_faulty(index: int) -> bool:
    return index % 10 in FAULTY


def quadratic(point: dict) -> float:
    """The healthy objective, also used to recompute losses independently."""
    return (point["x"] - 1.0) ** 2 + (0.25 if point["c"] == "b" else 0.0)


class FaultyObjective:
    """``quadratic``, except on a deterministic 30% of calls, where it misbehaves.

    ``kind`` says how: raise, return NaN/inf/None/a string, or a malformed
    dict. Calls are counted, so call ``i`` is trial ``i`` in a serial search.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self.calls = 0
        self.faulty_points: list[dict] = []

    def __call__(self, point: dict):
        index = self.calls
        self.calls += 1
        if not is_faulty(index):
            return quadratic(point)
        COUNTS["faults injected (fmin objective)"] += 1
        self.faulty_points.append(point)
        kind = self.kind
        if kind == "raise":
            raise RuntimeError(f"injected failure at call {index}")
        if kind == "nan":
            return math.nan
        if kind == "inf":
            return math.inf
        if kind == "-inf":
            return -math.inf
        if kind == "none":
            return None
        if kind == "string":
            return "0.5"
        if kind == "dict without loss":
            return {"status": "ok"}
        if kind == "dict with a string loss":
            return {"status": "ok", "loss": "0.1"}
        if kind == "dict with a bad status":
            return {"status": "great", "loss": 0.0}
        if kind == "numpy nan":
            return np.float64("nan")
        raise AssertionError(kind)


#: Each fault kind and a fragment of the reason recorded for it.
FAULT_REASONS = {
    "raise": "injected failure",
    "nan": "non-finite loss",
    "inf": "non-finite loss",
    "-inf": "non-finite loss",
    "none": "must return a number or a dict",
    "string": "must return a number or a dict",
    "dict without loss": "loss=None",
    "dict with a string loss": "loss='0.1'",
    "dict with a bad status": "status 'great'",
    "numpy nan": "non-finite loss",
}


def sleep_or_die(point: dict) -> float:
    """A process-executor objective: misbehaves according to ``point["x"]``'s region."""
    x = point["x"]
    if x < -8:  # hangs: only trial_timeout stops it
        time.sleep(30)
    elif x < -6:
        os._exit(3)
    elif x < -4:
        os.kill(os.getpid(), signal.SIGKILL)
    elif x < -2:
        raise ValueError("injected failure in the worker")
    return x**2


def faults_at_exact_points(point: dict) -> float:
    """Hangs at x == -9 and kills its process at x == -7 (random draws never hit these)."""
    if point["x"] == -9.0:
        time.sleep(30)
    elif point["x"] == -7.0:
        os._exit(3)
    return point["x"] ** 2


class MeanRegressor(RegressorMixin, BaseEstimator):
    """Predicts the training mean plus ``shift``; misbehaves as ``fault`` says.

    ``fault`` is an int: 2, 5 and 8 (30% of ``hp.randint("fault", 10)``'s
    prior) trigger ``kind``: ``fit`` raises, ``predict`` returns NaN, the
    score is NaN/inf, or (``"exit"``) ``fit`` kills its process.
    """

    def __init__(self, shift: float = 0.0, fault: int = 0, kind: str = "raise"):
        self.shift = shift
        self.fault = fault
        self.kind = kind

    def _faulty(self) -> bool:
        return self.fault in FAULTY

    def fit(self, X, y):
        if self._faulty() and self.kind == "raise":
            raise RuntimeError(f"injected fit failure (fault={self.fault})")
        if self._faulty() and self.kind == "exit":
            os._exit(3)
        self.mean_ = float(np.mean(y)) + self.shift
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        value = math.nan if self._faulty() and self.kind == "predict nan" else self.mean_
        return np.full(len(X), value)

    def score(self, X, y, sample_weight=None):
        if self._faulty() and self.kind in ("score nan", "score inf"):
            return math.nan if self.kind == "score nan" else math.inf
        if self._faulty() and self.kind == "score none":
            return None
        return -float(np.mean((self.predict(X) - y) ** 2))


def echo_or_die(i: int, die: bool) -> int:
    """A joblib task: returns ``i``, or kills its worker process."""
    if die:
        os._exit(3)
    time.sleep(0.002 * (i % 3))
    return i
