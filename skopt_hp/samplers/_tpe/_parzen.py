"""Batched Parzen mixtures: the densities l(x) and g(x) of TPE.

A mixture has ``k`` components ("kernels"), each a product over the
dimensions of a group of parameters:

* numerical dimensions: a normal kernel truncated to the parameter's
  bounds, with its own bandwidth per kernel and per dimension; when the
  parameter lives on a grid (``step``) the kernel is discretised and a grid
  point gets the kernel's probability mass of ``[x - step/2, x + step/2]``;
* categorical dimensions: one probability vector per kernel.

Everything is vectorised over kernels, dimensions and query points: a
``log_pdf`` call builds one ``(n_points, n_kernels)`` matrix of per-kernel
log densities (matrix products for the continuous dimensions, one table per
grid or categorical dimension) and takes a ``logsumexp`` over the kernels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import log_ndtr, ndtr, ndtri_exp

__all__ = [
    "CategoricalKernels",
    "NumericalKernels",
    "ParzenMixture",
    "log_normal_mass",
]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
# Beyond this many sigmas a normal tail is below 1e-16 (double precision).
_FAR = 8.3


def log_normal_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for standardised bounds ``a <= b``, accurate in both tails.

    Intervals right of zero are reflected (``Phi(b) - Phi(a) == Phi(-a) -
    Phi(-b)``) so only left tails are evaluated, where ``ndtr`` and
    ``log_ndtr`` have full relative precision.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        a, b = np.broadcast_arrays(a, b)
    if np.all(a <= 0) and np.all(b >= 0):
        # The common case (kernels centred inside their bounds): one minus two
        # tails, each at most one half. Only intervals narrower than ~1e-8
        # around zero lose digits, which bandwidth floors rule out in practice.
        return np.log1p(-(ndtr(a) + ndtr(-b)))
    flip = a > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    out = np.empty(lo.shape)
    across = hi > 0
    # Across zero the mass is one minus two tails, as above. One-sided
    # intervals need the log-space difference of two left tails.
    la, ha = lo[across], hi[across]
    out[across] = np.log1p(-(ndtr(la) + ndtr(-ha)))
    one = ~across
    if one.any():
        log_hi = log_ndtr(hi[one])
        with np.errstate(divide="ignore"):
            # log(1 - exp(d)) via expm1 keeps precision for narrow intervals (d -> 0).
            out[one] = log_hi + np.log(-np.expm1(log_ndtr(lo[one]) - log_hi))
    return out


def _unique_pairs(mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ``(mu, sigma)`` pairs and, for each input, the index of its pair."""
    # A complex key sorts and compares as the pair; this is ten times faster
    # than np.unique(..., axis=0).
    pairs, inverse = np.unique(mu + 1j * sigma, return_inverse=True)
    return pairs.real, pairs.imag, inverse.reshape(-1)


class _QuadraticForm:
    """``sum_d ((x_d - mu_kd) / sigma_kd) ** 2`` for all points and kernels, fast.

    Expanding the square turns the ``(n, k, d)`` broadcast into two matrix
    products. Coordinates are centred first so the expansion only loses
    precision when a kernel is extremely narrow compared with its distance
    to the centre; then the direct broadcast is used instead.
    """

    def __init__(self, mu: np.ndarray, sigma: np.ndarray) -> None:
        self.center = mu.mean(axis=0) if mu.size else np.zeros(mu.shape[1])
        centred = mu - self.center
        self.mu, self.sigma = mu, sigma
        if mu.size:
            abs_centred = np.abs(centred)
            # The bound max|c| / min(sigma) settles the common case without the full ratio.
            with np.errstate(divide="ignore", invalid="ignore"):
                bound = np.max(abs_centred) / np.min(sigma)
                self.expand = bound < 1e4 or float(np.max(abs_centred / sigma)) < 1e4
        else:
            self.expand = False
        if self.expand:
            self.precision = 1.0 / sigma**2
            self.linear = centred * self.precision
            self.constant = (centred * self.linear).sum(axis=1)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        if not self.expand:
            z = (X[:, None, :] - self.mu[None]) / self.sigma[None]
            return np.einsum("nkd,nkd->nk", z, z)
        xc = X - self.center
        q = (xc * xc) @ self.precision.T - 2.0 * (xc @ self.linear.T) + self.constant
        return np.maximum(q, 0.0)


def _log_truncation_mass(
    low: np.ndarray, high: np.ndarray, mu: np.ndarray, sigma: np.ndarray
) -> np.ndarray:
    """Log of each kernel's mass inside ``[low, high]`` (its truncation normaliser).

    Kernels more than ``_FAR`` bandwidths from both bounds lose less than
    1e-16 of their mass, so their normaliser is 0 to double precision and is
    not computed: at hundreds of trials that is most of them.
    """
    a, b = (low - mu) / sigma, (high - mu) / sigma
    out = np.zeros(a.shape)
    near = (a > -_FAR) | (b < _FAR)
    if near.any():
        out[near] = log_normal_mass(a[near], b[near])
    return out


