"""Groups of parameters that TPE models jointly.

Parameters active under the same condition are always observed together,
so they can share product kernels. A conditional space thus becomes one
group per distinct condition; an unconditional space is a single group.
Groups are proposed in an order where every choice a group's condition
reads has been proposed before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...space import Param, SearchSpace
from ._estimator import Domain, domain_of

__all__ = ["ParamGroup", "group_params", "is_active"]

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
    """

    condition: Condition
    columns: np.ndarray
    params: tuple[Param, ...]
    domains: tuple[Domain | None, ...]
    opaque: tuple[tuple[int, Param], ...]


def group_params(space: SearchSpace, multivariate: bool) -> list[ParamGroup]:
    """Split the space's parameters into groups, in an order safe for proposing.

    With ``multivariate``, parameters sharing an activity condition form one
    group; otherwise each parameter is its own group (independent TPE).
    """
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
            )
        )
    return groups


def is_active(condition: Condition, row: np.ndarray) -> bool:
    """Whether ``condition`` holds for the (partially proposed) ``row``."""
    return any(all(row[c] == o for c, o in conj) for conj in condition)
