"""The sampler protocol.

Samplers see plain observations — internal parameter matrices and losses —
never a ``Trials`` object or an estimator. That keeps them testable on their
own and usable by both ``fmin`` and ``HyperoptSearchCV``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from ..space import SearchSpace

__all__ = ["Observations", "Sampler"]


@dataclass(frozen=True)
class Observations:
    """What a sampler may know about the search so far.

    Attributes
    ----------
    Z : ndarray of shape (n_done, n_params)
        Internal values of the finished, successful trials (NaN where inactive).
    losses : ndarray of shape (n_done,)
        Their losses (finite floats; lower is better).
    pending : ndarray of shape (n_pending, n_params)
        Points proposed but not finished yet (running in parallel workers).
    n_failed : int
        Number of trials that failed; samplers usually ignore them, but may
        count them towards a startup budget.
    """

    Z: np.ndarray
    losses: np.ndarray
    pending: np.ndarray = field(default=None)  # type: ignore[assignment]
    n_failed: int = 0

    def __post_init__(self) -> None:
        Z = np.asarray(self.Z, dtype=float)
        losses = np.asarray(self.losses, dtype=float).reshape(-1)
        if Z.ndim != 2 or Z.shape[0] != losses.shape[0]:
            raise ValueError(
                f"Observations: Z must be (n, n_params) with one loss per row, but got Z of shape "
                f"{Z.shape} and {losses.shape[0]} losses."
            )
        n_params = Z.shape[1]
        pending = self.pending
        pending = np.empty((0, n_params)) if pending is None else np.asarray(pending, float)
        if pending.ndim == 1:
            # A single pending point may come as a flat row.
            pending = pending.reshape(1 if pending.size else 0, n_params)
        object.__setattr__(self, "Z", Z)
        object.__setattr__(self, "losses", losses)
        object.__setattr__(self, "pending", pending)

    @classmethod
    def empty(cls, n_params: int) -> Observations:
        return cls(np.empty((0, n_params)), np.empty(0))

    @property
    def n_done(self) -> int:
        return self.Z.shape[0]

    @property
    def n_pending(self) -> int:
        return self.pending.shape[0]


class Sampler(ABC):
    """Proposes points of a :class:`~skopt_hp.space.SearchSpace`.

    Subclasses implement :meth:`ask`. Samplers hold only their settings
    (they are immutable); all randomness comes from the ``rng`` passed in,
    so the same generator state gives the same proposals.
    """

    @abstractmethod
    def ask(
        self,
        space: SearchSpace,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Propose ``n`` points as an ``(n, n_params)`` internal matrix.

        The rows must be valid (``space.snap`` leaves them unchanged). When
        ``n > 1`` the rows are proposed jointly, each treating the ones
        before it as pending.
        """

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({params})"
