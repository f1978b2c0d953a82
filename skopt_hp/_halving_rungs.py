"""The rungs of a halving search: who was scored where, who goes on, and what TPE learns from.

:class:`Ladder` holds every candidate and its mean test score at each rung
(iteration) it reached. It answers the two questions both halving modes
ask:

* **who goes on.** Synchronous halving keeps the best
  ``ceil(n / factor)`` of a finished rung (:meth:`Ladder.best`, NaN scores
  last, as scikit-learn's). The asynchronous mode (ASHA, Li et al. 2020)
  promotes a candidate as soon as it is among the best
  ``floor(n / factor)`` of the ``n`` results its rung has *so far*
  (:meth:`Ladder.promotable`); once no more results can reach a rung, the
  rule becomes the synchronous ``ceil``, so the top rung ends with at least
  the candidates synchronous halving would have kept.
* **what the sampler sees.** New candidates are proposed from the scores of
  one rung, the largest one with enough results (BOHB's rule, Falkner et
  al. 2018): high budgets rank candidates most faithfully, but a model
  fitted on a handful of points is worse than one fitted on many cheaper
  scores. "Enough" is ``max(n_params + 3, n_startup_trials)``: BOHB's
  ``d + 1`` points for a density plus two, and never fewer than the
  sampler's own start-up (TPE draws at random below its
  ``n_startup_trials``, which would waste the rung's information).

:class:`Proposer` asks the sampler for new candidates on that rung's
observations and makes sure no candidate is proposed twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone

from .samplers import Observations, Sampler
from .space import SearchSpace
from .space._nodes import Choice, RandInt

__all__ = ["Candidate", "Ladder", "Proposer", "grid_size", "min_points_in_model"]

#: Draws from the prior tried per proposal that repeats an earlier candidate.
_REPLACEMENT_DRAWS = 1024


class Candidate:
    """One parameter setting and its scores by rung.

    Attributes
    ----------
    index : int
        Order of proposal (0 for the first candidate).
    params : dict
        The estimator parameters (without the resource).
    z : ndarray of shape (n_params,)
        The sampler's internal values.
    scores : dict of int to float
        Mean test score (of the metric that decides promotions) per rung.
    top : int
        The highest rung it was started at.
    """

    __slots__ = ("index", "params", "z", "scores", "top")

    def __init__(self, index: int, params: dict[str, Any], z: np.ndarray) -> None:
        self.index = index
        self.params = params
        self.z = z
        self.scores: dict[int, float] = {}
        self.top = 0

    def __repr__(self) -> str:
        return f"Candidate({self.index}, {self.params!r}, scores={self.scores})"


class Ladder:
    """Candidates and their results, rung by rung.

    Parameters
    ----------
    n_rungs : int
        Number of iterations of the plan.
    factor : float
        The halving factor.
    """

    def __init__(self, n_rungs: int, factor: float) -> None:
        self.n_rungs = n_rungs
        self.factor = factor
        self.candidates: list[Candidate] = []
        # (candidate, score) in the order results arrived, per rung.
        self._results: list[list[tuple[Candidate, float]]] = [[] for _ in range(n_rungs)]

    def __len__(self) -> int:
        return len(self.candidates)

    def add(self, params: dict[str, Any], z: np.ndarray) -> Candidate:
        candidate = Candidate(len(self.candidates), params, z)
        self.candidates.append(candidate)
        return candidate

    def start(self, candidate: Candidate, rung: int) -> None:
        candidate.top = max(candidate.top, rung)

    def record(self, candidate: Candidate, rung: int, score: float) -> None:
        score = float(score)
        candidate.scores[rung] = score
        self._results[rung].append((candidate, score))

    def n_results(self, rung: int) -> int:
        return len(self._results[rung])

    def n_finite(self, rung: int) -> int:
        return sum(math.isfinite(s) for _, s in self._results[rung])

    def ranked(self, rung: int) -> list[Candidate]:
        """The rung's candidates, best first; non-finite scores last, ties by arrival."""
        entries = self._results[rung]
        keys = [
            (0 if math.isfinite(score) else 1, -score if math.isfinite(score) else 0.0, i)
            for i, (_, score) in enumerate(entries)
        ]
        return [entries[i][0] for *_, i in sorted(keys)]

    def best(self, rung: int, k: int) -> list[Candidate]:
        """The ``k`` best candidates of ``rung`` (synchronous halving)."""
        return self.ranked(rung)[:k]

    def promotable(self, rung: int, *, final: bool) -> Candidate | None:
        """The best candidate of ``rung`` that ASHA may promote now, if any.

        A candidate qualifies when it has a finite score, was not promoted
        yet, and is among the best ``floor(n / factor)`` of the ``n`` results
        of the rung, or ``ceil(n / factor)`` when the rung is ``final`` (no
        more results can reach it).
        """
        n = self.n_results(rung)
        k = math.ceil(n / self.factor) if final else math.floor(n / self.factor)
        for candidate in self.ranked(rung)[: min(k, n)]:
            if candidate.top == rung and math.isfinite(candidate.scores[rung]):
                return candidate
        return None

    def model_rung(self, n_min: int) -> int:
        """The largest rung with at least ``n_min`` finite scores (0 when none has)."""
        for rung in range(self.n_rungs - 1, 0, -1):
            if self.n_finite(rung) >= n_min:
                return rung
        return 0

    def observations(
        self, rung: int, n_params: int, pending: Sequence[Candidate] = ()
    ) -> Observations:
        """The sampler's view of ``rung``: its finite scores as losses, in proposal order.

        ``n_params`` (the space's) shapes the arrays when nothing was scored
        yet: the sampler reads the number of columns of an empty ``Z``.
        """
        done = sorted(
            (c for c, s in self._results[rung] if math.isfinite(s)), key=lambda c: c.index
        )
        Z = np.array([c.z for c in done]).reshape(len(done), n_params)
        losses = np.array([-c.scores[rung] for c in done])
        pending_Z = np.array([c.z for c in pending]).reshape(len(pending), n_params)
        n_failed = self.n_results(rung) - len(done)
        return Observations(Z, losses, pending_Z, n_failed)


