"""The points of a finite search space: its size, its enumeration, a key per point.

A space is finite when every parameter takes finitely many values: choices
(options of positive probability), ``randint``, ``uniformint`` and the
quantised uniform and log-uniform parameters (``quniform``, ``qloguniform``:
bounded, on a grid of step ``q``). Continuous parameters, quantised normals
(unbounded) and opaque scipy.stats distributions make a space infinite.

Conditional spaces count what is reachable: a parameter counts only where
the choices gating it activate it, so ``hp.choice("m", [{"C": [1, 2]}, {}])``
has 3 points, not 4. Points are rows of the internal matrix ``Z`` of
:class:`~skopt_hp.space.SearchSpace` (``NaN`` where inactive); :meth:`FiniteGrid.keys`
gives each row a canonical key, equal for equal points.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._nodes import Choice, Param, RandInt, Uniform
from ._space import SearchSpace

__all__ = ["FiniteGrid"]

#: Counting a conditional space visits at most this many (parameter, choices) states;
#: a space that needs more is taken as too large to count (its size is then None).
MAX_COUNT_STEPS = 100_000
#: Spaces of at most this many points can be enumerated.
MAX_ENUMERATED = 100_000


def _n_levels(param: Param) -> int | None:
    """How many values ``param`` takes (None: infinitely many)."""
    if isinstance(param, Choice):
        return int(np.count_nonzero(param.weights > 0))
    if isinstance(param, RandInt):
        return param.high - param.low
    if isinstance(param, Uniform) and param.q is not None:
        first, last = _grid_steps(param)
        return last - first + 1
    return None


def _grid_steps(param: Uniform) -> tuple[int, int]:
    """The first and last multiple of ``q`` (as integers) a quantised uniform takes."""
    low, high = param.to_external(np.asarray(param.bounds, dtype=float))
    return int(round(float(low) / param.q)), int(round(float(high) / param.q))


def _levels(param: Param) -> np.ndarray:
    """The internal values of ``param``, canonical (as ``snap`` gives them), ascending."""
    if isinstance(param, Choice):
        return np.flatnonzero(param.weights > 0).astype(float)
    if isinstance(param, RandInt):
        return np.arange(param.low, param.high, dtype=float)
    first, last = _grid_steps(param)
    values = np.arange(first, last + 1, dtype=float) * param.q
    return param.snap(param.to_internal(values))


class FiniteGrid:
    """The points of a finite :class:`~skopt_hp.space.SearchSpace`.

    Build it with :meth:`of`, which returns None for an infinite space.

    Attributes
    ----------
    space : SearchSpace
    size : int or None
        The number of points; None when counting them would take too long
        (a space with very many combinations of nested choices), which
        means far more than :data:`MAX_ENUMERATED`.
    """

    def __init__(self, space: SearchSpace, n_levels: Sequence[int]) -> None:
        self.space = space
        self._n_levels = list(n_levels)
        gating = {c for cond in space.conditions for conj in cond for c, _ in conj}
        self._gating = gating
        self.size = self._count()

    @classmethod
    def of(cls, space: SearchSpace) -> FiniteGrid | None:
        """The grid of ``space``, or None when some parameter takes infinitely many values."""
        n_levels = [_n_levels(param) for param in space.params]
        if any(n is None for n in n_levels):
            return None
        return cls(space, n_levels)  # type: ignore[arg-type]

    # -- counting ----------------------------------------------------------------------
    def _active(self, j: int, chosen: dict[int, int]) -> bool:
        return any(all(chosen.get(c) == o for c, o in conj) for conj in self.space.conditions[j])

    def _count(self) -> int | None:
        space, n_params = self.space, self.space.n_params
        steps = 0
        memo: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}

        def count(j: int, chosen: dict[int, int]) -> int | None:
            nonlocal steps
            if j == n_params:
                return 1
            key = (j, tuple(sorted(chosen.items())))
            if key in memo:
                return memo[key]
            steps += 1
            if steps > MAX_COUNT_STEPS:
                return None
            if not self._active(j, chosen):
                total = count(j + 1, chosen)
            elif j in self._gating:
                total = 0
                for option in _levels(space.params[j]):
                    sub = count(j + 1, {**chosen, j: int(option)})
                    if sub is None:
                        return None
                    total += sub
            else:
                rest = count(j + 1, chosen)
                total = None if rest is None else self._n_levels[j] * rest
            if total is None:
                return None
            memo[key] = total
            return total

        return count(0, {})

    # -- points --------------------------------------------------------------------------
    def points(self) -> np.ndarray:
        """Every point, as rows of the internal matrix (at most :data:`MAX_ENUMERATED`)."""
        if self.size is None or self.size > MAX_ENUMERATED:
            raise ValueError(
                f"The space has {'too many to count' if self.size is None else self.size} "
                f"points; at most {MAX_ENUMERATED} are enumerated."
            )
        space = self.space
        Z = np.full((1, space.n_params), np.nan)
        for j, param in enumerate(space.params):
            # Conditions only read earlier columns, which are already set.
            active = space.active_mask(Z)[:, j]
            levels = _levels(param)
            expanded = np.repeat(Z[active], len(levels), axis=0)
            expanded[:, j] = np.tile(levels, int(active.sum()))
            Z = np.concatenate([expanded, Z[~active]])
        return Z

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` points drawn from the space's prior, canonical."""
        return self.space.snap(self.space.sample(rng, n))

    def keys(self, Z: np.ndarray) -> list[bytes]:
        """A key per row of ``Z``, equal for rows that are the same point."""
        Z = self.space.snap(np.atleast_2d(np.asarray(Z, dtype=float)))
        # -0.0 + 0.0 is 0.0, and every NaN becomes the same NaN.
        Z = np.where(np.isnan(Z), np.nan, Z + 0.0)
        return [row.tobytes() for row in Z]
