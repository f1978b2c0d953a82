"""The settings that shape TPE's Parzen estimators, as one immutable record."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["KernelSettings"]


class KernelSettings(NamedTuple):
    """How observations become kernels (see :class:`~skopt_hp.samplers.TPESampler`).

    Attributes
    ----------
    prior_weight : float
        Weight of the prior kernel, relative to an observation of weight one.
    consider_magic_clip : bool
        Floor the bandwidths at ``scale / min(100, n_kernels + 1)``, where
        the scale is the range of a uniform prior or the sigma of a normal one.
    consider_endpoints : bool
        Let the outermost observations' bandwidths reach the bounds.
    bandwidth : str
        ``"neighbor"``: each kernel's bandwidth is the larger distance to
        its neighbours in that dimension; ``"scott"``: Scott's rule, one
        bandwidth per dimension.
    ordinal_bandwidth : float
        Bandwidth of ordinal kernels, in grid steps, per point of the grid
        and per observation: ``ordinal_bandwidth * n_points / (m + 2)``.
        0 makes ordinal parameters categorical.
    """

    prior_weight: float
    consider_magic_clip: bool
    consider_endpoints: bool
    bandwidth: str
    ordinal_bandwidth: float = 1.0
