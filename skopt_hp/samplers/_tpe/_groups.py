"""Groups of parameters that TPE models jointly.

Parameters active under the same condition are always observed together,
so they can share product kernels. A conditional space thus becomes one
group per distinct condition; an unconditional space is a single group.
Groups are proposed in an order where every choice a group's condition
reads has been proposed before it.

A group models its ordinal parameters (grids of few points) on the indices
of their grid points: :meth:`ParamGroup.to_model` and
:meth:`ParamGroup.from_model` convert between internal values and those
indices.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ...space import Grid, Param, SearchSpace
from ._estimator import Domain, domain_of

__all__ = ["ParamGroup", "group_params", "is_active", "ordinal_grid"]

Condition = tuple[tuple[tuple[int, int], ...], ...]


@dataclass(frozen=True)
class ParamGroup:
    """Parameters proposed together.

    Attributes
    ----------
    condition : tuple
        When the group is active (``SearchSpace.conditions`` form).
    columns : ndarray of int
        Space columns of the modelled (numerical and categorical) parameters.
    params : tuple of Param
        Those parameters.
    domains : tuple of Domain or None
        The numerical parameters' domains (``None`` for categorical ones).
    opaque : tuple of (int, Param)
        Parameters TPE cannot model, drawn from their prior when active.
    grids : tuple of Grid or None
        The grid of each parameter modelled as ordinal, ``None`` for the others.
    """

    condition: Condition
    columns: np.ndarray
    params: tuple[Param, ...]
    domains: tuple[Domain | None, ...]
    opaque: tuple[tuple[int, Param], ...]
    grids: tuple[Grid | None, ...] = ()

    @cached_property
    def ordinal(self) -> list[int]:
        """Positions (among ``params``) of the ordinal parameters."""
        return [j for j, g in enumerate(self.grids) if g is not None]

    def to_model(self, X: np.ndarray) -> np.ndarray:
        """Internal values (columns of the group) to the model's coordinates: grid indices."""
        ordinal = self.ordinal
        if not ordinal:
            return X
        X = X.copy()
        for j in ordinal:
            values = self.grids[j].values
            # The nearest grid point: snapped values are grid points already,
            # up to the last bit of the encoding.
            right = np.clip(np.searchsorted(values, X[:, j]), 1, values.size - 1)
            left = right - 1
            nearer_left = np.abs(X[:, j] - values[left]) <= np.abs(values[right] - X[:, j])
            X[:, j] = np.where(nearer_left, left, right) if values.size > 1 else 0.0
        return X

    def from_model(self, X: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_model`: grid indices back to internal values."""
        ordinal = self.ordinal
        if not ordinal:
            return X
        X = X.copy()
        for j in ordinal:
            X[:, j] = self.grids[j].values[X[:, j].astype(np.intp)]
        return X


def ordinal_grid(param: Param, max_points: int) -> Grid | None:
    """The grid of ``param`` when TPE models it as ordinal (at most ``max_points`` points)."""
    grid = getattr(param, "grid", None) if param.kind == "numerical" else None
    if grid is None or grid.values.size > max_points:
        return None
    return grid


# Groups depend on the space and two settings only, and a search asks with
# the same space every time: building them once per space saves a tenth of a
# suggestion at a thousand trials. Weak keys, so a finished search's space goes.
_GROUPS: weakref.WeakKeyDictionary[SearchSpace, dict[tuple[bool, int], tuple[ParamGroup, ...]]]
_GROUPS = weakref.WeakKeyDictionary()


def group_params(
    space: SearchSpace, multivariate: bool, max_ordinal_points: int = 0
) -> tuple[ParamGroup, ...]:
    """Split the space's parameters into groups, in an order safe for proposing.

    With ``multivariate``, parameters sharing an activity condition form one
    group; otherwise each parameter is its own group (independent TPE).
    Numerical parameters on a grid of at most ``max_ordinal_points`` points
    are modelled as ordinal. The groups are cached per space (they are
    immutable).
    """
    per_space = _GROUPS.setdefault(space, {})
    key = (bool(multivariate), int(max_ordinal_points))
    if key not in per_space:
        per_space[key] = tuple(_build_groups(space, multivariate, max_ordinal_points))
    return per_space[key]


def _build_groups(
    space: SearchSpace, multivariate: bool, max_ordinal_points: int
) -> list[ParamGroup]:
    members: dict[object, list[int]] = {}
    for j, cond in enumerate(space.conditions):
        key = cond if multivariate else j
        members.setdefault(key, []).append(j)
    groups = []
    # A choice gating a group precedes all of the group's parameters in the
    # space's order, so ordering groups by their first column is topological.
    for cols in sorted(members.values(), key=lambda c: c[0]):
        modelled = [j for j in cols if space.params[j].kind != "opaque"]
        params = tuple(space.params[j] for j in modelled)
        groups.append(
            ParamGroup(
                condition=space.conditions[cols[0]],
                columns=np.array(modelled, dtype=np.intp),
                params=params,
                domains=tuple(domain_of(p) if p.kind == "numerical" else None for p in params),
                opaque=tuple(
                    (j, space.params[j]) for j in cols if space.params[j].kind == "opaque"
                ),
                grids=tuple(ordinal_grid(p, max_ordinal_points) for p in params),
            )
        )
    return groups


def is_active(condition: Condition, row: np.ndarray) -> bool:
    """Whether ``condition`` holds for the (partially proposed) ``row``."""
    return any(all(row[c] == o for c, o in conj) for conj in condition)
