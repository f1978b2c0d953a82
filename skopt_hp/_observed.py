"""The encoded observations of a search, kept up to date as its trials change.

Samplers read :class:`~skopt_hp.samplers.Observations` on every ask. Building
them from all trials each time costs O(N) per ask and makes a run of N
trials quadratic, so :class:`ObservationLog` keeps them incrementally:
successful trials in growing arrays ordered by trial id (samplers weigh
observations by age, so the order is that of the trials, not of their
completion), pending trials in a small dict, failures as a count.
"""

from __future__ import annotations

import numpy as np

from .samplers import Observations

__all__ = ["ObservationLog"]

_INITIAL_CAPACITY = 64


class ObservationLog:
    """Rows of finished, pending and failed trials for one search space.

    Parameters
    ----------
    n_params : int
        Width of a row (the space's number of parameters).
    """

    def __init__(self, n_params: int) -> None:
        self.n_params = n_params
        self._Z = np.empty((_INITIAL_CAPACITY, n_params))
        self._losses = np.empty(_INITIAL_CAPACITY)
        self._tids = np.empty(_INITIAL_CAPACITY, dtype=np.int64)
        self._n = 0
        self._pending: dict[int, np.ndarray] = {}
        self.n_failed = 0

    @property
    def n_done(self) -> int:
        return self._n

    def _grow(self) -> None:
        capacity = 2 * self._Z.shape[0]
        for name in ("_Z", "_losses", "_tids"):
            old = getattr(self, name)
            new = np.empty((capacity, *old.shape[1:]), dtype=old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def add_done(self, tid: int, z: np.ndarray, loss: float) -> None:
        """Record a successful trial (amortised O(1) when trials finish in tid order)."""
        if self._n == self._Z.shape[0]:
            self._grow()
        n = self._n
        # Parallel trials finish a little out of order: the shift is over the few
        # rows of later trials that finished first.
        i = n
        while i > 0 and self._tids[i - 1] > tid:
            i -= 1
        if i < n:
            self._Z[i + 1 : n + 1] = self._Z[i:n].copy()
            self._losses[i + 1 : n + 1] = self._losses[i:n].copy()
            self._tids[i + 1 : n + 1] = self._tids[i:n].copy()
        self._Z[i] = z
        self._losses[i] = loss
        self._tids[i] = tid
        self._n = n + 1

    def remove_done(self, tid: int) -> None:
        """Forget a successful trial (a trial recorded again, or deleted)."""
        n = self._n
        hits = np.flatnonzero(self._tids[:n] == tid)
        if not hits.size:
            return
        i = int(hits[0])
        self._Z[i : n - 1] = self._Z[i + 1 : n].copy()
        self._losses[i : n - 1] = self._losses[i + 1 : n].copy()
        self._tids[i : n - 1] = self._tids[i + 1 : n].copy()
        self._n = n - 1

    def add_pending(self, tid: int, z: np.ndarray) -> None:
        self._pending[tid] = z

    def remove_pending(self, tid: int) -> None:
        self._pending.pop(tid, None)

    def observations(self) -> Observations:
        """Read-only views of the current rows (no copy of the finished rows)."""
        n = self._n
        Z = self._Z[:n]
        losses = self._losses[:n]
        Z.flags.writeable = False
        losses.flags.writeable = False
        if self._pending:
            pending = np.vstack([self._pending[tid] for tid in sorted(self._pending)])
        else:
            pending = np.empty((0, self.n_params))
        return Observations(Z, losses, pending, self.n_failed)