def _sample_truncated_standard_normal(
    rng: np.random.Generator, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Standard normal draws truncated to ``[a, b]`` (elementwise), by inverting the CDF.

    Works in log-probability space (``ndtri_exp``) and on the reflected
    interval when it lies right of zero, so far-tail intervals stay exact.
    """
    flip = a > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    log_lo = log_ndtr(lo)
    log_mass = log_normal_mass(lo, hi)
    u = rng.random(a.shape)
    with np.errstate(divide="ignore"):
        log_p = np.logaddexp(log_lo, np.log(u) + log_mass)
    z = np.minimum(np.maximum(ndtri_exp(np.minimum(log_p, 0.0)), lo), hi)
    return np.where(flip, -z, z)


def _logsumexp_rows(a: np.ndarray) -> np.ndarray:
    """``scipy.special.logsumexp(a, axis=1)`` for a finite-or-minus-inf 2-d array.

    scipy's version validates and dispatches through the array API, which
    costs more than the arithmetic for the small arrays of a TPE step.
    """
    top = a.max(axis=1)
    empty = np.isneginf(top)
    top = np.where(empty, 0.0, top)
    # exp() is several times slower on arguments that underflow; terms below
    # e**-700 of the largest change the sum by less than one ulp anyway.
    shifted = np.maximum(a - top[:, None], -700.0)
    out = np.log(np.exp(shifted).sum(axis=1)) + top
    out[empty] = -np.inf
    return out


@dataclass(frozen=True)
class NumericalKernels:
    """``k`` truncated-normal kernels over ``d`` numerical dimensions.

    Parameters
    ----------
    mu, sigma : ndarray of shape (k, d)
        Kernel centres and bandwidths (``sigma > 0``).
    low, high : ndarray of shape (d,)
        Inclusive bounds of each dimension (may be infinite).
    step : ndarray of shape (d,)
        Grid spacing of each dimension, ``0`` for a continuous one. Grid
        points are the multiples of ``step`` within ``[low, high]``.
    """

    mu: np.ndarray
    sigma: np.ndarray
    low: np.ndarray
    high: np.ndarray
    step: np.ndarray

    def __post_init__(self) -> None:
        half = 0.5 * self.step
        # A grid point's cell is [x - step/2, x + step/2]; the kernels are
        # truncated to the union of the cells (the bounds widened by step/2).
        lo, hi = self.low - half, self.high + half
        c, g = np.flatnonzero(self.step <= 0), np.flatnonzero(self.step > 0)
        # Kernels on a grid repeat (mu, sigma) pairs a lot (observations share
        # grid values, bandwidths hit the clip), so grid dims are evaluated
        # once per distinct pair.
        grid_pairs = [_unique_pairs(self.mu[:, j], self.sigma[:, j]) for j in g]
        log_z = np.zeros(self.mu.shape[0])
        if c.size:
            mu, sigma = self.mu[:, c], self.sigma[:, c]
            log_z += _log_truncation_mass(lo[c], hi[c], mu, sigma).sum(axis=1)
            log_z += (np.log(sigma) + _LOG_SQRT_2PI).sum(axis=1)
        for j, (mu, sigma, inverse) in zip(g, grid_pairs, strict=True):
            log_z += _log_truncation_mass(lo[j], hi[j], mu, sigma)[inverse]
        for name, value in [
            ("_lo", lo),
            ("_hi", hi),
            ("_continuous", c),
            ("_grid", g),
            ("_grid_pairs", grid_pairs),
            ("_const", -log_z),
            ("_quadratic", _QuadraticForm(self.mu[:, c], self.sigma[:, c])),
        ]:
            object.__setattr__(self, name, value)

    @property
    def n_kernels(self) -> int:
        return self.mu.shape[0]

    def log_pdf(self, X: np.ndarray) -> np.ndarray:
        """Log density (log mass on grid dimensions) of each point under each kernel.

        Parameters
        ----------
        X : ndarray of shape (n, d)

        Returns
        -------
        ndarray of shape (n, k)
        """
        out = np.broadcast_to(self._const, (X.shape[0], self.n_kernels)).copy()
        c = self._continuous
        if c.size:
            out -= 0.5 * self._quadratic(X[:, c])
        for j, (mu, sigma, inverse) in zip(self._grid, self._grid_pairs, strict=True):
            # Candidates repeat grid values too: one mass per distinct (value, pair).
            values, which = np.unique(X[:, j], return_inverse=True)
            half = 0.5 * self.step[j]
            a = (values[:, None] - half - mu) / sigma
            b = (values[:, None] + half - mu) / sigma
            out += log_normal_mass(a, b)[which.reshape(-1)][:, inverse]
        return out

    def sample(self, rng: np.random.Generator, kernel: np.ndarray) -> np.ndarray:
        """One draw from kernel ``kernel[i]`` for each ``i``: an ``(n, d)`` array."""
        mu, sigma = self.mu[kernel], self.sigma[kernel]
        z = _sample_truncated_standard_normal(rng, (self._lo - mu) / sigma, (self._hi - mu) / sigma)
        x = mu + sigma * z
        g = self._grid
        if g.size:
            step = self.step[g]
            x[:, g] = np.round(x[:, g] / step) * step
        # np.minimum/np.maximum: the same result as np.clip without its wrapper's cost.
        return np.minimum(np.maximum(x, self.low), self.high)


@dataclass(frozen=True)
class CategoricalKernels:
    """``k`` kernels over categorical dimensions, one probability table per dimension.

    Parameters
    ----------
    probs : sequence of ndarray of shape (k, n_options_j)
        Row ``i`` of table ``j`` is kernel ``i``'s distribution over the
        options of dimension ``j``; rows sum to one.
    """

    probs: Sequence[np.ndarray]

    def __post_init__(self) -> None:
        with np.errstate(divide="ignore"):
            object.__setattr__(self, "_log_probs", [np.log(p) for p in self.probs])

    @cached_property
    def _cums(self) -> list[np.ndarray]:
        # Only l(x) is sampled from, so g(x) never pays for these.
        cums = []
        for p in self.probs:
            cum = np.cumsum(p, axis=1)
            cum[:, -1] = 1.0  # guard against rounding leaving a gap above the last option
            cums.append(cum)
        return cums

    @property
    def n_kernels(self) -> int:
        return self.probs[0].shape[0]

    def log_pdf(self, X: np.ndarray) -> np.ndarray:
        """Log probability of each point under each kernel: ``(n, k)`` from ``(n, d)``."""
        out = np.zeros((X.shape[0], self.n_kernels))
        for j, log_p in enumerate(self._log_probs):
            out += log_p[:, X[:, j].astype(np.intp)].T
        return out

    def sample(self, rng: np.random.Generator, kernel: np.ndarray) -> np.ndarray:
        """One draw from kernel ``kernel[i]`` for each ``i``: an ``(n, d)`` array of indices."""
        out = np.empty((kernel.shape[0], len(self.probs)))
        for j, cum in enumerate(self._cums):
            u = rng.random(kernel.shape[0])
            out[:, j] = (cum[kernel] <= u[:, None]).sum(axis=1)
        return out


@dataclass(frozen=True)
class ParzenMixture:
    """A weighted mixture of product kernels over a group of dimensions.

    Parameters
    ----------
    weights : ndarray of shape (k,)
        Mixture weights, summing to one.
    numerical : NumericalKernels or None
        Kernels of the numerical dimensions, which are ``numerical_dims``
        of the group.
    categorical : CategoricalKernels or None
        Kernels of the categorical dimensions ``categorical_dims``.
    numerical_dims, categorical_dims : ndarray of int
        Positions of those dimensions among the group's columns.
    """

    weights: np.ndarray
    numerical: NumericalKernels | None
    categorical: CategoricalKernels | None
    numerical_dims: np.ndarray
    categorical_dims: np.ndarray

    def __post_init__(self) -> None:
        with np.errstate(divide="ignore"):
            object.__setattr__(self, "_log_weights", np.log(self.weights))

    @cached_property
    def _cum_weights(self) -> np.ndarray:
        cum = np.cumsum(self.weights)
        cum[-1] = 1.0
        return cum

    @property
    def n_kernels(self) -> int:
        return self.weights.shape[0]

    @property
    def n_dims(self) -> int:
        return self.numerical_dims.size + self.categorical_dims.size

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` points: pick a kernel by weight, then draw from it.

        Returns
        -------
        ndarray of shape (n, n_dims)
        """
        kernel = np.searchsorted(self._cum_weights, rng.random(n), side="right")
        kernel = np.minimum(kernel, self.n_kernels - 1)
        out = np.empty((n, self.n_dims))
        if self.numerical is not None:
            out[:, self.numerical_dims] = self.numerical.sample(rng, kernel)
        if self.categorical is not None:
            out[:, self.categorical_dims] = self.categorical.sample(rng, kernel)
        return out

    def log_pdf(self, X: np.ndarray) -> np.ndarray:
        """Log density of the mixture at each row of ``X`` (shape ``(n, n_dims)``).

        On grid and categorical dimensions the density is with respect to
        the counting measure (a probability mass).
        """
        X = np.asarray(X, dtype=float)
        # Each kernel's log_pdf is a fresh array: add into it (one (n, k) array less).
        if self.numerical is not None:
            log_k = self.numerical.log_pdf(X[:, self.numerical_dims])
            log_k += self._log_weights
        else:
            log_k = np.broadcast_to(self._log_weights, (X.shape[0], self.n_kernels)).copy()
        if self.categorical is not None:
            log_k += self.categorical.log_pdf(X[:, self.categorical_dims])
        return _logsumexp_rows(log_k)
