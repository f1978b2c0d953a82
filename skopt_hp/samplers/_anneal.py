"""Annealing: random search that narrows around good points (hyperopt's ``anneal``).

Each new point starts from one of the best trials so far (its rank drawn
from a geometric distribution with mean ``avg_best_idx``), and each active
parameter is drawn near that trial's value, from a neighbourhood whose
width shrinks as the parameter accumulates observations: a fraction
``1 / (1 + T * shrink_coef)`` of the prior's width after ``T``
observations. It works on the samplers' internal encoding, so log-scaled
parameters move in log space and quantised ones are snapped to their grid.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..space import SearchSpace
from ..space._nodes import CATEGORICAL, NUMERICAL, RandInt
from ._base import Observations, Sampler

__all__ = ["AnnealingSampler"]


def _check_real(name: str, value: object, low: float, *, low_inclusive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"AnnealingSampler: {name} must be a real number, but got {value!r}.")
    value = float(value)
    ok = value >= low if low_inclusive else value > low
    if not (np.isfinite(value) and ok):
        rule = ">=" if low_inclusive else ">"
        raise ValueError(
            f"AnnealingSampler: {name} must be finite and {rule} {low:g}, but got {value!r}."
        )
    return value


class AnnealingSampler(Sampler):
    """hyperopt's annealing algorithm as a sampler.

    Parameters
    ----------
    avg_best_idx : float, default=2.0
        Mean rank (0 is the best) of the trial each new point starts from;
        the rank is drawn from a geometric distribution. Must be >= 1
        (1 always starts from the best trial).
    shrink_coef : float, default=0.1
        How fast neighbourhoods shrink: after ``T`` observations of a
        parameter, its neighbourhood is ``1 / (1 + T * shrink_coef)`` of the
        prior's width. 0 never shrinks.

    Notes
    -----
    Per parameter, given the value ``v`` of the starting trial and the
    fraction ``s = 1 / (1 + T * shrink_coef)``:

    * uniform priors (``uniform``, ``quniform``, ``loguniform``,
      ``uniformint``...): uniform over a window of ``s`` times the bounds'
      width centred on ``v``, shifted to stay inside the bounds;
    * normal priors (``normal``, ``lognormal``...): normal around ``v`` with
      ``s`` times the prior's sigma;
    * choices and ``randint``: ``v`` is kept with probability ``1 - s``,
      otherwise the value is drawn from the prior (hyperopt mixes the chosen
      value and the prior in the same proportions);
    * parameters never observed, and scipy distributions, are drawn from
      the prior.

    A parameter inactive in the starting trial takes its value from the
    next of the trials already chosen for this point in which it is active,
    else from a newly drawn good trial, as in hyperopt. Points of one batch
    are drawn independently (running trials are not modelled); failed
    trials are ignored.
    """

    def __init__(self, *, avg_best_idx: float = 2.0, shrink_coef: float = 0.1) -> None:
        self.avg_best_idx = _check_real("avg_best_idx", avg_best_idx, 1.0, low_inclusive=True)
        self.shrink_coef = _check_real("shrink_coef", shrink_coef, 0.0, low_inclusive=True)

    def ask(
        self,
        space: SearchSpace,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        if observations.n_done == 0:
            return space.sample(rng, n)
        Z, losses = observations.Z, observations.losses
        # Per parameter: the trials where it is active, best first (stable on ties).
        order = np.argsort(losses, kind="stable")
        ranked = [order[~np.isnan(Z[order, j])] for j in range(space.n_params)]
        rows = np.vstack([self._one(space, Z, ranked, rng) for _ in range(n)])
        return space.snap(rows)

    def _one(
        self, space: SearchSpace, Z: np.ndarray, ranked: list[np.ndarray], rng: np.random.Generator
    ) -> np.ndarray:
        row = np.full(space.n_params, np.nan)
        chosen: list[int] = []  # trials this point drew from, in the order they were drawn
        for j, param in enumerate(space.params):
            # Parents come first, so the choices deciding this parameter are already set.
            if not space.active_mask(row[None, :])[0, j]:
                continue
            trials_j = ranked[j]
            if trials_j.size == 0 or param.kind not in (CATEGORICAL, NUMERICAL):
                row[j] = param.sample(rng, 1)[0]
                continue
            start = next((t for t in chosen if not np.isnan(Z[t, j])), None)
            if start is None:
                rank = min(int(rng.geometric(1.0 / self.avg_best_idx)) - 1, trials_j.size - 1)
                start = int(trials_j[rank])
                chosen.append(start)
            shrink = 1.0 / (1.0 + trials_j.size * self.shrink_coef)
            row[j] = self._near(param, Z[start, j], shrink, rng)
        return row

    @staticmethod
    def _near(param, value: float, shrink: float, rng: np.random.Generator) -> float:
        if param.kind == CATEGORICAL or isinstance(param, RandInt):
            return value if rng.random() >= shrink else float(param.sample(rng, 1)[0])
        if param.prior == "normal":
            return float(rng.normal(value, param.prior_sigma * shrink))
        low, high = param.bounds
        half = 0.5 * (high - low) * shrink
        centre = min(max(value, low + half), high - half)
        return float(rng.uniform(centre - half, centre + half))
