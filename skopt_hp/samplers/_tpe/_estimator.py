"""Fitting a Parzen mixture to observations: kernel centres, bandwidths and the prior kernel.

One kernel per observation plus one prior kernel. Numerical kernels are
centred on the observed values; their bandwidths come from the spacing of
the observations (or Scott's rule), clipped to a range that shrinks as
observations accumulate (the "magic clip"). The prior kernel keeps every
part of the space reachable: for a uniform prior it is a normal centred in
the middle of the bounds with the whole range as bandwidth, for a normal
prior it is the prior itself.

Ordinal parameters (a small grid of values, such as ``quniform(0, 5, 1)``
or ``randint(10)``) are modelled on the indices of their grid points: each
observation's kernel is a normal discretised on the grid, centred on its
point, with a bandwidth in grid steps that shrinks as observations
accumulate, plus a share of the prior, as for categorical parameters.
Every point thus keeps its own probability, however few the points.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...space import Grid, Param
from ._parzen import CategoricalKernels, NumericalKernels, ParzenMixture
from ._settings import KernelSettings

__all__ = ["Domain", "domain_of", "fit_parzen", "option_fades"]

# Normal priors are unbounded; bandwidth rules need a finite range, which is
# taken as this many prior standard deviations either side of the prior mean.
_NORMAL_HALF_WIDTH = 3.0
_EPS = 1e-12


@dataclass(frozen=True)
class Domain:
    """What the bandwidth rules need to know about one numerical parameter.

    Attributes
    ----------
    low, high : float
        Inclusive bounds (infinite for normal priors).
    step : float
        Grid spacing, 0 when continuous.
    span_low, span_high : float
        A finite range standing for the parameter's extent: the bounds
        widened by half a step, or a few prior sigmas around a normal prior.
    prior_mu, prior_sigma : float
        The prior kernel.
    """

    low: float
    high: float
    step: float
    span_low: float
    span_high: float
    prior_mu: float
    prior_sigma: float


def domain_of(param: Param) -> Domain:
    """The :class:`Domain` of a numerical parameter."""
    low, high = param.bounds
    step = float(param.step) if param.step else 0.0
    if param.prior == "normal":
        mu, sigma = float(param.prior_mu), float(param.prior_sigma)
        span = (mu - _NORMAL_HALF_WIDTH * sigma, mu + _NORMAL_HALF_WIDTH * sigma)
        return Domain(low, high, step, *span, mu, sigma)
    span_low, span_high = low - 0.5 * step, high + 0.5 * step
    return Domain(
        low, high, step, span_low, span_high, 0.5 * (span_low + span_high), span_high - span_low
    )


def _neighbor_bandwidths(
    X: np.ndarray, low: np.ndarray, high: np.ndarray, consider_endpoints: bool
) -> np.ndarray:
    """Per kernel and dimension, the larger gap to the sorted neighbours (columns of ``X``).

    So the mixture covers the space between observations without holes;
    ``low`` and ``high`` act as the outer neighbours.
    """
    m = X.shape[0]
    # Work on rows (one per dimension): sorting contiguous rows is several
    # times faster than sorting the columns of X in place.
    XT = np.ascontiguousarray(X.T)
    order = _stable_argsort_rows(XT)
    rows = np.arange(XT.shape[0])[:, None]
    s = np.concatenate([low[:, None], XT[rows, order], high[:, None]], axis=1)
    gaps = np.diff(s, axis=1)
    sorted_sigma = np.maximum(gaps[:, :-1], gaps[:, 1:])
    if not consider_endpoints and m >= 2:
        # The outermost kernels would otherwise stretch to the bounds and
        # push mass towards the edges whatever the data say.
        sorted_sigma[:, 0] = gaps[:, 1]
        sorted_sigma[:, -1] = gaps[:, -2]
    sigma = np.empty_like(sorted_sigma)
    sigma[rows, order] = sorted_sigma
    return sigma.T


def _stable_argsort_rows(XT: np.ndarray) -> np.ndarray:
    """``np.argsort(XT, axis=1, kind="stable")``, about three times faster on continuous rows.

    Tied values take their kernel's gap by position, so the order among ties
    must be the stable one for proposals not to depend on the sort. Without
    ties every sort gives that order, so the fast unstable sort is used and
    only rows with ties (grids, values clipped to a bound) are sorted again.
    """
    order = np.argsort(XT, axis=1)
    if XT.shape[1] > 1:
        ordered = np.take_along_axis(XT, order, axis=1)
        for r in np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1)):
            order[r] = np.argsort(XT[r], kind="stable")
    return order


def _scott_bandwidths(x: np.ndarray, n_dims: int, scale: float) -> np.ndarray:
    """One bandwidth for all kernels of a dimension: Scott's rule for ``n_dims`` dimensions.

    Falls back to ``scale`` (the prior's width) when the spread is undefined.
    """
    if x.size < 2:
        return np.full(x.shape, scale)
    spread = float(np.std(x))
    q75, q25 = np.percentile(x, [75, 25])
    if q75 > q25:
        spread = min(spread, (q75 - q25) / 1.34)
    if spread <= 0:
        return np.full(x.shape, scale)
    return np.full(x.shape, 1.059 * spread * x.size ** (-1.0 / (n_dims + 4)))


def _numerical_kernels(
    X: np.ndarray, domains: Sequence[Domain], settings: KernelSettings, n_dims: int
) -> NumericalKernels:
    m = X.shape[0]
    columns = _domain_columns(tuple(domains))
    prior_mu = columns.prior_mu
    # The prior kernel's width caps every kernel; the clip floor shrinks with
    # the number of kernels so the model can sharpen but never collapse.
    max_sigma = columns.prior_sigma
    if settings.consider_magic_clip:
        min_sigma = max_sigma / min(100.0, m + 2.0)
    else:
        min_sigma = _EPS * max_sigma
    if m == 0:
        sigma = np.empty((0, len(domains)))
    elif settings.bandwidth == "scott":
        sigma = np.column_stack(
            [_scott_bandwidths(X[:, j], n_dims, max_sigma[j]) for j in range(len(domains))]
        )
    else:
        # Observations outside the nominal span (normal priors) widen it.
        low = np.minimum(columns.span_low, X.min(axis=0))
        high = np.maximum(columns.span_high, X.max(axis=0))
        sigma = _neighbor_bandwidths(X, low, high, settings.consider_endpoints)
    return NumericalKernels(
        mu=np.vstack([X, prior_mu]),
        sigma=np.vstack([np.minimum(np.maximum(sigma, min_sigma), max_sigma), max_sigma]),
        low=columns.low,
        high=columns.high,
        step=columns.step,
    )


@functools.lru_cache(maxsize=512)
def _domain_columns(domains: tuple[Domain, ...]) -> Domain:
    """The fields of ``domains`` as read-only arrays, one entry per parameter.

    A group's domains never change during a search, and building these arrays
    on every fit cost a few percent of a suggestion.
    """
    columns = {}
    for field in dataclasses.fields(Domain):
        column = np.array([getattr(d, field.name) for d in domains], dtype=float)
        column.flags.writeable = False
        columns[field.name] = column
    return Domain(**columns)


def option_fades(m: int, tried: np.ndarray, exploration: float) -> np.ndarray:
    """How fast each option's share of the prior fades in a table of ``m`` observations.

    The share is divided by ``m + 1`` (hyperopt's and Optuna's rule) when
    ``exploration`` is 0; by ``min(tried, m) + 1`` when it is 1, ``tried``
    being how many finished trials chose each option, so an option few
    trials tried keeps a share of every observation's kernel; in between, by
    the geometric interpolation ``(m + 1) ** (1 - e) * (min(tried, m) + 1) ** e``.
    """
    seen = np.minimum(np.asarray(tried, dtype=float), m) + 1.0
    return (m + 1.0) ** (1.0 - exploration) * seen**exploration


def _kernel_rows(
    kernel: np.ndarray,
    x: np.ndarray,
    prior: np.ndarray,
    settings: KernelSettings,
    fades: np.ndarray | None = None,
):
    """The table of a categorical or ordinal dimension from its per-option kernels.

    ``kernel[i]`` is the (normalised) kernel of an observation of option
    ``i``; each observation's row adds a share of the prior, pseudo-counts
    ``prior_weight * n_options * prior / fades`` that fade as the ``m``
    observations accumulate: ``fades`` is ``m + 1`` (as Optuna does) unless
    given per option (see :func:`option_fades`). Rows depend on the observed
    option only, so they are built once per option and gathered:
    ``(m + 1, n)`` with the prior as the last row.
    """
    m, n_options = x.shape[0], prior.size
    if fades is None:
        rows = kernel + settings.prior_weight / (m + 1) * n_options * prior
    else:
        rows = kernel + settings.prior_weight * n_options * prior / fades
    rows /= rows.sum(axis=1, keepdims=True)
    # Gathered straight into the table (no vstack copy of its m rows).
    table = np.empty((m + 1, n_options))
    np.take(rows, x.astype(np.intp), axis=0, out=table[:m])
    table[m] = prior
    return table


def _categorical_table(
    x: np.ndarray, prior: np.ndarray, settings: KernelSettings, fades: np.ndarray | None = None
) -> np.ndarray:
    """Kernels of one categorical dimension: a row per observed option in ``x``, and the prior."""
    return _kernel_rows(np.eye(prior.size), x, prior, settings, fades)


def _ordinal_table(x: np.ndarray, grid: Grid, settings: KernelSettings) -> np.ndarray:
    """Kernels of one ordinal dimension: a row per observed grid index in ``x``, and the prior.

    A row is a normal over the grid indices, centred on the observation,
    with bandwidth ``ordinal_bandwidth * n / (m + 2)`` grid steps (``n``
    points, ``m`` observations: the magic clip's rule), mixed with the prior
    as a categorical kernel is.
    """
    m, n_points = x.shape[0], grid.prior.size
    h = settings.ordinal_bandwidth * n_points / (m + 2.0)
    if h > 0:
        z = (np.arange(n_points)[None, :] - np.arange(n_points)[:, None]) / h
        kernel = np.exp(-0.5 * z * z)
        kernel /= kernel.sum(axis=1, keepdims=True)
    else:
        kernel = np.eye(n_points)
    return _kernel_rows(kernel, x, grid.prior, settings)


def fit_parzen(
    params: Sequence[Param],
    X: np.ndarray,
    weights: np.ndarray,
    settings: KernelSettings,
    domains: Sequence[Domain | None] | None = None,
    grids: Sequence[Grid | None] | None = None,
    fades: Sequence[np.ndarray | None] | None = None,
) -> ParzenMixture:
    """Fit the Parzen mixture of a group of numerical and categorical parameters.

    Parameters
    ----------
    params : sequence of Param
        The group's parameters (numerical or categorical).
    X : ndarray of shape (m, len(params))
        Observed internal values, all active.
    weights : ndarray of shape (m,)
        Non-negative weight of each observation; the prior kernel gets
        ``settings.prior_weight`` on the same scale.
    settings : KernelSettings
    domains : sequence of Domain or None, optional
        Precomputed :func:`domain_of` for the numerical parameters.
    grids : sequence of Grid or None, optional
        The grid of each parameter modelled as ordinal (``None`` for the
        others); its column of ``X`` holds grid *indices*. Ordinal
        dimensions are modelled with the categorical ones.
    fades : sequence of ndarray or None, optional
        For each categorical parameter, how fast each option's share of the
        prior fades (:func:`option_fades`); ``None`` (for a parameter, or
        for all) is ``m + 1`` for every option.

    Returns
    -------
    ParzenMixture
        ``m + 1`` kernels; the last one is the prior.
    """
    if grids is None:
        grids = [None] * len(params)
    if domains is None:
        domains = [domain_of(p) if p.kind == "numerical" else None for p in params]
    num = np.array(
        [j for j, p in enumerate(params) if p.kind == "numerical" and grids[j] is None],
        dtype=np.intp,
    )
    cat = np.array(
        [j for j, p in enumerate(params) if p.kind == "categorical" or grids[j] is not None],
        dtype=np.intp,
    )
    mixture_weights = np.append(np.asarray(weights, dtype=float), settings.prior_weight)
    mixture_weights /= mixture_weights.sum()
    numerical = (
        _numerical_kernels(X[:, num], [domains[j] for j in num], settings, len(params))
        if num.size
        else None
    )
    categorical = None
    if cat.size:
        tables = []
        for j in cat:
            grid = grids[j]
            if grid is None:
                fade = None if fades is None else fades[j]
                tables.append(_categorical_table(X[:, j], params[j].weights, settings, fade))
            else:
                tables.append(_ordinal_table(X[:, j], grid, settings))
        categorical = CategoricalKernels(tables)
    return ParzenMixture(mixture_weights, numerical, categorical, num, cat)
