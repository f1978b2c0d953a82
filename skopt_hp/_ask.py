"""The ask step shared by ``fmin`` and ``HyperoptSearchCV``.

``algo`` arguments come in hyperopt's form (``tpe.suggest``, a
``functools.partial`` of it), as a name (``"tpe"``, ``"rand"``) or as a
:class:`~skopt_hp.samplers.Sampler`. :func:`resolve_algo` turns each into a
sampler; :func:`ask` proposes new trials from what a ``Trials`` holds.

In a finite space, ``HyperoptSearchCV`` never evaluates one candidate twice:
:class:`UntriedPoints` replaces a proposal identical to a tried or pending
point by an untried one (``fmin`` keeps hyperopt's behaviour, which may
repeat points).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._trials import Trial, Trials
from .samplers import RandomSampler, Sampler
from .space import SearchSpace
from .space._grid import MAX_ENUMERATED, FiniteGrid

__all__ = ["UntriedPoints", "ask", "make_suggest", "resolve_algo"]

logger = logging.getLogger(__name__)

_NAMED: dict[str, Callable[..., Sampler]] = {"rand": RandomSampler, "random": RandomSampler}


def register_algo(name: str, factory: Callable[..., Sampler]) -> None:
    """Make ``algo=name`` build a sampler with ``factory()``."""
    _NAMED[name] = factory


def make_suggest(factory: Callable[..., Sampler], name: str) -> Callable[..., Any]:
    """Build a hyperopt-style ``suggest`` function backed by a sampler factory.

    The function can be passed as ``algo`` (directly or wrapped in
    ``functools.partial`` with keyword arguments for ``factory``), and can
    be called as hyperopt calls its algorithms:
    ``suggest(new_ids, domain, trials, seed, **kwargs)``, which returns the
    new points (``{label: value}``) for ``new_ids`` without recording them.
    """

    def suggest(new_ids, domain, trials, seed, **kwargs):
        space = getattr(domain, "space", domain)
        space = space if isinstance(space, SearchSpace) else SearchSpace(space)
        sampler = factory(**kwargs)
        rng = np.random.default_rng(seed)
        Z = sampler.ask(space, trials.observations(space), len(new_ids), rng)
        return space.decode(Z)

    suggest.__name__ = "suggest"
    suggest.__qualname__ = f"{name}.suggest"
    suggest.__doc__ = f"Propose points with {name} (hyperopt-compatible ``algo``)."
    suggest._skopt_hp_factory = factory  # type: ignore[attr-defined]
    return suggest


def resolve_algo(algo: Any, *, param_name: str = "algo") -> Sampler:
    """Return the :class:`Sampler` that ``algo`` stands for.

    Raises
    ------
    ValueError, TypeError
        Naming ``param_name`` and the value, for anything else.
    """
    if isinstance(algo, Sampler):
        return algo
    if isinstance(algo, str):
        try:
            return _NAMED[algo]()
        except KeyError:
            raise ValueError(
                f"`{param_name}` must be one of {sorted(_NAMED)}, a suggest function or a "
                f"Sampler, but got {algo!r}."
            ) from None
    kwargs: dict[str, Any] = {}
    func = algo
    while isinstance(func, functools.partial):
        if func.args:
            raise TypeError(
                f"`{param_name}`: functools.partial of a suggest function takes keyword "
                f"arguments only, but got positional arguments {func.args!r}."
            )
        kwargs = {**func.keywords, **kwargs}
        func = func.func
    factory = getattr(func, "_skopt_hp_factory", None)
    if factory is None:
        raise TypeError(
            f"`{param_name}` must be a name such as 'tpe' or 'rand', skopt_hp's tpe.suggest / "
            f"rand.suggest (optionally in functools.partial), or a Sampler, but got {algo!r}."
        )
    try:
        return factory(**kwargs)
    except TypeError as exc:
        raise TypeError(f"`{param_name}`: invalid arguments {kwargs!r}: {exc}") from exc


class UntriedPoints:
    """The points of a finite space not tried yet; replaces proposals already tried.

    Parameters
    ----------
    grid : FiniteGrid
        The space's points.
    tried : sequence of ndarray
        Internal rows of the points tried (or pending) so far.

    Notes
    -----
    A replacement is drawn with the round's generator, so it is
    reproducible: uniformly among the untried points when the space has at
    most ``MAX_ENUMERATED`` points (enumerated once, on the first
    replacement), and otherwise from the space's prior until an untried
    point comes up (with so many points and a search of far fewer
    candidates, almost always on the first draw).
    """

    #: Prior draws tried per replacement in a space too large to enumerate.
    MAX_DRAWS = 1024

    def __init__(self, grid: FiniteGrid, tried: Sequence[np.ndarray]) -> None:
        self.grid = grid
        self.tried: set[bytes] = set(grid.keys(np.asarray(tried))) if len(tried) else set()
        self._points: np.ndarray | None = None
        self._index: dict[bytes, int] = {}
        self._free: np.ndarray | None = None

    @property
    def n_untried(self) -> int | None:
        """Points not tried yet (None: the space is too large to count)."""
        size = self.grid.size
        return None if size is None else max(size - len(self.tried), 0)

    def replace_repeats(self, Z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``Z`` with each row already tried, or repeating an earlier row, replaced.

        Every row returned counts as tried from then on. A row is kept as it
        is only when no untried point is left (or none was found).
        """
        Z = np.array(Z, dtype=float, copy=True)
        for i, key in enumerate(self.grid.keys(Z)):
            if key in self.tried:
                replacement = self._untried(rng)
                if replacement is None:
                    logger.warning(
                        "No untried point of the finite search space is left; a candidate "
                        "evaluated before is evaluated again."
                    )
                else:
                    Z[i] = replacement
                    key = self.grid.keys(replacement)[0]
            self._mark(key)
        return Z

    def _mark(self, key: bytes) -> None:
        self.tried.add(key)
        if self._free is not None:
            index = self._index.get(key)
            if index is not None:
                self._free[index] = False

    def _untried(self, rng: np.random.Generator) -> np.ndarray | None:
        size = self.grid.size
        if size is not None and size <= MAX_ENUMERATED:
            if self._points is None:
                self._points = self.grid.points()
                keys = self.grid.keys(self._points)
                self._index = {key: i for i, key in enumerate(keys)}
                self._free = np.array([key not in self.tried for key in keys], dtype=bool)
            assert self._free is not None
            free = np.flatnonzero(self._free)
            if not len(free):
                return None
            return self._points[free[rng.integers(len(free))]]
        draws = self.grid.sample(rng, self.MAX_DRAWS)
        for row, key in zip(draws, self.grid.keys(draws), strict=True):
            if key not in self.tried:
                return row
        return None


def ask(
    sampler: Sampler,
    space: SearchSpace,
    trials: Trials,
    n: int,
    rng: np.random.Generator,
    *,
    untried: UntriedPoints | None = None,
) -> list[Trial]:
    """Propose ``n`` points and record them in ``trials`` as new trials.

    With ``untried``, a proposal identical to a point tried (or proposed)
    before is replaced by an untried point (see :class:`UntriedPoints`).
    """
    observations = trials.observations(space)
    Z = sampler.ask(space, observations, n, rng)
    if untried is not None:
        Z = untried.replace_repeats(Z, rng)
    points = space.decode(Z)
    return [trials.new_trial(p, z=z) for p, z in zip(points, Z, strict=True)]