def min_points_in_model(sampler: Sampler, space: SearchSpace) -> int:
    """How many finite scores a rung needs before proposals model it (see the module)."""
    startup = getattr(sampler, "n_startup_trials", 0)
    startup = startup if isinstance(startup, int) else 0
    return max(space.n_params + 3, startup)


def grid_size(space: SearchSpace) -> int | None:
    """The number of distinct points of a finite, unconditional space; None otherwise."""
    if space.is_conditional:
        return None
    size = 1
    for param in space.params:
        if isinstance(param, Choice):
            size *= len(param.options)
        elif isinstance(param, RandInt):
            size *= param.high - param.low
        else:
            return None
    return size


def _point_key(z: np.ndarray) -> bytes:
    # Inactive parameters are NaN; NaN != NaN, so compare a sentinel instead.
    return np.where(np.isnan(z), np.inf, z).tobytes()


def candidate_params(space: SearchSpace, point: Mapping[str, Any]) -> dict[str, Any]:
    """The estimator parameters of ``point``: evaluated, checked, cloned, sorted by name."""
    params = space.evaluate(point)
    if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
        raise TypeError(
            "search_space must evaluate to a dict of parameter name (str) to value, but the "
            f"point {point!r} evaluated to {params!r}."
        )
    # Estimators inside the space are shared by every candidate that picks them: each
    # candidate gets its own unfitted copy (as in HyperoptSearchCV).
    return {name: clone(params[name], safe=False) for name in sorted(params)}


class Proposer:
    """New candidates from the sampler, never one proposed before.

    Parameters
    ----------
    sampler : Sampler
    space : SearchSpace
    n_min : int
        Finite scores a rung needs to be modelled (:meth:`Ladder.model_rung`).
    random_fraction : float, default=0.0
        Share of the proposals made once a rung is modelled that are drawn
        from the prior instead (BOHB's ``random_fraction``). They are spread
        evenly: the ``m``-th modelled proposal (from 0) is a prior draw when
        ``floor((m + 1) * random_fraction) > floor(m * random_fraction)``,
        so the share is exact after every proposal and does not depend on
        how proposals are grouped.

    Attributes
    ----------
    exhausted : bool
        True once a proposal could not be made distinct from the earlier
        ones: the space (a small finite one) has no untried point left.
    """

    def __init__(
        self, sampler: Sampler, space: SearchSpace, n_min: int, random_fraction: float = 0.0
    ) -> None:
        self.sampler = sampler
        self.space = space
        self.n_min = n_min
        self.random_fraction = random_fraction
        self.exhausted = False
        self.n_modelled = 0  # proposals made while a rung had enough scores to be modelled
        self.n_prior_draws = 0  # of which drawn from the prior (random_fraction)
        self._seen: set[bytes] = set()

    def _is_prior_draw(self, m: int) -> bool:
        rho = self.random_fraction
        return math.floor((m + 1) * rho + 1e-9) > math.floor(m * rho + 1e-9)

    def propose(
        self,
        ladder: Ladder,
        n: int,
        rng: np.random.Generator,
        pending: Sequence[Candidate] = (),
    ) -> list[Candidate]:
        """Add up to ``n`` new candidates to ``ladder`` and return them.

        ``pending`` are candidates being evaluated, which the sampler treats
        as pending points. Fewer than ``n`` come back only when the space is
        exhausted.
        """
        if n <= 0 or self.exhausted:
            return []
        rung = ladder.model_rung(self.n_min)
        observations = ladder.observations(rung, self.space.n_params, pending)
        prior = np.zeros(n, dtype=bool)
        if len(observations.losses) >= self.n_min:
            prior = np.array([self._is_prior_draw(self.n_modelled + i) for i in range(n)])
            self.n_modelled += n
            self.n_prior_draws += int(prior.sum())
        Z = np.empty((n, self.space.n_params))
        if (~prior).any():
            Z[~prior] = self.sampler.ask(self.space, observations, int((~prior).sum()), rng)
        if prior.any():
            # Prior draws guard against a model of a small resource that ranks candidates
            # unlike the full resource (low-fidelity bias): some proposals ignore it.
            Z[prior] = self.space.sample(rng, int(prior.sum()))
        Z = self.space.snap(Z)
        rows = []
        for z in Z:
            key = _point_key(z)
            if key in self._seen:
                z = self._untried(rng)
                if z is None:
                    self.exhausted = True
                    break
                key = _point_key(z)
            self._seen.add(key)
            rows.append(z)
        points = self.space.decode(np.array(rows)) if rows else []
        return [
            ladder.add(candidate_params(self.space, point), z)
            for point, z in zip(points, rows, strict=True)
        ]

    def _untried(self, rng: np.random.Generator) -> np.ndarray | None:
        """A point of the prior not proposed before (None when none turned up)."""
        for z in self.space.sample(rng, _REPLACEMENT_DRAWS):
            if _point_key(z) not in self._seen:
                return z
        return None
