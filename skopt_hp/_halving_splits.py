"""Cross-validation splits restricted to a fraction of the samples (``resource="n_samples"``).

A candidate evaluated with ``r`` samples is fit and scored on the first
``int(r / n_samples * len(part))`` indices of each fold's train and test
parts, in an order drawn once per fold. Because the order does not depend
on ``r``, the samples of a smaller budget are a subset of every larger
budget's (scikit-learn's halving draws them the same way when its
``random_state`` is an int), and every candidate at one budget sees exactly
the same samples. For classifiers the order interleaves the classes, so
that any prefix holds each class in its proportion of the part: a small
budget does not lose a rare class by chance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["SubsampledSplits", "prefix_order"]


def prefix_order(indices: np.ndarray, labels: Any, rng: np.random.Generator) -> np.ndarray:
    """``indices`` in a random order whose every prefix is stratified by ``labels``.

    Each sample gets the key ``(rank within its class + u) / class size``,
    with its rank random and ``u`` uniform in [0, 1); sorting by the key
    spreads each class evenly along the order. ``labels=None`` gives a plain
    random permutation.
    """
    indices = np.asarray(indices)
    if labels is None or len(indices) == 0:
        return rng.permutation(indices)
    labels = np.asarray(labels)
    if labels.ndim != 1:  # multi-output targets: no single class to stratify by
        return rng.permutation(indices)
    part = labels[indices]
    keys = np.empty(len(indices))
    _, inverse, counts = np.unique(part, return_inverse=True, return_counts=True)
    for c, size in enumerate(counts):
        members = np.flatnonzero(inverse == c)
        ranks = rng.permutation(size)
        keys[members] = (ranks + rng.random(size)) / size
    return indices[np.argsort(keys, kind="stable")]


class SubsampledSplits:
    """The folds of ``base_cv``, each restricted to ``fraction`` of its samples.

    Parameters
    ----------
    base_cv : cross-validation splitter
        Must give the same folds on every ``split`` call (a frozen splitter).
    fraction : float
        In (0, 1]: the share of each fold's train and test indices kept.
    seed : sequence of int
        Seeds each fold's order (followed by the fold's position).
    stratify : bool
        Interleave the classes of ``y`` in the order (classifiers).
    """

    def __init__(self, base_cv: Any, fraction: float, seed: Sequence[int], stratify: bool) -> None:
        self.base_cv = base_cv
        self.fraction = fraction
        self.seed = tuple(seed)
        self.stratify = stratify

    def split(self, X: Any, y: Any = None, **params: Any):
        labels = y if self.stratify else None
        for fold, (train, test) in enumerate(self.base_cv.split(X, y, **params)):
            rng = np.random.default_rng([*self.seed, fold])
            train_order = prefix_order(train, labels, rng)
            test_order = prefix_order(test, labels, rng)
            n_train = int(self.fraction * len(train))
            n_test = int(self.fraction * len(test))
            # Sorted back, so that estimators see the rows in the data's own order.
            yield np.sort(train_order[:n_train]), np.sort(test_order[:n_test])

    def get_n_splits(self, X: Any = None, y: Any = None, **params: Any) -> int:
        return self.base_cv.get_n_splits(X, y, **params)

    def __repr__(self) -> str:
        return f"SubsampledSplits({self.base_cv!r}, fraction={self.fraction:.4g})"
