"""The resource schedule of a successive-halving search (no fits, no data).

:func:`plan_halving` turns ``n_candidates``, ``min_resources``,
``max_resources``, ``factor`` and ``aggressive_elimination`` into the
iterations (rungs) of the search and the resource each one gives a
candidate. The arithmetic is scikit-learn's ``HalvingRandomSearchCV``
(including its floating-point ``log``), so the two searches agree on
``n_resources_``, ``n_iterations_``, ``n_possible_iterations_`` and
``n_required_iterations_`` for the same settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, floor, log

__all__ = ["HalvingPlan", "plan_halving"]


@dataclass(frozen=True)
class HalvingPlan:
    """The rungs of one search.

    Attributes
    ----------
    n_candidates : int
        Candidates of the first iteration.
    min_resources, max_resources : int
        Resource of a candidate at the first iteration (after ``"exhaust"``)
        and the most any iteration may give.
    factor : float
        Only the best ``1 / factor`` of an iteration's candidates go on.
    n_required_iterations : int
        Iterations needed to end with fewer than ``factor`` candidates.
    n_possible_iterations : int
        Iterations that fit between ``min_resources`` and ``max_resources``.
    resources : tuple of int
        Resource per iteration; its length is the number of iterations.
    """

    n_candidates: int
    min_resources: int
    max_resources: int
    factor: float
    n_required_iterations: int
    n_possible_iterations: int
    resources: tuple[int, ...]

    @property
    def n_iterations(self) -> int:
        return len(self.resources)

    def n_kept(self, n_evaluated: int) -> int:
        """How many of ``n_evaluated`` candidates of an iteration go on to the next one."""
        return min(n_evaluated, ceil(n_evaluated / self.factor))


def plan_halving(
    *,
    n_candidates: int,
    min_resources: int,
    max_resources: int,
    factor: float,
    aggressive_elimination: bool,
    exhaust_min_resources: bool,
) -> HalvingPlan:
    """The schedule of a search that starts with ``n_candidates`` candidates.

    Parameters
    ----------
    n_candidates : int
        Candidates of the first iteration (>= 1).
    min_resources : int
        The smallest first-iteration resource (``min_resources_`` before
        ``"exhaust"`` raises it).
    max_resources : int
        ``max_resources_``.
    factor : float
        The halving factor (> 0).
    aggressive_elimination : bool
        Repeat the first resource until few enough candidates remain.
    exhaust_min_resources : bool
        ``min_resources="exhaust"``: start from the largest first resource
        that still lets the last required iteration use ``max_resources``.

    Returns
    -------
    HalvingPlan
    """
    n_required = 1 + floor(log(n_candidates, factor))
    if exhaust_min_resources:
        min_resources = max(min_resources, max_resources // factor ** (n_required - 1))
    n_possible = 1 + floor(log(max_resources // min_resources, factor))
    n_iterations = n_required if aggressive_elimination else min(n_possible, n_required)
    resources = []
    for itr in range(n_iterations):
        power = itr
        if aggressive_elimination:
            # The first resource is replayed while candidates are being eliminated.
            power = max(0, itr - n_required + n_possible)
        resources.append(min(int(factor**power * min_resources), max_resources))
    return HalvingPlan(
        n_candidates=n_candidates,
        min_resources=int(min_resources),
        max_resources=int(max_resources),
        factor=factor,
        n_required_iterations=n_required,
        n_possible_iterations=n_possible,
        resources=tuple(resources),
    )
