"""The Tree-structured Parzen Estimator sampler.

Each proposal follows the algorithm of Bergstra et al. (2011):

1. split the finished trials into the best ones ('below') and the rest
   ('above'); pending trials join 'above' with the worst loss (constant liar);
2. fit a Parzen mixture l(x) to 'below' and g(x) to 'above';
3. draw candidates from l(x) and keep the one maximising log l(x) - log g(x).

Parameters are modelled in groups that share an activity condition (see
:mod:`._groups`), proposed in an order where a group's gating choices are
already known, so a conditional parameter is only proposed when active and
only learns from trials where it was active.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ...space import SearchSpace
from .._base import Observations, Sampler
from ._estimator import fit_parzen, option_fades
from ._groups import ParamGroup, group_params, is_active
from ._parzen import ParzenMixture
from ._settings import KernelSettings
from ._split import (
    check_weights,
    default_gamma,
    ei_weights,
    linear_forgetting_weights,
    n_below,
    split,
)

__all__ = ["TPESampler"]

_BANDWIDTHS = ("neighbor", "scott")


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"TPESampler: {name} must be an int, but got {value!r} of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"TPESampler: {name} must be >= {minimum}, but got {value!r}.")
    return int(value)


def _check_real(name: str, value: object, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"TPESampler: {name} must be a real number, but got {value!r}.")
    if not (np.isfinite(value) and value >= minimum):
        raise ValueError(f"TPESampler: {name} must be finite and >= {minimum}, but got {value!r}.")
    return float(value)


def _check_fraction(name: str, value: object) -> float:
    value = _check_real(name, value, 0.0)
    if value > 1:
        raise ValueError(f"TPESampler: {name} must be in [0, 1], but got {value!r}.")
    return value


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"TPESampler: {name} must be True or False, but got {value!r} of type "
            f"{type(value).__name__}."
        )
    return bool(value)


def _check_callable(name: str, value: object, what: str) -> Callable | None:
    if value is not None and not callable(value):
        raise TypeError(f"TPESampler: {name} must be None or a callable {what}, but got {value!r}.")
    return value  # type: ignore[return-value]


# Proposals retried before falling back to the prior, and prior draws per try,
# when a discrete space's proposal was already tried.
_RETRIES = 4
_PRIOR_DRAWS = 64


class _SeenPoints:
    """The points of a discrete space already evaluated or pending, to propose new ones."""

    def __init__(self, space: SearchSpace, Z: np.ndarray, capacity: float) -> None:
        self._space = space
        self._keys: set[bytes] = set()
        self._capacity = capacity
        self.add(Z)

    @classmethod
    def of(cls, space: SearchSpace, obs: Observations) -> _SeenPoints | None:
        """The tried points, or ``None`` when the space has a continuous or opaque parameter."""
        sizes = []
        for param in space.params:
            if param.kind == "categorical":
                sizes.append(param.n_options)
            elif param.kind == "numerical" and getattr(param, "grid", None) is not None:
                sizes.append(param.grid.values.size)
            else:
                return None
        # A conditional space has fewer points than the product; it is a bound.
        capacity = float(np.prod(np.asarray(sizes, dtype=float)))
        seen = cls(space, np.vstack([obs.Z, obs.pending]), capacity)
        return None if seen.exhausted else seen

    @property
    def exhausted(self) -> bool:
        return len(self._keys) >= self._capacity

    def _rows(self, Z: np.ndarray) -> list[bytes]:
        # Snapped values are canonical; NaN (inactive) compares equal as inf.
        Z = np.where(np.isnan(Z), np.inf, self._space.snap(Z))
        return [row.tobytes() for row in np.ascontiguousarray(Z)]

    def add(self, Z: np.ndarray) -> None:
        self._keys.update(self._rows(Z))

    def contains(self, Z: np.ndarray) -> np.ndarray:
        if self.exhausted:
            # Every point was tried: nothing counts as a repeat any more.
            return np.zeros(Z.shape[0], dtype=bool)
        return np.array([key in self._keys for key in self._rows(Z)], dtype=bool)


@dataclass(frozen=True)
class _GroupModel:
    """A group's 'below' density and the 'above' data, fixed for one ``ask`` call."""

    group: ParamGroup
    below: ParzenMixture | None  # None when the group has only opaque parameters
    above_X: np.ndarray


class TPESampler(Sampler):
    """Tree-structured Parzen Estimator (TPE).

    Models the density of good points, l(x), and of the others, g(x), with
    Parzen mixtures and proposes the candidate drawn from l(x) that
    maximises l(x) / g(x).

    Parameters
    ----------
    n_startup_trials : int, default=10
        Points are drawn from the prior until this many trials finished
        successfully.
    n_ei_candidates : int, default=24
        Candidates drawn from l(x) per proposal; more exploit harder.
    gamma : callable or None, default=None
        ``gamma(n_finished) -> n_below``: how many of the best trials form
        l(x). ``None`` uses ``ceil(0.25 n)``.
    prior_weight : float, default=1.0
        Weight of the prior kernel in both mixtures, relative to an
        observation of weight one (> 0).
    multivariate : bool, default=True
        Model parameters that are active together with joint (product)
        kernels, which captures interactions; ``False`` models every
        parameter independently, as hyperopt does.
    consider_magic_clip : bool, default=True
        Floor each bandwidth at ``scale / min(100, n_kernels + 1)`` so early
        models stay smooth.
    consider_endpoints : bool, default=False
        Let the outermost observations' bandwidths reach the bounds.
    constant_liar : bool, default=True
        Treat pending trials as observed with the worst loss, so that
        parallel workers (and ``ask(n > 1)``) spread their proposals.
    weights : callable or None, default=None
        ``weights(n) -> (n,) array``: observation weights in trial order,
        oldest first. ``None`` is linear forgetting: the newest 25 weigh 1
        and older ones ramp down linearly.
    ei_weights : bool, default=True
        Weight the 'below' kernels by their improvement over the split
        threshold (an expected-improvement weighting) instead of ``weights``.
    bandwidth : {"neighbor", "scott"}, default="neighbor"
        Bandwidth rule of numerical kernels: the larger gap to the sorted
        neighbours in each dimension (per kernel), or Scott's rule (per
        dimension).
    max_ordinal_points : int, default=16
        Quantised and integer parameters (``quniform``, ``qloguniform``,
        ``randint``, ``uniformint``...) with at most this many values are
        modelled as ordinal: a probability per value, smoothed over
        neighbouring values; larger grids get normal kernels discretised on
        the grid. 0 models every grid with discretised kernels.
    ordinal_bandwidth : float, default=1.0
        Smoothing of ordinal kernels over neighbouring values, in grid steps
        per grid point and observation (see ``KernelSettings``); 0 makes
        ordinal parameters categorical (>= 0).
    choice_exploration : float, default=0.0
        In l(x), how long the options of a choice that few trials tried keep
        a share of the prior, in [0, 1]. Every kernel of a choice mixes in
        the prior with pseudo-counts divided by ``m + 1`` (``m`` kernels);
        with ``e > 0`` an option chosen by ``t`` finished trials has its
        pseudo-count divided by ``(m + 1) ** (1 - e) * (min(t, m) + 1) ** e``
        instead, so an option abandoned after a few bad trials is still
        proposed now and then. 0 is hyperopt's and Optuna's rule. 0.25
        helps spaces with a few choices of large effect (``mixed10`` in the
        benchmarks) but costs a little on spaces of many choices.
    branch_exploration : float, default=1.0
        The same for the choices that select a branch of a conditional
        space (an ``hp.choice`` whose options hold parameters): a few bad
        trials of a branch say little about its best, since its own
        parameters were barely tuned, so a branch locked out by a bad start
        is revisited once the search has piled trials into the others.
    group_split : bool, default=True
        Split the trials where a conditional group of parameters is active
        among themselves (``gamma`` of their number form its l(x)), instead
        of keeping those of the split of all trials: a branch then learns
        from its own best trials even while another branch holds every
        globally good one. ``False`` is hyperopt's and Optuna's rule.

    Notes
    -----
    In a space of discrete parameters only (choices and grids), a point
    already evaluated or pending is not proposed again while the candidates
    or the prior offer an untried one.

    Conditional spaces are modelled per group of parameters sharing an
    activity condition; each group learns only from trials where it was
    active and is proposed only when the choices already proposed activate
    it. Parameters given as arbitrary distributions are drawn from their
    prior.

    The defaults were chosen by benchmark on the tuning half of a suite of
    33 problems (continuous, integer and ordinal grids, recorded HPO
    results, categorical, conditional, noisy; ``benchmarks/problems.py``)
    and kept only where they did not lose on the held-out half: the
    multivariate kernels, the magic clip, the expected-improvement weights,
    the uncapped split ``ceil(0.25 n)``, ordinal modelling of grids of up
    to 16 points with ``ordinal_bandwidth=1``, and the exploration of
    rarely tried branches with the per-group split of conditional groups
    (see ``docs/benchmarks.md``).

    The sampler is immutable: change a setting by building a new one.

    References
    ----------
    J. Bergstra, R. Bardenet, Y. Bengio, B. Kégl. Algorithms for
    Hyper-Parameter Optimization. NeurIPS 2011.

    S. Watanabe. Tree-Structured Parzen Estimator: Understanding Its
    Algorithm Components and Their Roles for Better Empirical Performance.
    arXiv:2304.11127.
    """

    def __init__(
        self,
        *,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        gamma: Callable[[int], int] | None = None,
        prior_weight: float = 1.0,
        multivariate: bool = True,
        consider_magic_clip: bool = True,
        consider_endpoints: bool = False,
        constant_liar: bool = True,
        weights: Callable[[int], np.ndarray] | None = None,
        ei_weights: bool = True,
        bandwidth: Literal["neighbor", "scott"] = "neighbor",
        max_ordinal_points: int = 16,
        ordinal_bandwidth: float = 1.0,
        choice_exploration: float = 0.0,
        branch_exploration: float = 1.0,
        group_split: bool = True,
    ) -> None:
        self.n_startup_trials = _check_int("n_startup_trials", n_startup_trials, 0)
        self.n_ei_candidates = _check_int("n_ei_candidates", n_ei_candidates, 1)
        self.gamma = _check_callable("gamma", gamma, "n_finished -> n_below")
        if isinstance(prior_weight, bool) or not isinstance(prior_weight, numbers.Real):
            raise TypeError(
                f"TPESampler: prior_weight must be a real number, but got {prior_weight!r}."
            )
        if not (np.isfinite(prior_weight) and prior_weight > 0):
            raise ValueError(
                f"TPESampler: prior_weight must be finite and > 0, but got {prior_weight!r}."
            )
        self.prior_weight = float(prior_weight)
        self.multivariate = _check_bool("multivariate", multivariate)
        self.consider_magic_clip = _check_bool("consider_magic_clip", consider_magic_clip)
        self.consider_endpoints = _check_bool("consider_endpoints", consider_endpoints)
        self.constant_liar = _check_bool("constant_liar", constant_liar)
        self.weights = _check_callable("weights", weights, "n -> array of n weights")
        self.ei_weights = _check_bool("ei_weights", ei_weights)
        if bandwidth not in _BANDWIDTHS:
            raise ValueError(
                f"TPESampler: bandwidth must be one of {list(_BANDWIDTHS)}, but got {bandwidth!r}."
            )
        self.bandwidth = bandwidth
        self.max_ordinal_points = _check_int("max_ordinal_points", max_ordinal_points, 0)
        self.ordinal_bandwidth = _check_real("ordinal_bandwidth", ordinal_bandwidth, 0.0)
        self.choice_exploration = _check_fraction("choice_exploration", choice_exploration)
        self.branch_exploration = _check_fraction("branch_exploration", branch_exploration)
        self.group_split = _check_bool("group_split", group_split)
        self._kernel_settings = KernelSettings(
            prior_weight=self.prior_weight,
            consider_magic_clip=self.consider_magic_clip,
            consider_endpoints=self.consider_endpoints,
            bandwidth=bandwidth,
            ordinal_bandwidth=self.ordinal_bandwidth,
        )
        self._frozen = True

    def __setattr__(self, name: str, value: object) -> None:
        # Settings are validated once, in __init__; mutating them afterwards
        # would bypass that and desynchronise the kernel settings record.
        if getattr(self, "_frozen", False):
            raise AttributeError(
                f"TPESampler is immutable: build a new one instead of setting {name!r}."
            )
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------
    def ask(
        self,
        space: SearchSpace,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Propose ``n`` points; with ``constant_liar`` each sees the ones before it as pending.

        Parameters
        ----------
        space : SearchSpace
        observations : Observations
            Finished trials (and pending ones, used when ``constant_liar``).
        n : int
            Number of points.
        rng : numpy.random.Generator
            The only source of randomness.

        Returns
        -------
        ndarray of shape (n, n_params)
            Internal values, snapped, ``NaN`` where inactive.
        """
        n = _check_int("n", n, 0)
        seen = _SeenPoints.of(space, observations) if n else None
        if observations.n_done < self.n_startup_trials:
            Z = space.sample(rng, n)
            if seen is not None:
                for i in range(n):
                    Z[i] = self._untried_prior_draw(space, Z[i], rng, seen)
                    seen.add(Z[i : i + 1])
            return Z
        models = self._fit_below(space, observations)
        pending = observations.pending if self.constant_liar else observations.pending[:0]
        out = np.empty((n, space.n_params))
        for i in range(n):
            out[i] = self._propose(space, models, pending, rng, seen)
            if self.constant_liar:
                pending = np.vstack([pending, out[i : i + 1]])
            if seen is not None:
                seen.add(out[i : i + 1])
        return out

    # -- steps ----------------------------------------------------------
    def _weights(self, n: int) -> np.ndarray:
        if self.weights is None:
            return linear_forgetting_weights(n)
        return check_weights(self.weights, n)

    def _split(self, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """'below' and 'above' indices into ``losses``, and the 'below' weights (or ``None``)."""
        count = n_below(default_gamma if self.gamma is None else self.gamma, losses.size)
        below, above = split(losses, count)
        if not (self.ei_weights and below.size):
            return below, above, None
        # The threshold is the best loss left out of l(x), so every 'below'
        # trial improves on it (ties aside).
        threshold = losses[above].min() if above.size else losses[below].max()
        return below, above, ei_weights(losses[below], threshold)

    def _fit_below(self, space: SearchSpace, obs: Observations) -> list[_GroupModel]:
        """Split the finished trials and fit every group's l(x); keep g(x)'s data."""
        losses = obs.losses
        everyone = self._split(losses)
        groups = group_params(space, self.multivariate, self.max_ordinal_points)
        # Choices that select a branch: columns a group's condition reads.
        branches = {c for g in groups for conj in g.condition for c, _ in conj}
        models = []
        for group in groups:
            cols = group.columns
            # The whole space (an unconditional one) needs no column gather.
            Z = obs.Z if cols.size == obs.Z.shape[1] else obs.Z[:, cols]
            active = np.flatnonzero(~np.isnan(Z).any(axis=1))
            if active.size == losses.size:
                # Active in every trial (an unconditional group): the global split.
                below, above, below_w = everyone
            elif self.group_split:
                # A conditional group is split among its own trials: l(x) is
                # then the best of this branch, even while other branches
                # hold every globally good trial.
                below, above, below_w = self._split(losses[active])
                below, above = active[below], active[above]
            else:
                below, above, below_w = everyone
                in_b, in_a = np.isin(below, active), np.isin(above, active)
                below, above = below[in_b], above[in_a]
                below_w = None if below_w is None else below_w[in_b]
            Xb = group.to_model(Z[below])
            wb = self._weights(Xb.shape[0]) if below_w is None else below_w
            fades = [
                self._fades(Z, active, j, p.n_options, Xb.shape[0], cols[j] in branches)
                if p.kind == "categorical"
                else None
                for j, p in enumerate(group.params)
            ]
            below_model = (
                fit_parzen(
                    group.params,
                    Xb,
                    wb,
                    self._kernel_settings,
                    group.domains,
                    group.grids,
                    fades,
                )
                if cols.size
                else None
            )
            models.append(_GroupModel(group, below_model, group.to_model(Z[above])))
        return models

    def _fades(
        self,
        Z: np.ndarray,
        active: np.ndarray,
        j: int,
        n_options: int,
        m: int,
        is_branch: bool,
    ) -> np.ndarray | None:
        """How fast each option's share of the prior fades in l(x) (``None``: the usual rule).

        ``Z[active, j]`` holds the option of every finished trial where the
        choice was active; ``m`` is the number of kernels of l(x).
        """
        exploration = self.branch_exploration if is_branch else self.choice_exploration
        if exploration == 0:
            return None
        tried = np.bincount(Z[active, j].astype(np.intp), minlength=n_options)
        return option_fades(m, tried, exploration)

    def _fit_above(self, model: _GroupModel, pending: np.ndarray) -> ParzenMixture:
        group = model.group
        if pending.shape[0]:
            P = pending[:, group.columns]
            # Pending points are the newest observations, hence appended last.
            X = np.vstack([model.above_X, group.to_model(P[~np.isnan(P).any(axis=1)])])
        else:
            X = model.above_X
        return fit_parzen(
            group.params,
            X,
            self._weights(X.shape[0]),
            self._kernel_settings,
            group.domains,
            group.grids,
        )

    def _propose(
        self,
        space: SearchSpace,
        models: list[_GroupModel],
        pending: np.ndarray,
        rng: np.random.Generator,
        seen: _SeenPoints | None,
    ) -> np.ndarray:
        """One new point; in a discrete space, an untried one when the search finds one."""
        # g(x) of a group is fitted when the group is first active, then reused.
        aboves: list[ParzenMixture | None] = [None] * len(models)
        if seen is None:
            return self._propose_once(space, models, aboves, pending, rng, None)
        for _ in range(_RETRIES):
            row = self._propose_once(space, models, aboves, pending, rng, seen)
            if not seen.contains(row[None, :])[0]:
                return row
        # l(x) is concentrated on tried points: fall back to the prior.
        return self._untried_prior_draw(space, row, rng, seen)

    @staticmethod
    def _untried_prior_draw(
        space: SearchSpace, row: np.ndarray, rng: np.random.Generator, seen: _SeenPoints
    ) -> np.ndarray:
        """``row`` if untried, else an untried draw from the prior (``row`` if none is found)."""
        if not seen.contains(row[None, :])[0]:
            return row
        for _ in range(_RETRIES):
            draws = space.sample(rng, _PRIOR_DRAWS)
            fresh = np.flatnonzero(~seen.contains(draws))
            if fresh.size:
                return draws[fresh[0]]
        return row

    def _propose_once(
        self,
        space: SearchSpace,
        models: list[_GroupModel],
        aboves: list[ParzenMixture | None],
        pending: np.ndarray,
        rng: np.random.Generator,
        seen: _SeenPoints | None,
    ) -> np.ndarray:
        """One point, group by group in gating order."""
        row = np.full(space.n_params, np.nan)
        last = len(models) - 1
        for g, model in enumerate(models):
            group = model.group
            if not is_active(group.condition, row):
                continue
            if model.below is not None:
                above = aboves[g]
                if above is None:
                    above = aboves[g] = self._fit_above(model, pending)
                candidates = model.below.sample(rng, self.n_ei_candidates)
                score = model.below.log_pdf(candidates) - above.log_pdf(candidates)
                values = group.from_model(candidates)
                best = int(np.argmax(score))
                if seen is not None and g == last:
                    # The last group completes the point: prefer the best
                    # candidate that makes an untried point.
                    rows = np.repeat(row[None, :], values.shape[0], axis=0)
                    rows[:, group.columns] = values
                    fresh = ~seen.contains(space.snap(rows))
                    if fresh.any():
                        best = int(np.argmax(np.where(fresh, score, -np.inf)))
                row[group.columns] = values[best]
            for j, param in group.opaque:
                row[j] = param.sample(rng, 1)[0]
        return space.snap(row[None, :])[0]
